#include "strata/python/detail/sendfile_part.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include "strata/python/detail/file_wrapper.h"
#include "strata/python/py_ref.h"

namespace strata::python::detail {
namespace {

// An int from calling filelike.method(); -1 (error cleared) when that does not work.
long long call_for_int(PyObject* filelike, const char* method) {
    PyRef result(PyObject_CallMethod(filelike, method, nullptr));
    long long value = result && PyLong_Check(result.get()) ? PyLong_AsLongLong(result.get()) : -1;
    if (PyErr_Occurred()) {
        PyErr_Clear();
        return -1;
    }
    return value;
}

}  // namespace

std::optional<gateway::BodyPart> sendfile_part(PyObject* wrapper) {
    PyObject* filelike = wrapped_file(wrapper);
    long long fd = call_for_int(filelike, "fileno");
    struct stat info {};
    if (fd < 0 || fd > INT32_MAX || ::fstat(static_cast<int>(fd), &info) != 0 ||
        !S_ISREG(info.st_mode))
        return std::nullopt;
    long long offset = call_for_int(filelike, "tell");
    if (offset < 0) offset = ::lseek(static_cast<int>(fd), 0, SEEK_CUR);
    if (offset < 0) return std::nullopt;
    int copy = ::fcntl(static_cast<int>(fd), F_DUPFD_CLOEXEC, 0);
    if (copy < 0) return std::nullopt;
    uint64_t length = info.st_size > offset ? static_cast<uint64_t>(info.st_size - offset) : 0;
    return gateway::BodyPart::of_file(copy, static_cast<off_t>(offset), length);
}

}  // namespace strata::python::detail
