#include "strata/web/http_config.h"

#include "strata/base/version.h"
#include "strata/web/detail/setting_fields.h"
#include "strata/web/response_filters.h"

namespace strata::web {
namespace {

using detail::default_to;
using detail::inherit;

// The types nginx knows without a `types` block.
std::shared_ptr<const MimeTypes> builtin_types() {
    static const auto types = std::make_shared<const MimeTypes>(
        MimeTypes{{"html", "text/html"}, {"gif", "image/gif"}, {"jpg", "image/jpeg"}});
    return types;
}

}  // namespace

void compile_derived(LocationSettings& s) {
    s.gzip_compiled = std::make_shared<const GzipOptions>(build_gzip_options(s));
    s.request_options = std::make_shared<const net::RequestOptions>(request_options_of(s));
}

net::RequestOptions request_options_of(const LocationSettings& s) {
    net::RequestOptions o;
    o.body_limit = *s.client_max_body_size == 0 ? http::kUnlimitedBody : *s.client_max_body_size;
    o.client_body_timeout_ms = *s.client_body_timeout_ms;
    o.keepalive_timeout_ms = *s.keepalive_timeout_ms;
    if (*s.keepalive_header_s > 0)
        o.keepalive_header = "timeout=" + std::to_string(*s.keepalive_header_s);
    o.keepalive_requests = *s.keepalive_requests;
    o.send_timeout_ms = *s.send_timeout_ms;
    o.body_memory_limit = *s.client_body_buffer_size;
    o.body_temp_dir = *s.client_body_temp_path;
    o.server_token = *s.server_tokens ? kServerToken : kProductName;
    return o;
}

void merge(LocationSettings& c, const LocationSettings& p) {
    inherit(c.root, p.root);
    inherit(c.index, p.index);
    inherit(c.default_type, p.default_type);
    if (!c.types) c.types = p.types;
    inherit(c.sendfile, p.sendfile);
    inherit(c.tcp_nopush, p.tcp_nopush);
    inherit(c.tcp_nodelay, p.tcp_nodelay);
    inherit(c.server_tokens, p.server_tokens);
    inherit(c.etag, p.etag);
    inherit(c.autoindex, p.autoindex);
    inherit(c.autoindex_exact_size, p.autoindex_exact_size);
    inherit(c.autoindex_localtime, p.autoindex_localtime);
    inherit(c.autoindex_format, p.autoindex_format);
    inherit(c.absolute_redirect, p.absolute_redirect);
    inherit(c.server_name_in_redirect, p.server_name_in_redirect);
    inherit(c.port_in_redirect, p.port_in_redirect);
    inherit(c.log_not_found, p.log_not_found);
    inherit(c.if_modified_since, p.if_modified_since);
    inherit(c.client_max_body_size, p.client_max_body_size);
    inherit(c.keepalive_timeout_ms, p.keepalive_timeout_ms);
    inherit(c.keepalive_header_s, p.keepalive_header_s);
    inherit(c.client_header_timeout_ms, p.client_header_timeout_ms);
    inherit(c.large_header_buffer_size, p.large_header_buffer_size);
    inherit(c.http2, p.http2);
    inherit(c.http2_max_concurrent_streams, p.http2_max_concurrent_streams);
    inherit(c.http2_chunk_size, p.http2_chunk_size);
    inherit(c.http2_body_preread_size, p.http2_body_preread_size);
    inherit(c.keepalive_requests, p.keepalive_requests);
    inherit(c.send_timeout_ms, p.send_timeout_ms);
    inherit(c.client_body_timeout_ms, p.client_body_timeout_ms);
    inherit(c.client_body_buffer_size, p.client_body_buffer_size);
    inherit(c.client_body_temp_path, p.client_body_temp_path);
    inherit(c.error_pages, p.error_pages);  // as a whole: nginx does not combine levels
    inherit(c.add_headers, p.add_headers);  // likewise
    inherit(c.expires, p.expires);
    inherit(c.disable_symlinks, p.disable_symlinks);
    inherit(c.gzip, p.gzip);
    inherit(c.gzip_vary, p.gzip_vary);
    inherit(c.gzip_types, p.gzip_types);
    inherit(c.gzip_disable, p.gzip_disable);
    inherit(c.gzip_min_length, p.gzip_min_length);
    inherit(c.gzip_comp_level, p.gzip_comp_level);
    inherit(c.access_logs, p.access_logs);
    merge(c.proxy, p.proxy);
    merge(c.tls, p.tls);
    if (!c.error_logs) {  // the parent's set, whole (nginx does not combine levels)
        c.error_logs = p.error_logs;
        c.error_log = p.error_log;
    }
}

void resolve_error_logs(LocationSettings& s, ErrorLogFiles& files) {
    if (s.error_logs && !s.error_log) s.error_log = files.resolve(*s.error_logs);
}

// nginx's defaults for the settings above.
void apply_defaults(LocationSettings& s) {
    default_to(s.root, "html");
    default_to(s.index, std::vector<std::string>{"index.html"});
    default_to(s.default_type, "text/plain");
    if (!s.types) s.types = builtin_types();
    default_to(s.sendfile, false);
    default_to(s.tcp_nopush, false);
    default_to(s.tcp_nodelay, true);
    default_to(s.server_tokens, true);
    default_to(s.etag, true);
    default_to(s.autoindex, false);
    default_to(s.autoindex_exact_size, true);
    default_to(s.autoindex_localtime, false);
    default_to(s.autoindex_format, AutoindexFormat::html);
    default_to(s.absolute_redirect, true);
    default_to(s.server_name_in_redirect, false);
    default_to(s.port_in_redirect, true);
    default_to(s.log_not_found, true);
    default_to(s.if_modified_since, IfModifiedSince::exact);
    default_to(s.client_max_body_size, 1024 * 1024);
    default_to(s.keepalive_timeout_ms, 75'000);
    default_to(s.keepalive_header_s, 0);
    default_to(s.client_header_timeout_ms, 60'000);
    default_to(s.large_header_buffer_size, http::kNginxMaxFieldLine);
    default_to(s.http2, false);
    default_to(s.http2_max_concurrent_streams, 128);
    default_to(s.http2_chunk_size, 8 * 1024);
    default_to(s.http2_body_preread_size, 64 * 1024);
    default_to(s.keepalive_requests, 1000);
    default_to(s.send_timeout_ms, 60'000);
    default_to(s.client_body_timeout_ms, 60'000);
    // nginx's two memory pages on x86-64. The directory is not nginx's compiled-in
    // client_body_temp (strata does not create directories): the system's.
    default_to(s.client_body_buffer_size, 16 * 1024);
    default_to(s.client_body_temp_path, "/tmp");
    default_to(s.error_pages, std::map<int, ErrorPage>{});
    default_to(s.add_headers, std::vector<AddedHeader>{});
    default_to(s.expires, "off");
    default_to(s.disable_symlinks, DisableSymlinks{});
    default_to(s.gzip, false);
    default_to(s.gzip_vary, false);
    default_to(s.gzip_types, std::vector<std::string>{"text/html"});
    default_to(s.gzip_disable, std::vector<std::string>{});
    default_to(s.gzip_min_length, 20);
    default_to(s.gzip_comp_level, 1);
    apply_proxy_defaults(s.proxy);
    default_to(s.access_logs,
               std::vector<std::pair<std::string, std::string>>{{"logs/access.log", "combined"}});
}

}  // namespace strata::web
