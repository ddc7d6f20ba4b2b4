// The tries: choosing a peer, connecting, sending the request, and what a failed try
// leads to. Reading the response is in proxy_exchange_read.cpp.
#include "strata/web/proxy_exchange.h"

#include <sys/epoll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "strata/net/outbound.h"
#include "strata/net/socket_io.h"
#include "strata/net/temp_file.h"
#include "strata/web/front_handler.h"
#include "strata/web/request_error_log.h"

namespace strata::web {
namespace {

constexpr uint32_t kEvents = EPOLLIN | EPOLLOUT | EPOLLRDHUP | EPOLLET;

// nginx's "(111: Connection refused)".
std::string with_errno(std::string_view what, int error) {
    return std::string(what) + " (" + std::to_string(error) + ": " + strerrordesc_np(error) + ")";
}

}  // namespace

void ProxyExchange::start(RequestContext& ctx, UpstreamRuntime& runtime, ProxyRequest request) {
    auto* exchange = new ProxyExchange(ctx, runtime, std::move(request));  // retire() frees it
    exchange->begin();
}

ProxyExchange::ProxyExchange(RequestContext& ctx, UpstreamRuntime& runtime, ProxyRequest request)
    : out_(DeferredResponse::start(ctx, *ctx.settings().proxy.intercept_errors)),
      runtime_(runtime),
      request_(std::move(request)),
      parser_(request_.method, http::ResponseLimits{*ctx.settings().proxy.buffer_size}) {
    ctx_ = &out_.context();
    timer_.set_callback([this] { on_timeout(); });
    if (request_.own_group) {
        own_state_ = std::make_unique<UpstreamGroupState>(request_.group, loop());
        state_ = own_state_.get();
    } else {
        state_ = &runtime_.state_of(request_.group);
    }
}

ProxyExchange::~ProxyExchange() {
    close_connection();
    net::close_temp_file(body_file_);
}

RequestContext& ProxyExchange::ctx() {
    return *ctx_;
}

const ProxySettings& ProxyExchange::settings() {
    return ctx().settings().proxy;
}

// nginx's peer init: one selection for all tries, as many tries as peers at most.
void ProxyExchange::begin() {
    out_.set_observer(this);
    if (!ctx().upstream_tries.empty()) ctx().upstream_tries.emplace_back();  // " : "
    BalancerKey key;
    key.client_address = ip_hash_bytes(ctx().exchange.peer().storage);
    key.hash_key = request_.hash_key;
    selection_ = state_->balancer.start(key);
    tries_left_ = state_->balancer.max_tries();
    if (uint64_t limit = *settings().next_upstream_tries; limit > 0)
        tries_left_ = std::min(tries_left_, limit);
    if (request_.send_body && !request_.body_from_setting && ctx().exchange.body().empty() &&
        ctx().exchange.body_size() > 0)
        body_file_ = ctx().exchange.take_body_file();
    first_try_ms_ = loop().now_ms();
    next_try();
}

void ProxyExchange::next_try() {
    try_start_ms_ = loop().now_ms();
    ctx().upstream_tries.emplace_back();
    auto peer = state_->balancer.select(selection_, BalancerTime(try_start_ms_));
    if (!peer) {
        current_try().peer = state_->group->name;
        current_try().status = 502;
        current_try().response_ms = 0;
        has_peer_ = false;
        log_upstream(log::Level::error, "no live upstreams");
        return answer_error(502);
    }
    peer_ = *peer;
    has_peer_ = true;
    --tries_left_;
    current_try().peer = state_->group->peers[peer_].name;
    head_sent_ = 0;
    body_sent_ = 0;
    request_sent_ = false;
    upstream_eof_ = false;
    input_.clear();
    parser_.reset(request_.method);
    if (take_kept_connection()) return on_connected();
    open_connection();
}

// A kept connection to the chosen peer, if the group keeps any (nginx's keepalive
// module looks in its cache after the balancer chose).
bool ProxyExchange::take_kept_connection() {
    cached_ = false;
    if (!state_->idle) return false;
    auto kept = state_->idle->take(peer_);
    if (!kept) return false;
    fd_ = kept->fd;
    cached_ = true;
    connection_requests_ = kept->requests;
    connection_opened_ms_ = kept->opened_ms;
    loop().rebind(fd_, this);  // still registered: no system call
    return true;
}

void ProxyExchange::open_connection() {
    phase_ = Phase::connecting;
    const UpstreamPeer& peer = state_->group->peers[peer_];
    net::ConnectStart started = net::start_connect(peer.address);
    if (started.fd < 0)
        return fail(UpstreamFailure::error, started.error, "connect() to " + peer.name + " failed");
    fd_ = started.fd;
    connection_requests_ = 0;
    connection_opened_ms_ = loop().now_ms();
    loop().add(fd_, kEvents, this);
    if (!started.in_progress) return on_connected();
    arm(*settings().connect_timeout_ms);
}

void ProxyExchange::on_connected() {
    if (current_try().connect_ms < 0) current_try().connect_ms = loop().now_ms() - try_start_ms_;
    phase_ = Phase::sending;
    arm(*settings().send_timeout_ms);
    send_request();
}

void ProxyExchange::on_io(uint32_t events) {
    switch (phase_) {
        case Phase::connecting:
            if (int error = net::connect_error(fd_); error != 0)
                return fail(UpstreamFailure::error, error, "connect() failed");
            if (events & (EPOLLOUT | EPOLLIN)) on_connected();
            return;
        case Phase::sending:
            send_request();
            // An answer (or a close) may come before the whole request went, or with the
            // event that let it go: edge-triggered, it would raise no other event.
            if (phase_ != Phase::done && (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)))
                read_response();
            return;
        case Phase::reading_head:
        case Phase::reading_body:
            if (events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR)) read_response();
            return;
        case Phase::done:
            return;
    }
}

// The head, then the body; the send timeout runs between two writes, as in nginx.
void ProxyExchange::send_request() {
    while (head_sent_ < request_.head.size()) {
        iovec parts[2];
        int count = 0;
        parts[count++] = {request_.head.data() + head_sent_, request_.head.size() - head_sent_};
        std::string_view memory = request_.body_from_setting ? std::string_view(request_.set_body)
                                  : request_.send_body       ? ctx().exchange.body()
                                                             : std::string_view();
        if (!memory.empty()) parts[count++] = {const_cast<char*>(memory.data()), memory.size()};
        net::IoResult r = net::write_vector(fd_, parts, count);
        if (r.status == net::IoStatus::would_block) return arm(*settings().send_timeout_ms);
        if (r.status != net::IoStatus::ok)
            return fail(UpstreamFailure::error, r.error, "writev() failed");
        request_sent_ = true;
        size_t head_part = std::min(r.bytes, request_.head.size() - head_sent_);
        head_sent_ += head_part;
        body_sent_ += r.bytes - head_part;
    }
    if (!send_body_part()) return;
    phase_ = Phase::reading_head;
    arm(*settings().read_timeout_ms);  // the answer comes with an event of its own
}

// The rest of the body after the head: from memory or the spooled file. false: not
// all of it went (waiting for the socket, or failed).
bool ProxyExchange::send_body_part() {
    std::string_view memory = request_.body_from_setting ? std::string_view(request_.set_body)
                              : request_.send_body       ? ctx().exchange.body()
                                                         : std::string_view();
    uint64_t total = body_file_ >= 0 ? ctx().exchange.body_size() : memory.size();
    while (body_sent_ < total) {
        net::IoResult r;
        if (body_file_ >= 0) {
            off_t offset = static_cast<off_t>(body_sent_);
            r = net::send_file(fd_, body_file_, offset, total - body_sent_);
        } else {
            iovec part{const_cast<char*>(memory.data() + body_sent_), memory.size() - body_sent_};
            r = net::write_vector(fd_, &part, 1);
        }
        if (r.status == net::IoStatus::would_block) {
            arm(*settings().send_timeout_ms);
            return false;
        }
        if (r.status != net::IoStatus::ok) {
            fail(UpstreamFailure::error, r.error,
                 body_file_ >= 0 ? "sendfile() failed" : "writev() failed");
            return false;
        }
        body_sent_ += r.bytes;
    }
    return true;
}

// nginx's ngx_http_upstream_next: the try ends (counted against the peer), then the next
// peer is tried if the rules allow it, else the request ends with the failure's status.
void ProxyExchange::fail(UpstreamFailure failure, int error, std::string_view what) {
    if (retry_stale_connection(failure)) return;
    if (failure == UpstreamFailure::timeout)
        log_upstream(log::Level::error, with_errno("upstream timed out", ETIMEDOUT));
    else if (error != 0)
        log_upstream(log::Level::error, with_errno(what, error));
    else if (!what.empty())
        log_upstream(log::Level::error, what);
    int status = status_of_failure(failure);
    current_try().status = status;
    bool counts = failure != UpstreamFailure::http_403 && failure != UpstreamFailure::http_404;
    end_try(counts ? PeerOutcome::failure : PeerOutcome::success);
    close_connection();
    if (should_try_next(failure, try_state())) return next_try();
    answer_error(status);
}

// Where the request stands for proxy_next_upstream. Idempotency is the client's
// method's, as nginx judges it, whatever proxy_method sends.
TryState ProxyExchange::try_state() {
    return {*settings().next_upstream,
            tries_left_,
            request_sent_,
            ctx().method,
            loop().now_ms() - first_try_ms_,
            *settings().next_upstream_timeout_ms};
}

// A kept connection the upstream had closed meanwhile fails before any answer: it is
// replaced by a new one to the same peer once, without counting against the peer (nginx
// gives such a try back too), unless a request that must not be repeated was sent.
bool ProxyExchange::retry_stale_connection(UpstreamFailure failure) {
    if (!cached_ || stale_retried_ || failure != UpstreamFailure::error) return false;
    if (!input_.empty() || (request_sent_ && !is_idempotent(ctx().method))) return false;
    stale_retried_ = true;
    close_connection();
    head_sent_ = 0;
    body_sent_ = 0;
    request_sent_ = false;
    upstream_eof_ = false;
    parser_.reset(request_.method);
    open_connection();
    return true;
}

void ProxyExchange::end_try(PeerOutcome outcome) {
    current_try().response_ms = loop().now_ms() - try_start_ms_;
    if (!has_peer_) return;
    UpstreamBalancer& balancer = state_->balancer;
    const UpstreamPeer& peer = state_->group->peers[peer_];
    int64_t fails_before = balancer.state(peer_).fails;
    balancer.release(peer_, outcome, BalancerTime(loop().now_ms()));
    // nginx's warning when a failure takes a peer out for fail_timeout.
    if (outcome == PeerOutcome::failure && peer.max_fails > 0 && fails_before < peer.max_fails &&
        balancer.state(peer_).fails >= peer.max_fails)
        log_upstream(log::Level::warn, "upstream server temporarily disabled");
    has_peer_ = false;
}

void ProxyExchange::close_connection() {
    loop().disarm(timer_);
    if (fd_ < 0) return;
    loop().remove(fd_);
    net::close_fd(fd_);
    fd_ = -1;
}

// nginx's keepalive module keeps a connection whose response was read to its end and
// that may carry another request, within keepalive_requests and keepalive_time.
void ProxyExchange::keep_connection() {
    loop().disarm(timer_);
    const UpstreamKeepalive& limits = state_->group->keepalive;
    uint64_t now = loop().now_ms();
    bool reusable = state_->idle && fd_ >= 0 && parser_.head().keep_alive && input_.empty() &&
                    connection_requests_ + 1 < static_cast<uint64_t>(limits.requests) &&
                    now - connection_opened_ms_ < static_cast<uint64_t>(limits.time.count());
    if (!reusable) return close_connection();
    state_->idle->put({fd_, peer_, connection_requests_ + 1, connection_opened_ms_});
    fd_ = -1;
}

// The request ends with the server's own error (through error_page, as in nginx).
void ProxyExchange::answer_error(int status) {
    phase_ = Phase::done;
    close_connection();
    if (!client_gone_)
        out_.respond_error(status);
    else
        out_.close_without_response();
    retire();
}

std::string_view ProxyExchange::action() const {
    switch (phase_) {
        case Phase::connecting:
            return "connecting to upstream";
        case Phase::sending:
            return "sending request to upstream";
        case Phase::reading_head:
            return "reading response header from upstream";
        case Phase::reading_body:
        case Phase::done:
            return "reading upstream";
    }
    return {};
}

// nginx's context, with the upstream (its URL as tried) before the host.
void ProxyExchange::log_upstream(log::Level level, std::string_view message) {
    if (!request_log_takes(ctx(), level)) return;
    const UpstreamPeer* peer = has_peer_ ? &state_->group->peers[peer_] : nullptr;
    std::string name = peer ? peer->name : state_->group->name;
    bool unix_socket = peer && peer->address.storage.ss_family == AF_UNIX;
    std::string upstream = "http://" + name + (unix_socket ? ":" : "") + request_.uri;
    log_request(ctx(), level, std::string(message) + " while " + std::string(action()), upstream);
}

void ProxyExchange::arm(uint64_t timeout_ms) {
    loop().arm(timer_, timeout_ms);
}

void ProxyExchange::on_timeout() {
    if (phase_ == Phase::reading_body) return body_failed("upstream timed out", ETIMEDOUT);
    fail(UpstreamFailure::timeout, 0, {});
}

// Frees the exchange after the current event: callers up the stack may still be in it.
void ProxyExchange::retire() {
    if (retired_) return;
    retired_ = true;
    phase_ = Phase::done;
    close_connection();
    loop().defer([this] { delete this; });
}

}  // namespace strata::web
