// How a WSGI app is served: what its environ says about the server, and gunicorn's
// request hooks. No Python.h here: the command line fills this in.
#pragma once

#include <string>

struct _object;  // CPython's PyObject

namespace strata::python {

struct WsgiOptions {
    unsigned threads = 1;     // app threads per worker (gunicorn --threads): wsgi.multithread
    unsigned workers = 1;     // worker processes (gunicorn --workers): wsgi.multiprocess
    std::string script_name;  // SCRIPT_NAME for requests that bring none (gunicorn: $SCRIPT_NAME)
    // gunicorn's pre_request / post_request hooks, when set: callables taking the environ
    // (the config layer adapts gunicorn's (worker, req, ...) signature), run on the app
    // thread under the GIL before the app is called and after its body is closed. The
    // app keeps its own references.
    _object* pre_request = nullptr;
    _object* post_request = nullptr;
};

}  // namespace strata::python
