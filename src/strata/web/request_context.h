// What one request carries through the front server's phases: the server and
// location chosen, the URI as rewritten so far, and the captures of the last regex.
#pragma once

#include <forward_list>
#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "strata/net/http_exchange.h"
#include "strata/web/file_cache.h"
#include "strata/web/http_config.h"
#include "strata/web/mounted_apps.h"
#include "strata/web/upstream_state.h"

namespace strata::web {

class UpstreamRuntime;

// nginx stops after this many internal redirects (try_files, error_page, rewrite).
inline constexpr int kMaxInternalRedirects = 10;

struct RequestContext {
    RequestContext(net::Exchange& e, const MainConfig& m, FileCache& f)
        : exchange(e), main(m), files(f), method(e.request().method) {}

    net::Exchange& exchange;
    const MainConfig& main;
    FileCache& files;  // the worker's
    const ServerConfig* server = nullptr;
    const LocationConfig* location = nullptr;
    const MountedApps* apps = nullptr;     // the worker's app handlers; null: none started
    UpstreamRuntime* upstreams = nullptr;  // the worker's proxy state; null: no proxying
    std::string uri;                       // decoded, normalised; changes with internal redirects
    std::string args;                      // the query string, without "?"
    std::string host;          // normalised Host, or the server's first name when absent ($host)
    std::string request_host;  // normalised Host as sent; empty when absent
    std::vector<std::string> captures;  // of the last regex matched, $0..$9
    // Variables made by `set`, by lower-case name.
    std::map<std::string, std::string, std::less<>> user_variables;
    int internal_redirects = 0;
    // How the URI came to be, which decides what proxy_pass sends (nginx's
    // valid_unparsed_uri, r->internal and !valid_location).
    bool uri_unchanged = true;           // no rewrite, redirect or `set $args` touched it
    bool internal = false;               // a rewrite or an internal redirect happened
    bool rewritten_here = false;         // `rewrite … break` changed it in this location
    std::string proxy_host, proxy_port;  // $proxy_host, $proxy_port while proxying
    UpstreamTries upstream_tries;        // $upstream_addr, $upstream_status…
    int error_status = 0;  // set while serving an error_page: the status to answer with
    bool is_head = false;
    // The target was refused with the request line (nginx has then read no more of the
    // head: $request_length counts only the line).
    bool target_refused = false;
    // Refused for a declared body over a later location's limit: nginx reads none of
    // it, so $request_length leaves it out.
    bool body_refused = false;
    // The method the content handlers see: an error_page redirect turns all but HEAD into
    // GET, as nginx does, so a POST's error page is served rather than refused.
    std::string_view method;
    // nginx ends the connection after some errors (400, 413, 414, 500, 501) even when an
    // error_page answers them: every response of this request then says close.
    bool close_connection = false;
    // Owns the text of headers built for the response (ResponseHead holds views). A
    // list, not a deque: most requests keep nothing, and an empty list allocates nothing.
    std::forward_list<std::string> strings;

    std::string_view keep(std::string s) { return strings.emplace_front(std::move(s)); }

    const LocationSettings& settings() const {
        return location ? location->settings : server->settings;
    }
};

}  // namespace strata::web
