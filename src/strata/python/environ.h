// The WSGI environ for a request (PEP 3333, with gunicorn 20.1's keys and rules). Built
// per request on the hot path: a template dict (the constant keys, plus placeholders for
// the per-request ones so the copy never has to grow for them) is copied with
// PyDict_Copy; every key is an interned str made once; header keys and values that tend
// to repeat (ports, addresses, methods) are cached. About 0.9 µs for a request with five
// headers (Release build).
#pragma once

#include <Python.h>

#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/gateway/request.h"
#include "strata/python/detail/header_keys.h"
#include "strata/python/detail/recent_str.h"
#include "strata/python/py_ref.h"

namespace strata::python {

struct EnvironOptions {
    unsigned threads = 1;     // wsgi.multithread is threads > 1
    unsigned workers = 1;     // wsgi.multiprocess is workers > 1
    std::string script_name;  // SCRIPT_NAME when the request names none (gunicorn: $SCRIPT_NAME)
};

// Needs the GIL for every call, including the destructor.
class EnvironBuilder {
  public:
    // Fails (with the Python error's text) only when Python is out of memory or the
    // bridge's types cannot be readied.
    static Result<std::unique_ptr<EnvironBuilder>, std::string> create(
        const EnvironOptions& options);

    // A new environ for `request`, with `input` as wsgi.input; nullptr with a Python error
    // set on failure.
    //
    // Per request: REQUEST_METHOD, QUERY_STRING (raw), RAW_URI (the target as sent),
    // PATH_INFO (percent-decoded bytes as latin-1, SCRIPT_NAME cut off its front when it
    // is a whole leading segment), SERVER_PROTOCOL, CONTENT_TYPE and CONTENT_LENGTH (none
    // for a chunked body; no HTTP_ twins), HTTP_* (repeats joined with ","), REMOTE_ADDR,
    // REMOTE_PORT (not on a unix socket), SERVER_NAME, SERVER_PORT, wsgi.url_scheme,
    // SCRIPT_NAME, wsgi.input.
    // From the template: wsgi.version, wsgi.multithread, wsgi.multiprocess,
    // wsgi.run_once, wsgi.errors, wsgi.file_wrapper, wsgi.input_terminated,
    // SERVER_SOFTWARE.
    PyRef build(const gateway::Request& request, PyObject* input);

  private:
    EnvironBuilder() = default;
    bool put_path_info(PyObject* environ, const gateway::Request& request);
    bool put_headers(PyObject* environ, const gateway::Request& request);
    bool put_peer(PyObject* environ, const gateway::Request& request);

    std::string script_name_;
    PyRef template_;
    detail::HeaderKeys header_keys_;
    detail::RecentStr method_, protocol_, remote_addr_, server_name_, server_port_,
        script_name_str_;
    std::string scratch_;  // PATH_INFO's decoded bytes; the GIL serialises its users
};

}  // namespace strata::python
