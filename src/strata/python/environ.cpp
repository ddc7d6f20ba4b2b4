#include "strata/python/environ.h"

#include <charconv>

#include "strata/base/version.h"
#include "strata/http/request_head.h"
#include "strata/python/detail/error_stream.h"
#include "strata/python/detail/file_wrapper.h"
#include "strata/python/detail/latin1.h"
#include "strata/python/detail/percent_decode.h"
#include "strata/python/python_error.h"

namespace strata::python {
namespace {

using detail::latin1_str;

// Every key the builder sets, interned once per process (they live as long as it).
struct Keys {
    PyObject* request_method;
    PyObject* query_string;
    PyObject* raw_uri;
    PyObject* path_info;
    PyObject* script_name;
    PyObject* server_protocol;
    PyObject* content_type;
    PyObject* content_length;
    PyObject* remote_addr;
    PyObject* remote_port;
    PyObject* server_name;
    PyObject* server_port;
    PyObject* server_software;
    PyObject* wsgi_input;
    PyObject* wsgi_errors;
    PyObject* wsgi_version;
    PyObject* wsgi_url_scheme;
    PyObject* wsgi_multithread;
    PyObject* wsgi_multiprocess;
    PyObject* wsgi_run_once;
    PyObject* wsgi_file_wrapper;
    PyObject* wsgi_input_terminated;
    PyObject* https_on;  // HTTPS, for requests that came over TLS (behind the front server)
    PyObject* http;      // values, not keys: the two url schemes, and HTTPS's
    PyObject* https;
    PyObject* on;
};

Keys g_keys{};
bool g_keys_made = false;

bool make_keys() {
    if (g_keys_made) return true;
    struct Entry {
        PyObject** slot;
        const char* text;
    };
    const Entry entries[] = {
        {&g_keys.request_method, "REQUEST_METHOD"},
        {&g_keys.query_string, "QUERY_STRING"},
        {&g_keys.raw_uri, "RAW_URI"},
        {&g_keys.path_info, "PATH_INFO"},
        {&g_keys.script_name, "SCRIPT_NAME"},
        {&g_keys.server_protocol, "SERVER_PROTOCOL"},
        {&g_keys.content_type, "CONTENT_TYPE"},
        {&g_keys.content_length, "CONTENT_LENGTH"},
        {&g_keys.remote_addr, "REMOTE_ADDR"},
        {&g_keys.remote_port, "REMOTE_PORT"},
        {&g_keys.server_name, "SERVER_NAME"},
        {&g_keys.server_port, "SERVER_PORT"},
        {&g_keys.server_software, "SERVER_SOFTWARE"},
        {&g_keys.wsgi_input, "wsgi.input"},
        {&g_keys.wsgi_errors, "wsgi.errors"},
        {&g_keys.wsgi_version, "wsgi.version"},
        {&g_keys.wsgi_url_scheme, "wsgi.url_scheme"},
        {&g_keys.wsgi_multithread, "wsgi.multithread"},
        {&g_keys.wsgi_multiprocess, "wsgi.multiprocess"},
        {&g_keys.wsgi_run_once, "wsgi.run_once"},
        {&g_keys.wsgi_file_wrapper, "wsgi.file_wrapper"},
        {&g_keys.wsgi_input_terminated, "wsgi.input_terminated"},
        {&g_keys.https_on, "HTTPS"},
        {&g_keys.http, "http"},
        {&g_keys.https, "https"},
        {&g_keys.on, "on"},
    };
    for (const Entry& entry : entries) {
        *entry.slot = PyUnicode_InternFromString(entry.text);
        if (*entry.slot == nullptr) return false;
    }
    g_keys_made = true;
    return true;
}

// environ[key] = value, taking over `value`; false (Python error set) on failure.
bool put(PyObject* environ, PyObject* key, PyRef value) {
    return value && PyDict_SetItem(environ, key, value.get()) == 0;
}

bool put_borrowed(PyObject* environ, PyObject* key, PyObject* value) {
    return PyDict_SetItem(environ, key, value) == 0;
}

PyRef make_template(const EnvironOptions& options) {
    PyRef environ(PyDict_New());
    PyRef version(Py_BuildValue("(ii)", 1, 0));
    if (!environ || !version) return PyRef();
    PyObject* dict = environ.get();
    bool ok =
        put(dict, g_keys.wsgi_version, std::move(version)) &&
        put_borrowed(dict, g_keys.wsgi_url_scheme, g_keys.http) &&
        put_borrowed(dict, g_keys.wsgi_multithread, options.threads > 1 ? Py_True : Py_False) &&
        put_borrowed(dict, g_keys.wsgi_multiprocess, options.workers > 1 ? Py_True : Py_False) &&
        put_borrowed(dict, g_keys.wsgi_run_once, Py_False) &&
        put_borrowed(dict, g_keys.wsgi_errors, detail::error_stream()) &&
        put_borrowed(dict, g_keys.wsgi_file_wrapper, detail::file_wrapper_type()) &&
        put_borrowed(dict, g_keys.wsgi_input_terminated, Py_True) &&
        put(dict, g_keys.server_software, PyRef(latin1_str(kServerToken))) &&
        put(dict, g_keys.script_name, PyRef(latin1_str(options.script_name)));
    // Every request sets these; having them here already sizes the copies' tables for
    // them, so build() replaces values instead of growing the dict (twice) per request.
    for (PyObject* key :
         {g_keys.request_method, g_keys.query_string, g_keys.raw_uri, g_keys.path_info,
          g_keys.server_protocol, g_keys.remote_addr, g_keys.remote_port, g_keys.server_name,
          g_keys.server_port, g_keys.wsgi_input})
        ok = ok && put_borrowed(dict, key, Py_None);
    return ok ? std::move(environ) : PyRef();
}

bool is_named(std::string_view name, std::string_view lower) {
    return name.size() == lower.size() && http::iequals(name, lower);
}

// environ[key] = old + "," + value when a header repeats (gunicorn's join), else value.
bool put_header(PyObject* environ, PyObject* key, std::string_view value) {
    PyObject* previous = PyDict_GetItemWithError(environ, key);  // borrowed
    if (previous == nullptr) {
        if (PyErr_Occurred()) return false;
        return put(environ, key, PyRef(latin1_str(value)));
    }
    std::optional<std::string_view> before = detail::latin1_view(previous);
    std::string joined(before.value_or(std::string_view()));
    joined.push_back(',');
    joined.append(value);
    return put(environ, key, PyRef(latin1_str(joined)));
}

}  // namespace

Result<std::unique_ptr<EnvironBuilder>, std::string> EnvironBuilder::create(
    const EnvironOptions& options) {
    std::unique_ptr<EnvironBuilder> builder(new EnvironBuilder());
    builder->script_name_ = options.script_name;
    if (make_keys() && detail::ready_error_stream() && detail::ready_file_wrapper_type())
        builder->template_ = make_template(options);
    if (!builder->template_)
        return Err{"cannot build the WSGI environ template: " + take_exception_text()};
    return builder;
}

PyRef EnvironBuilder::build(const gateway::Request& request, PyObject* input) {
    PyRef environ(PyDict_Copy(template_.get()));
    if (!environ) return environ;
    PyObject* dict = environ.get();
    bool ok = put(dict, g_keys.request_method, method_.get(request.method)) &&
              put(dict, g_keys.query_string, PyRef(latin1_str(request.query))) &&
              put(dict, g_keys.raw_uri, PyRef(latin1_str(request.target))) &&
              put(dict, g_keys.server_protocol, protocol_.get(request.protocol)) &&
              put_path_info(dict, request) && put_headers(dict, request) &&
              put_peer(dict, request) && put_borrowed(dict, g_keys.wsgi_input, input);
    if (ok && request.url_scheme != "http")
        ok = put(dict, g_keys.wsgi_url_scheme,
                 request.url_scheme == "https" ? PyRef::borrow(g_keys.https)
                                               : PyRef(latin1_str(request.url_scheme)));
    if (ok && request.https_on) ok = put_borrowed(dict, g_keys.https_on, g_keys.on);
    return ok ? std::move(environ) : PyRef();
}

bool EnvironBuilder::put_path_info(PyObject* environ, const gateway::Request& request) {
    std::string_view script =
        request.script_name.empty() ? std::string_view(script_name_) : request.script_name;
    if (script != script_name_ && !put(environ, g_keys.script_name, script_name_str_.get(script)))
        return false;
    std::string_view path = request.path;
    // gunicorn cuts SCRIPT_NAME off the still-encoded path. Only a whole segment, though:
    // "/appendix" is not under "/app" (cut, its PATH_INFO would be "endix", which is no
    // path at all); it is left whole, like any other path outside the mount point.
    if (!script.empty() && path.starts_with(script) &&
        (path.size() == script.size() || path[script.size()] == '/'))
        path.remove_prefix(script.size());
    if (path.find('%') == std::string_view::npos)
        return put(environ, g_keys.path_info, PyRef(latin1_str(path)));
    scratch_.clear();
    detail::percent_decode(path, scratch_);
    return put(environ, g_keys.path_info, PyRef(latin1_str(scratch_)));
}

bool EnvironBuilder::put_headers(PyObject* environ, const gateway::Request& request) {
    for (const http::Header& header : request.headers) {
        if (is_named(header.name, "content-type")) {
            if (!put(environ, g_keys.content_type, PyRef(latin1_str(header.value)))) return false;
        } else if (is_named(header.name, "content-length")) {
            // A chunked body's length is unknown up front; wsgi.input ends at its end.
            if (request.body_chunked) continue;
            if (!put(environ, g_keys.content_length, PyRef(latin1_str(header.value)))) return false;
        } else {
            PyRef key = header_keys_.key_for(header.name);
            if (!key || !put_header(environ, key.get(), header.value)) return false;
        }
    }
    return true;
}

bool EnvironBuilder::put_peer(PyObject* environ, const gateway::Request& request) {
    if (!put(environ, g_keys.remote_addr, remote_addr_.get(request.remote_addr)) ||
        !put(environ, g_keys.server_name, server_name_.get(request.server_name)) ||
        !put(environ, g_keys.server_port, server_port_.get(request.server_port)))
        return false;
    if (request.unix_socket) return PyDict_DelItem(environ, g_keys.remote_port) == 0;
    char digits[8];
    auto [end, ec] = std::to_chars(digits, digits + sizeof digits, request.remote_port);
    return put(environ, g_keys.remote_port,
               PyRef(latin1_str(std::string_view(digits, static_cast<size_t>(end - digits)))));
}

}  // namespace strata::python
