// The front server's request handling, nginx's phases in order: choose the server by
// listen socket and Host, run the server's rewrite script, find the location, run its
// rewrite script (`rewrite … last` comes back to location matching), then the content
// phase (try_files, index, static files) with `error_page` turning errors into
// internal redirects, which start again at the server's script.
#pragma once

#include <memory>
#include <vector>

#include "strata/net/http_exchange.h"
#include "strata/web/access_log.h"
#include "strata/web/file_cache.h"
#include "strata/web/http_config.h"
#include "strata/web/request_context.h"
#include "strata/web/virtual_hosts.h"

namespace strata::web {

class FrontHandler final : public net::HttpHandler {
  public:
    // `access_log`, when given, receives a line per response; `apps`, the handlers of
    // the apps the configuration mounts. Both outlive the handler.
    // `upstreams`, the worker's proxy state, also outlives it (null: no proxying).
    explicit FrontHandler(std::shared_ptr<const MainConfig> config, AccessLog* access_log = nullptr,
                          const MountedApps* apps = nullptr, UpstreamRuntime* upstreams = nullptr);
    void handle(net::Exchange& exchange) override;
    // The options of the location a request with a body will reach (nginx's
    // client_max_body_size and client_body_timeout are the location's).
    const net::RequestOptions* body_options(const http::RequestHead& head,
                                            const net::ListenerInfo& listener) override;
    // A request the connection refused: logged where nginx logs it (the server chosen by
    // Host if it came, else the address's default; the location once the head was
    // complete) and answered with that server's error page.
    void reject(net::Exchange& exchange, const net::Rejection& rejection) override;

    const std::vector<ListenGroup>& listen_groups() const { return groups_; }

  private:
    const ListenGroup& group_of(const net::ListenerInfo& listener) const;

    std::shared_ptr<const MainConfig> config_;
    std::vector<ListenGroup> groups_;
    AccessLog* access_log_ = nullptr;
    const MountedApps* apps_ = nullptr;
    UpstreamRuntime* upstreams_ = nullptr;
    FileCache files_;  // stat() and small-file reads shared within a clock tick
};

// Phases, shared by the handler and the content phase (internal redirects re-enter).
void run_location_phase(RequestContext& ctx);
void internal_redirect(RequestContext& ctx, std::string_view uri_with_args);
void run_named_location(RequestContext& ctx, std::string_view name);
void finish_with_error(RequestContext& ctx, int status);
// error_page: an error becomes an internal redirect to its page, else nginx's built-in
// page; nothing is written to the error log (finish_with_error() also says why).
void answer_with_error_page(RequestContext& ctx, int status);
// A relative Location made absolute as nginx's header filter does (absolute_redirect,
// server_name_in_redirect, port_in_redirect); others as they are.
std::string absolute_location(const RequestContext& ctx, std::string_view location);
// A redirect with nginx's page; a relative `location` is made absolute as nginx does.
void respond_redirect(RequestContext& ctx, int status, std::string_view location);
void respond_with(RequestContext& ctx, net::ResponseHead& head, std::string_view body);
void add_configured_headers(const RequestContext& ctx, net::ResponseHead& head);
// The product token error pages show: "strata/0.1.0", or "strata" with server_tokens off.
std::string_view server_token(const LocationSettings& settings);

}  // namespace strata::web
