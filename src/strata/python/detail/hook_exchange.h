// What gunicorn's pre_request and post_request hooks see of a request: its `req` (the
// request as it arrived) and its `resp` (the status and headers the app gave, the body
// bytes it produced). The WSGI bridge hands the hooks only the environ, so an App wrapper
// records the exchange and makes it the calling thread's current one while the app runs
// and while its body closes: the moments the bridge calls the two hooks.
#pragma once

#include <Python.h>

#include <memory>

#include "strata/gateway/app.h"

namespace strata::python::detail {

// `app`, with every call's exchange recorded for the request hooks.
std::shared_ptr<gateway::App> observe_exchanges(std::shared_ptr<gateway::App> app);

// The current exchange's request as a tuple (method, uri, path, query, protocol, headers,
// peer, scheme): headers a list of (name, value), peer (host, port) or "" on a unix
// socket; None when the thread is serving no request (or the app call has returned). New
// reference; nullptr with a Python error on failure. With the GIL.
PyObject* current_request_fields();

// The current exchange's response as a tuple (status, headers, sent, headers_sent):
// status the str given to start_response or None, headers a list of (name, value), sent
// the body bytes produced so far. None when the thread is serving no request.
PyObject* current_response_fields();

}  // namespace strata::python::detail
