#include "strata/python/detail/input_stream.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "strata/python/detail/static_type.h"
#include "strata/python/gil.h"

namespace strata::python::detail {
namespace {

// Spooled bodies are read through a window, so readline() is not a pread() per line.
constexpr size_t kWindowSize = 16 * 1024;
// Reads at least this big from a spooled body let the GIL go while the disk works.
constexpr size_t kReleaseGilFrom = 64 * 1024;

struct InputStream {
    PyObject ob_base;                  // PyObject_HEAD
    const gateway::RequestBody* body;  // nullptr once detached
    uint64_t position;
    char* window;  // PyMem_Malloc'd on the first readline() of a spooled body
    uint64_t window_start;
    size_t window_size;
};

uint64_t remaining(const InputStream& stream) {
    return stream.body ? stream.body->size() - stream.position : 0;
}

// io's convention for size arguments: None or a negative int mean "everything".
bool parse_size(PyObject* const* args, Py_ssize_t nargs, const char* name, Py_ssize_t& size) {
    size = -1;
    if (nargs > 1) {
        PyErr_Format(PyExc_TypeError, "%s() takes at most 1 argument (%zd given)", name, nargs);
        return false;
    }
    if (nargs == 0 || args[0] == Py_None) return true;
    if (!PyIndex_Check(args[0])) {
        PyErr_Format(PyExc_TypeError, "argument should be integer or None, not '%.200s'",
                     Py_TYPE(args[0])->tp_name);
        return false;
    }
    size = PyNumber_AsSsize_t(args[0], PyExc_OverflowError);
    return !(size == -1 && PyErr_Occurred());
}

uint64_t clamp(Py_ssize_t size, uint64_t available) {
    return size < 0 ? available : std::min<uint64_t>(static_cast<uint64_t>(size), available);
}

PyObject* read_bytes(InputStream& stream, uint64_t count) {
    if (count == 0) return PyBytes_FromStringAndSize(nullptr, 0);  // also when detached
    if (count > static_cast<uint64_t>(PY_SSIZE_T_MAX)) return PyErr_NoMemory();
    uint64_t offset = stream.position;
    if (!stream.body->spooled()) {
        stream.position += count;
        return PyBytes_FromStringAndSize(stream.body->memory().data() + offset,
                                         static_cast<Py_ssize_t>(count));
    }
    PyObject* bytes = PyBytes_FromStringAndSize(nullptr, static_cast<Py_ssize_t>(count));
    if (bytes == nullptr) return nullptr;
    stream.position += count;  // claimed before the GIL goes, for a second thread's sake
    const gateway::RequestBody* body = stream.body;
    size_t got = 0;
    if (count >= kReleaseGilFrom) {
        GilRelease unlocked;
        got = body->read(offset, PyBytes_AS_STRING(bytes), count);
    } else {
        got = body->read(offset, PyBytes_AS_STRING(bytes), count);
    }
    if (got < count && _PyBytes_Resize(&bytes, static_cast<Py_ssize_t>(got)) < 0) return nullptr;
    return bytes;
}

// The spooled body's bytes at the stream's position, at most `limit` of them, through
// the window; empty at the end.
std::string_view window_at_position(InputStream& stream, uint64_t limit) {
    uint64_t end = stream.window_start + stream.window_size;
    if (stream.window == nullptr || stream.position < stream.window_start ||
        stream.position >= end) {
        if (stream.window == nullptr) {
            stream.window = static_cast<char*>(PyMem_Malloc(kWindowSize));
            if (stream.window == nullptr) return {};
        }
        stream.window_start = stream.position;
        stream.window_size = stream.body->read(stream.position, stream.window, kWindowSize);
        end = stream.window_start + stream.window_size;
    }
    size_t offset = static_cast<size_t>(stream.position - stream.window_start);
    size_t size = static_cast<size_t>(std::min<uint64_t>(end - stream.position, limit));
    return {stream.window + offset, size};
}

PyObject* read_line(InputStream& stream, Py_ssize_t size) {
    uint64_t limit = clamp(size, remaining(stream));
    if (limit == 0) return PyBytes_FromStringAndSize(nullptr, 0);
    if (!stream.body->spooled()) {
        const char* start = stream.body->memory().data() + stream.position;
        const void* newline = std::memchr(start, '\n', limit);
        uint64_t length = newline ? static_cast<const char*>(newline) - start + 1 : limit;
        return read_bytes(stream, length);
    }
    std::string line;
    while (line.size() < limit) {
        std::string_view part = window_at_position(stream, limit - line.size());
        if (part.empty()) break;
        size_t newline = part.find('\n');
        size_t take = newline == std::string_view::npos ? part.size() : newline + 1;
        line.append(part.substr(0, take));
        stream.position += take;
        if (newline != std::string_view::npos) break;
    }
    if (stream.window == nullptr) return PyErr_NoMemory();
    return PyBytes_FromStringAndSize(line.data(), static_cast<Py_ssize_t>(line.size()));
}

PyObject* stream_read(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t size = -1;
    if (!parse_size(args, nargs, "read", size)) return nullptr;
    InputStream& stream = *as_struct<InputStream>(self);
    return read_bytes(stream, clamp(size, remaining(stream)));
}

PyObject* stream_readline(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t size = -1;
    if (!parse_size(args, nargs, "readline", size)) return nullptr;
    return read_line(*as_struct<InputStream>(self), size);
}

// readlines(hint): lines until their total reaches `hint` (all of them for hint <= 0).
PyObject* stream_readlines(PyObject* self, PyObject* const* args, Py_ssize_t nargs) {
    Py_ssize_t hint = -1;
    if (!parse_size(args, nargs, "readlines", hint)) return nullptr;
    InputStream& stream = *as_struct<InputStream>(self);
    PyObject* lines = PyList_New(0);
    Py_ssize_t total = 0;
    while (lines != nullptr && remaining(stream) > 0 && (hint <= 0 || total < hint)) {
        PyObject* line = read_line(stream, -1);
        if (line == nullptr || PyList_Append(lines, line) < 0) Py_CLEAR(lines);
        total += line ? PyBytes_GET_SIZE(line) : 0;
        Py_XDECREF(line);
    }
    return lines;
}

PyObject* stream_next(PyObject* self) {
    InputStream& stream = *as_struct<InputStream>(self);
    if (remaining(stream) == 0) return nullptr;  // StopIteration, no exception set
    return read_line(stream, -1);
}

void stream_dealloc(PyObject* self) {
    PyMem_Free(as_struct<InputStream>(self)->window);
    Py_TYPE(self)->tp_free(self);
}

PyMethodDef kMethods[] = {
    {"read", as_method(&stream_read), METH_FASTCALL,
     "read(size=-1): up to size bytes of the body; all that is left when size is -1 or None."},
    {"readline", as_method(&stream_readline), METH_FASTCALL,
     "readline(size=-1): the next line, with its b'\\n', of at most size bytes."},
    {"readlines", as_method(&stream_readlines), METH_FASTCALL,
     "readlines(hint=-1): the remaining lines, stopping once hint bytes are read."},
    {nullptr, nullptr, 0, nullptr},
};

PyTypeObject make_type() {
    PyTypeObject type = blank_static_type("strata.InputStream", sizeof(InputStream));
    type.tp_doc = "wsgi.input: the request body (PEP 3333).";
    type.tp_dealloc = &stream_dealloc;
    type.tp_iter = &PyObject_SelfIter;
    type.tp_iternext = &stream_next;
    type.tp_methods = kMethods;
    return type;
}

PyTypeObject g_type = make_type();

}  // namespace

bool ready_input_stream_type() {
    return PyType_Ready(&g_type) == 0;
}

PyObject* new_input_stream(const gateway::RequestBody* body) {
    InputStream* stream = PyObject_New(InputStream, &g_type);
    if (stream == nullptr) return nullptr;
    stream->body = body;
    stream->position = 0;
    stream->window = nullptr;
    stream->window_start = 0;
    stream->window_size = 0;
    return reinterpret_cast<PyObject*>(stream);
}

void detach_input_stream(PyObject* stream) {
    as_struct<InputStream>(stream)->body = nullptr;
}

}  // namespace strata::python::detail
