// gateway::Body over what a WSGI app returned: its chunks one by one (a list or tuple is
// indexed, anything else iterated), a wsgi.file_wrapper around a regular file as one
// sendfile part, and close() passed on to the iterable as PEP 3333 requires.
#pragma once

#include <Python.h>

#include <string>

#include "strata/gateway/app.h"
#include "strata/python/py_ref.h"

namespace strata::python::detail {

// What a request leaves behind for its body: objects to detach or release at close().
struct RequestObjects {
    PyRef environ;
    PyRef input;           // wsgi.input, detached at close
    PyRef start_response;  // detached at close
    PyRef post_request;    // gunicorn's post_request hook, called with environ at close
};

// Takes the GIL itself in next() and close(), so it can be driven from any thread.
class ResponseBody final : public gateway::Body {
  public:
    // `iterable` is the app's return value; `target` is the request-target, for logs.
    ResponseBody(PyRef iterable, RequestObjects objects, std::string_view target);
    ~ResponseBody() override;
    ResponseBody(const ResponseBody&) = delete;
    ResponseBody& operator=(const ResponseBody&) = delete;

    gateway::BodyPart next() override;
    void close() override;
    // A list or tuple (or an iterator over one, as in `return iter([data])`) is all in
    // memory: the server may gather it and answer in one go. Reads only the object's
    // type, which needs no GIL.
    bool in_memory() const override;

  private:
    gateway::BodyPart first();
    gateway::BodyPart chunk(PyRef item);
    gateway::BodyPart iteration_error();

    PyRef iterable_;
    PyRef iterator_;        // when the iterable is not a list or tuple
    Py_ssize_t index_ = 0;  // when it is
    PyRef current_;         // the chunk whose bytes the last part points into
    RequestObjects objects_;
    std::string target_;
    bool started_ = false;
    bool finished_ = false;
    bool closed_ = false;
};

// Ends a request's objects' use of it (wsgi.input, start_response) and runs the
// post_request hook. With the GIL. For bodies and for calls that failed before one.
void finish_request(RequestObjects& objects);

}  // namespace strata::python::detail
