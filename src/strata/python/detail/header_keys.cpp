#include "strata/python/detail/header_keys.h"

#include "strata/python/detail/latin1.h"

namespace strata::python::detail {

std::string http_key_text(std::string_view name) {
    std::string key = "HTTP_";
    key.reserve(key.size() + name.size());
    for (char c : name) {
        if (c == '-')
            c = '_';
        else if (c >= 'a' && c <= 'z')
            c = static_cast<char>(c - 'a' + 'A');
        key.push_back(c);
    }
    return key;
}

HeaderKeys::~HeaderKeys() {
    for (auto& [name, key] : keys_)
        Py_DECREF(key);
}

PyRef HeaderKeys::key_for(std::string_view name) {
    if (auto found = keys_.find(name); found != keys_.end()) return PyRef::borrow(found->second);
    PyObject* key = latin1_str(http_key_text(name));
    if (key == nullptr) return PyRef();
    // Interned: apps look keys up by literals, which are interned too.
    PyUnicode_InternInPlace(&key);
    if (keys_.size() < kMaxEntries) keys_.emplace(std::string(name), Py_NewRef(key));
    return PyRef(key);
}

}  // namespace strata::python::detail
