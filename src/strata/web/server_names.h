// Choosing the `server` block for a request by its Host, in nginx's order: exact
// name; longest wildcard starting with "*"; longest wildcard ending with "*"; the
// first regex in configuration order; otherwise the listen socket's default server.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/web/regex.h"

namespace strata::web {

struct ServerName {
    enum class Kind : uint8_t { exact, leading_wildcard, trailing_wildcard, regex };
    Kind kind = Kind::exact;
    std::string name;  // lower-case; for wildcards without the "*" ("." kept: ".example.com")
    std::optional<Regex> regex;
};

// Parses one `server_name` argument: "example.com", "*.example.com", ".example.com"
// (counts as both "example.com" and "*.example.com"), "www.example.*", "~^re$", "".
Result<std::vector<ServerName>, std::string> parse_server_name(std::string_view text);

// The Host header's name as nginx compares it: lower-cased, without port or final
// dot. nullopt for a host nginx rejects with 400 (empty labels "..", "/", "\\", NUL).
std::optional<std::string> normalize_host(std::string_view host);

// How well a name matches a host: 0 = no match; higher beats lower.
int server_name_rank(const ServerName& name, std::string_view host);

// The server among `servers` (each with `std::vector<ServerName> names`) for `host`;
// `fallback` (the default server of the listen socket) when none matches.
template <class Server>
const Server* select_server(const std::vector<const Server*>& servers, std::string_view host,
                            const Server* fallback) {
    const Server* best = nullptr;
    int best_rank = 0;
    for (const Server* s : servers) {
        for (const ServerName& n : s->names) {
            int rank = server_name_rank(n, host);
            if (rank > best_rank) {  // strictly better: the first server wins ties
                best = s;
                best_rank = rank;
            }
        }
    }
    return best ? best : fallback;
}

}  // namespace strata::web
