#include "strata/http/response_writer.h"

#include <cstring>

#include "strata/http/status.h"

namespace strata::http {

ResponseWriter& ResponseWriter::status(int code) {
    out_.append(status_line(code));
    return *this;
}

ResponseWriter& ResponseWriter::status_text(std::string_view status) {
    out_.append("HTTP/1.1 ");
    out_.append(status);
    out_.append("\r\n");
    return *this;
}

ResponseWriter& ResponseWriter::header(std::string_view name, std::string_view value) {
    char* p = out_.prepare(name.size() + value.size() + 4);
    std::memcpy(p, name.data(), name.size());
    p += name.size();
    *p++ = ':';
    *p++ = ' ';
    std::memcpy(p, value.data(), value.size());
    p += value.size();
    *p++ = '\r';
    *p++ = '\n';
    out_.commit(name.size() + value.size() + 4);
    return *this;
}

ResponseWriter& ResponseWriter::content_length(uint64_t length) {
    char digits[20];
    return header("Content-Length", {digits, format_decimal(length, digits)});
}

ResponseWriter& ResponseWriter::connection(bool keep_alive) {
    return header("Connection", keep_alive ? "keep-alive" : "close");
}

size_t format_decimal(uint64_t value, char* out) {
    char tmp[20];
    size_t n = 0;
    do {
        tmp[n++] = static_cast<char>('0' + value % 10);
        value /= 10;
    } while (value);
    for (size_t i = 0; i < n; ++i)
        out[i] = tmp[n - 1 - i];
    return n;
}

size_t format_chunk_header(uint64_t size, char* out) {
    static constexpr char kHex[] = "0123456789abcdef";
    char tmp[16];
    size_t n = 0;
    do {
        tmp[n++] = kHex[size & 0xf];
        size >>= 4;
    } while (size);
    for (size_t i = 0; i < n; ++i)
        out[i] = tmp[n - 1 - i];
    out[n] = '\r';
    out[n + 1] = '\n';
    return n + 2;
}

}  // namespace strata::http
