// A PEP 3333 application as a gateway::App: builds the environ, calls the app with a
// start_response, and hands its return value to the server as a gateway::Body.
//
// Threads: each app thread attaches once (PyGILState_Ensure, its thread state kept for
// its life) and from then on holds the GIL except between before_wait() and
// after_wait(). call(), Body::next() and Body::close() also take the GIL themselves, so
// they work from a thread that did not attach (tests, the master with --preload).
#pragma once

#include <memory>
#include <string>

#include "strata/base/result.h"
#include "strata/gateway/app.h"
#include "strata/python/environ.h"
#include "strata/python/py_ref.h"
#include "strata/python/wsgi_options.h"

namespace strata::python {

class WsgiApp final : public gateway::App {
  public:
    // `app` is the WSGI callable. Takes the GIL.
    static Result<std::unique_ptr<WsgiApp>, std::string> create(PyRef app,
                                                                const WsgiOptions& options);
    ~WsgiApp() override;
    WsgiApp(const WsgiApp&) = delete;
    WsgiApp& operator=(const WsgiApp&) = delete;

    // app(environ, start_response). An exception before it returns is logged with its
    // traceback ("Error handling request <target>"); then nullptr, `error` saying which.
    std::unique_ptr<gateway::Body> call(const gateway::Request& request,
                                        gateway::StartResponse& start, std::string& error) override;

    void attach_thread() override;  // PyGILState_Ensure
    void detach_thread() override;  // PyGILState_Release
    void before_wait() override;    // PyEval_SaveThread
    void after_wait() override;     // PyEval_RestoreThread

  private:
    WsgiApp() = default;
    bool run_pre_request(PyObject* environ, std::string_view target);

    PyRef app_;
    PyRef pre_request_;
    PyRef post_request_;
    std::unique_ptr<EnvironBuilder> environ_;
};

}  // namespace strata::python
