#include "strata/web/upstream_state.h"

#include <algorithm>

namespace strata::web {
namespace {

// nginx's "%T.%03M": seconds with milliseconds.
void append_seconds(std::string& out, int64_t ms) {
    ms = std::max<int64_t>(ms, 0);
    std::string fraction = std::to_string(ms % 1000);
    out += std::to_string(ms / 1000) + "." + std::string(3 - fraction.size(), '0') + fraction;
}

void append_time(std::string& out, int64_t ms) {
    if (ms == -1)
        out += '-';
    else
        append_seconds(out, ms);
}

void append_value(std::string& out, UpstreamVariable variable, const UpstreamTry& t) {
    switch (variable) {
        case UpstreamVariable::addr:
            out += t.peer;
            return;
        case UpstreamVariable::status:
            out += t.status != 0 ? std::to_string(t.status) : "-";
            return;
        case UpstreamVariable::response_time:
            return append_time(out, t.response_ms);
        case UpstreamVariable::connect_time:
            return append_time(out, t.connect_ms);
        case UpstreamVariable::header_time:
            return append_time(out, t.header_ms);
        case UpstreamVariable::length:
            out += std::to_string(t.response_length);
            return;
    }
}

}  // namespace

std::optional<UpstreamVariable> upstream_variable(std::string_view name) {
    if (name == "upstream_addr") return UpstreamVariable::addr;
    if (name == "upstream_status") return UpstreamVariable::status;
    if (name == "upstream_response_time") return UpstreamVariable::response_time;
    if (name == "upstream_connect_time") return UpstreamVariable::connect_time;
    if (name == "upstream_header_time") return UpstreamVariable::header_time;
    if (name == "upstream_response_length") return UpstreamVariable::length;
    return std::nullopt;
}

// An entry without a peer marks an internal redirect: " : " instead of ", ".
std::string format_upstream_variable(UpstreamVariable variable, const UpstreamTries& tries) {
    std::string out;
    bool separate = false;
    for (const UpstreamTry& t : tries) {
        if (t.peer.empty()) {
            if (separate) out += " : ";
            separate = false;
            continue;
        }
        if (separate) out += ", ";
        append_value(out, variable, t);
        separate = true;
    }
    return out;
}

}  // namespace strata::web
