#include "strata/web/upstream_next.h"

#include "strata/web/proxy_settings.h"

namespace strata::web {
namespace {

constexpr uint32_t kNoCondition = 1u << 31;  // a bit proxy_next_upstream never sets

// The proxy_next_upstream condition that allows trying on after `failure`.
uint32_t condition_of(UpstreamFailure failure) {
    switch (failure) {
        case UpstreamFailure::error:
            return kNextError;
        case UpstreamFailure::no_live:  // no condition tries on: there is nothing left
            return kNoCondition;
        case UpstreamFailure::timeout:
            return kNextTimeout;
        case UpstreamFailure::invalid_header:
            return kNextInvalidHeader;
        case UpstreamFailure::http_500:
            return kNextHttp500;
        case UpstreamFailure::http_502:
            return kNextHttp502;
        case UpstreamFailure::http_503:
            return kNextHttp503;
        case UpstreamFailure::http_504:
            return kNextHttp504;
        case UpstreamFailure::http_403:
            return kNextHttp403;
        case UpstreamFailure::http_404:
            return kNextHttp404;
        case UpstreamFailure::http_429:
            return kNextHttp429;
    }
    return 0;
}

}  // namespace

std::optional<UpstreamFailure> failure_of_status(int status) {
    switch (status) {
        case 500:
            return UpstreamFailure::http_500;
        case 502:
            return UpstreamFailure::http_502;
        case 503:
            return UpstreamFailure::http_503;
        case 504:
            return UpstreamFailure::http_504;
        case 403:
            return UpstreamFailure::http_403;
        case 404:
            return UpstreamFailure::http_404;
        case 429:
            return UpstreamFailure::http_429;
        default:
            return std::nullopt;
    }
}

int status_of_failure(UpstreamFailure failure) {
    switch (failure) {
        case UpstreamFailure::timeout:
        case UpstreamFailure::http_504:
            return 504;
        case UpstreamFailure::http_500:
            return 500;
        case UpstreamFailure::http_503:
            return 503;
        case UpstreamFailure::http_403:
            return 403;
        case UpstreamFailure::http_404:
            return 404;
        case UpstreamFailure::http_429:
            return 429;
        default:
            return 502;
    }
}

bool is_idempotent(std::string_view method) {
    return method != "POST" && method != "LOCK" && method != "PATCH";
}

bool should_try_next(UpstreamFailure failure, const TryState& state) {
    uint32_t needed = condition_of(failure);
    if (state.request_sent && !is_idempotent(state.method)) needed |= kNextNonIdempotent;
    if (state.tries_left == 0) return false;
    if ((state.next_upstream & needed) != needed) return false;
    return state.timeout_ms == 0 || state.elapsed_ms < state.timeout_ms;
}

}  // namespace strata::web
