// environ keys for request header names ("User-Agent" → "HTTP_USER_AGENT"), computed once
// per spelling seen and kept, up to a bound, as interned str.
#pragma once

#include <Python.h>

#include <string>
#include <string_view>
#include <unordered_map>

#include "strata/python/py_ref.h"

namespace strata::python::detail {

// "HTTP_" + the name upper-cased with '-' as '_' (CGI's rule, as gunicorn applies it).
std::string http_key_text(std::string_view name);

// All calls need the GIL (which is also what makes sharing one cache between an app's
// threads safe).
class HeaderKeys {
  public:
    // Spellings kept: enough for every header real clients send, in every case they use;
    // a client inventing names gets its keys computed per request instead.
    static constexpr size_t kMaxEntries = 512;

    HeaderKeys() = default;
    HeaderKeys(const HeaderKeys&) = delete;
    HeaderKeys& operator=(const HeaderKeys&) = delete;
    ~HeaderKeys();

    // The key for `name` (a new reference); nullptr with a Python error set on no memory.
    PyRef key_for(std::string_view name);
    size_t size() const { return keys_.size(); }

  private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::string_view text) const {
            return std::hash<std::string_view>{}(text);
        }
    };
    std::unordered_map<std::string, PyObject*, Hash, std::equal_to<>> keys_;
};

}  // namespace strata::python::detail
