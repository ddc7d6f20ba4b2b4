#include "strata/python/detail/percent_decode.h"

namespace strata::python::detail {
namespace {

int hex_value(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

}  // namespace

void percent_decode(std::string_view text, std::string& out) {
    out.reserve(out.size() + text.size());
    size_t i = 0;
    while (i < text.size()) {
        size_t percent = text.find('%', i);
        if (percent == std::string_view::npos) percent = text.size();
        out.append(text.substr(i, percent - i));
        i = percent;
        if (i == text.size()) break;
        int high = i + 2 < text.size() ? hex_value(text[i + 1]) : -1;
        int low = high >= 0 ? hex_value(text[i + 2]) : -1;
        if (low < 0) {
            out.push_back('%');
            i += 1;
            continue;
        }
        out.push_back(static_cast<char>(high * 16 + low));
        i += 3;
    }
}

}  // namespace strata::python::detail
