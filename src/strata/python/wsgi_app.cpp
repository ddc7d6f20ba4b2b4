#include "strata/python/wsgi_app.h"

#include <fmt/core.h>

#include "strata/base/log.h"
#include "strata/python/detail/input_stream.h"
#include "strata/python/detail/response_body.h"
#include "strata/python/detail/start_response.h"
#include "strata/python/gil.h"
#include "strata/python/python_error.h"

namespace strata::python {
namespace {

// The app thread's GIL bookkeeping between attach_thread() and detach_thread().
thread_local PyGILState_STATE t_attached = PyGILState_UNLOCKED;
thread_local PyThreadState* t_waiting = nullptr;

bool ready_request_types() {
    return detail::ready_input_stream_type() && detail::ready_start_response_types();
}

}  // namespace

Result<std::unique_ptr<WsgiApp>, std::string> WsgiApp::create(PyRef app,
                                                              const WsgiOptions& options) {
    GilGuard gil;
    std::unique_ptr<WsgiApp> wsgi(new WsgiApp());
    wsgi->app_ = std::move(app);
    wsgi->pre_request_ = PyRef::borrow(options.pre_request);
    wsgi->post_request_ = PyRef::borrow(options.post_request);
    if (!ready_request_types())
        return Err{"cannot set up the WSGI bridge's types: " + take_exception_text()};
    auto environ = EnvironBuilder::create({.threads = options.threads,
                                           .workers = options.workers,
                                           .script_name = options.script_name});
    if (!environ) return Err{environ.error()};
    wsgi->environ_ = std::move(environ).value();
    return wsgi;
}

WsgiApp::~WsgiApp() {
    GilGuard gil;
    environ_.reset();
    app_.reset();
    pre_request_.reset();
    post_request_.reset();
}

std::unique_ptr<gateway::Body> WsgiApp::call(const gateway::Request& request,
                                             gateway::StartResponse& start, std::string& error) {
    GilGuard gil;
    detail::RequestObjects objects;
    objects.input.reset(detail::new_input_stream(&request.body));
    if (objects.input) objects.start_response.reset(detail::new_start_response(&start));
    if (objects.start_response) objects.environ = environ_->build(request, objects.input.get());
    if (!objects.environ) {
        error = "cannot build the WSGI environ: " + take_exception_text();
        log::error("{}", error);
        detail::finish_request(objects);
        return nullptr;
    }
    objects.post_request = PyRef::borrow(post_request_.get());
    if (!run_pre_request(objects.environ.get(), request.target)) {
        error = "the pre_request hook failed";
        detail::finish_request(objects);
        return nullptr;
    }
    PyObject* args[] = {objects.environ.get(), objects.start_response.get()};
    PyRef result(PyObject_Vectorcall(app_.get(), args, 2, nullptr));
    if (!result) {
        std::string text = take_exception_text();
        log::error("Error handling request {}\n{}", request.target, text);
        error = fmt::format("the WSGI app raised {}", exception_summary(text));
        detail::finish_request(objects);
        return nullptr;
    }
    return std::make_unique<detail::ResponseBody>(std::move(result), std::move(objects),
                                                  request.target);
}

bool WsgiApp::run_pre_request(PyObject* environ, std::string_view target) {
    if (!pre_request_) return true;
    PyRef result(PyObject_CallOneArg(pre_request_.get(), environ));
    if (result) return true;
    log::error("Error in pre_request hook for request {}\n{}", target, take_exception_text());
    return false;
}

void WsgiApp::attach_thread() {
    t_attached = PyGILState_Ensure();
}

void WsgiApp::detach_thread() {
    PyGILState_Release(t_attached);
}

void WsgiApp::before_wait() {
    t_waiting = PyEval_SaveThread();
}

void WsgiApp::after_wait() {
    PyEval_RestoreThread(t_waiting);
    t_waiting = nullptr;
}

}  // namespace strata::python
