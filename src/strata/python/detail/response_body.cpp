#include "strata/python/detail/response_body.h"

#include <fmt/core.h>

#include <optional>

#include "strata/base/log.h"
#include "strata/python/detail/file_wrapper.h"
#include "strata/python/detail/input_stream.h"
#include "strata/python/detail/sendfile_part.h"
#include "strata/python/detail/start_response.h"
#include "strata/python/gil.h"
#include "strata/python/python_error.h"

namespace strata::python::detail {
namespace {

bool is_indexable(PyObject* iterable) {
    return PyList_CheckExact(iterable) || PyTuple_CheckExact(iterable);
}

// What iter() accepts: __iter__, or the old sequence protocol (__getitem__).
bool is_iterable(PyObject* object) {
    return Py_TYPE(object)->tp_iter != nullptr || PySequence_Check(object);
}

std::string not_bytes_message(PyObject* item) {
    if (PyUnicode_Check(item))
        return "the WSGI app's response contains a str chunk, but response chunks must be "
               "bytes (PEP 3333): encode it, e.g. `return [body.encode(\"utf-8\")]`";
    return fmt::format(
        "the WSGI app's response contains a chunk of type '{}', but response chunks must be "
        "bytes (PEP 3333), e.g. `return [b\"Hello\"]`",
        Py_TYPE(item)->tp_name);
}

std::string not_iterable_message(PyObject* iterable) {
    std::string what = iterable == Py_None
                           ? std::string("None")
                           : fmt::format("a value of type '{}'", Py_TYPE(iterable)->tp_name);
    return fmt::format(
        "the WSGI app returned {}, which is not iterable: a WSGI app must return an iterable "
        "of bytes (PEP 3333), e.g. `return [b\"Hello\"]`",
        what);
}

// A bytes or str returned as the body itself is iterable, but by ints or by characters:
// a common slip (`return body` for `return [body]`) that deserves its own words.
std::optional<std::string> whole_body_message(PyObject* iterable) {
    if (PyBytes_Check(iterable) || PyByteArray_Check(iterable))
        return fmt::format(
            "the WSGI app returned a {} object itself, but a WSGI app must return an iterable "
            "of bytes (PEP 3333) and iterating a {} gives ints: wrap it in a list, e.g. "
            "`return [body]`",
            Py_TYPE(iterable)->tp_name, Py_TYPE(iterable)->tp_name);
    if (PyUnicode_Check(iterable))
        return std::string(
            "the WSGI app returned a str itself, but a WSGI app must return an iterable of "
            "bytes (PEP 3333): encode it and wrap it in a list, e.g. "
            "`return [body.encode(\"utf-8\")]`");
    return std::nullopt;
}

// Calls `object.close()` when it has one; exceptions are logged, not raised.
void call_close(PyObject* object, std::string_view target) {
    if (is_indexable(object)) return;  // the common case has none: skip the AttributeError
    PyRef close(PyObject_GetAttrString(object, "close"));
    if (!close) {
        if (PyErr_ExceptionMatches(PyExc_AttributeError)) {
            PyErr_Clear();
            return;
        }
    } else if (PyRef(PyObject_CallNoArgs(close.get()))) {
        return;
    }
    log::error("Error closing the response of request {}\n{}", target, take_exception_text());
}

}  // namespace

void finish_request(RequestObjects& objects) {
    if (objects.input) detach_input_stream(objects.input.get());
    if (objects.start_response) detach_start_response(objects.start_response.get());
    if (objects.post_request) {
        PyRef result(PyObject_CallOneArg(objects.post_request.get(), objects.environ.get()));
        if (!result) log::error("Error in post_request hook\n{}", take_exception_text());
    }
}

ResponseBody::ResponseBody(PyRef iterable, RequestObjects objects, std::string_view target)
    : iterable_(std::move(iterable)), objects_(std::move(objects)), target_(target) {}

ResponseBody::~ResponseBody() {
    GilGuard gil;
    if (!closed_) close();  // the server always closes; this is for a body dropped early
    iterable_.reset();
    objects_ = {};
}

gateway::BodyPart ResponseBody::next() {
    GilGuard gil;
    current_.reset();  // the server is done with the previous part's bytes
    if (finished_ || closed_) return gateway::BodyPart::end_of_body();
    if (!started_) return first();
    if (iterator_) {
        PyRef item(PyIter_Next(iterator_.get()));
        if (item) return chunk(std::move(item));
        if (PyErr_Occurred()) return iteration_error();
        finished_ = true;
        return gateway::BodyPart::end_of_body();
    }
    if (index_ >= PySequence_Fast_GET_SIZE(iterable_.get())) {
        finished_ = true;
        return gateway::BodyPart::end_of_body();
    }
    return chunk(PyRef::borrow(PySequence_Fast_GET_ITEM(iterable_.get(), index_++)));
}

gateway::BodyPart ResponseBody::first() {
    started_ = true;
    PyObject* iterable = iterable_.get();
    if (is_file_wrapper(iterable)) {
        if (std::optional<gateway::BodyPart> part = sendfile_part(iterable)) {
            finished_ = true;  // one part is the whole file
            return std::move(*part);
        }
    }
    if (std::optional<std::string> message = whole_body_message(iterable)) {
        finished_ = true;
        return gateway::BodyPart::failure(std::move(*message));
    }
    if (!is_indexable(iterable)) {
        if (!is_iterable(iterable)) {
            finished_ = true;
            return gateway::BodyPart::failure(not_iterable_message(iterable));
        }
        iterator_.reset(PyObject_GetIter(iterable));
        if (!iterator_) return iteration_error();  // its __iter__ raised
    }
    return next();
}

gateway::BodyPart ResponseBody::chunk(PyRef item) {
    if (!PyBytes_Check(item.get())) {
        finished_ = true;
        return gateway::BodyPart::failure(not_bytes_message(item.get()));
    }
    std::string_view bytes(PyBytes_AS_STRING(item.get()),
                           static_cast<size_t>(PyBytes_GET_SIZE(item.get())));
    current_ = std::move(item);
    return gateway::BodyPart::of_bytes(bytes);
}

gateway::BodyPart ResponseBody::iteration_error() {
    finished_ = true;
    std::string text = take_exception_text();
    log::error("Error handling request {}\n{}", target_, text);
    return gateway::BodyPart::failure(
        fmt::format("the WSGI app's response raised {}", exception_summary(text)));
}

bool ResponseBody::in_memory() const {
    PyTypeObject* type = Py_TYPE(iterable_.get());
    return type == &PyList_Type || type == &PyTuple_Type || type == &PyListIter_Type ||
           type == &PyTupleIter_Type;
}

void ResponseBody::close() {
    GilGuard gil;
    if (closed_) return;
    closed_ = true;
    current_.reset();
    iterator_.reset();
    call_close(iterable_.get(), target_);
    finish_request(objects_);
}

}  // namespace strata::python::detail
