#include "strata/http/status.h"

#include <array>
#include <string>

namespace strata::http {
namespace {

struct Phrase {
    int status;
    std::string_view text;
};

// nginx's status lines; 431 (RFC 6585) because strata answers it. Codes without a
// phrase are written as nginx writes them: "HTTP/1.1 418 " with an empty reason.
constexpr Phrase kPhrases[] = {
    {100, "Continue"},
    {101, "Switching Protocols"},
    {200, "OK"},
    {201, "Created"},
    {202, "Accepted"},
    {204, "No Content"},
    {206, "Partial Content"},
    {301, "Moved Permanently"},
    {302, "Moved Temporarily"},
    {303, "See Other"},
    {304, "Not Modified"},
    {307, "Temporary Redirect"},
    {308, "Permanent Redirect"},
    {400, "Bad Request"},
    {401, "Unauthorized"},
    {402, "Payment Required"},
    {403, "Forbidden"},
    {404, "Not Found"},
    {405, "Not Allowed"},
    {406, "Not Acceptable"},
    {408, "Request Time-out"},
    {409, "Conflict"},
    {410, "Gone"},
    {411, "Length Required"},
    {412, "Precondition Failed"},
    {413, "Request Entity Too Large"},
    {414, "Request-URI Too Large"},
    {415, "Unsupported Media Type"},
    {416, "Requested Range Not Satisfiable"},
    {421, "Misdirected Request"},
    {429, "Too Many Requests"},
    {431, "Request Header Fields Too Large"},
    {500, "Internal Server Error"},
    {501, "Not Implemented"},
    {502, "Bad Gateway"},
    {503, "Service Temporarily Unavailable"},
    {504, "Gateway Time-out"},
    {505, "HTTP Version Not Supported"},
    {507, "Insufficient Storage"},
};

// Status lines built once for every code 100..599, so a response copies one string.
struct StatusLines {
    std::array<std::string, 600> lines;
    StatusLines() {
        for (int s = 100; s < 600; ++s) {
            std::string_view phrase = reason_phrase(s);
            lines[s] = "HTTP/1.1 " + std::to_string(s) + " " + std::string(phrase) + "\r\n";
        }
    }
};

}  // namespace

std::string_view reason_phrase(int status) {
    for (const Phrase& p : kPhrases)
        if (p.status == status) return p.text;
    return {};
}

std::string_view status_line(int status) {
    static const StatusLines table;
    if (status < 100 || status > 599) status = 500;
    return table.lines[static_cast<size_t>(status)];
}

}  // namespace strata::http
