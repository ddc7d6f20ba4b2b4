#include "strata/web/server_names.h"

#include <climits>

#include "strata/http/request_head.h"

namespace strata::web {
namespace {

std::string lower(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        c = http::ascii_lower(c);
    return out;
}

bool ends_with(std::string_view s, std::string_view suffix) {
    return s.size() >= suffix.size() && s.substr(s.size() - suffix.size()) == suffix;
}

// Ranks keep nginx's order between kinds; within a wildcard kind, longer wins.
constexpr int kExactRank = INT_MAX;
constexpr int kLeadingBase = 2'000'000;
constexpr int kTrailingBase = 1'000'000;
constexpr int kRegexRank = 1;

// The name part of a Host value: up to the port's ':', which inside "[…]" is part of
// an IPv6 address.
std::string_view host_name_part(std::string_view host) {
    size_t from = 0;
    if (!host.empty() && host.front() == '[') {
        size_t close = host.find(']');
        if (close == std::string_view::npos) return host;
        from = close;
    }
    return host.substr(0, host.find(':', from));
}

}  // namespace

Result<std::vector<ServerName>, std::string> parse_server_name(std::string_view text) {
    if (!text.empty() && text.front() == '~') {
        auto regex = Regex::compile(text.substr(1), true);
        if (!regex) return Err{regex.error()};
        return std::vector<ServerName>{{ServerName::Kind::regex, std::string(text), regex.value()}};
    }
    std::string name = lower(text);
    if (name.size() > 1 && name.front() == '.')  // ".example.com": the name and its subdomains
        return std::vector<ServerName>{{ServerName::Kind::exact, name.substr(1), {}},
                                       {ServerName::Kind::leading_wildcard, name, {}}};
    if (name.size() > 2 && name.substr(0, 2) == "*.")
        return std::vector<ServerName>{{ServerName::Kind::leading_wildcard, name.substr(1), {}}};
    if (name.size() > 2 && ends_with(name, ".*"))
        return std::vector<ServerName>{
            {ServerName::Kind::trailing_wildcard, name.substr(0, name.size() - 1), {}}};
    if (name.find('*') != std::string::npos)
        return Err{"invalid server name or wildcard \"" + std::string(text) + "\""};
    return std::vector<ServerName>{{ServerName::Kind::exact, name, {}}};
}

std::optional<std::string> normalize_host(std::string_view host) {
    std::string_view name = host_name_part(host);
    if (!name.empty() && name.front() == '.') return std::nullopt;
    // Written in place into a string sized once: this runs for every request.
    std::string out(name.size(), '\0');
    char previous = '\0';
    for (size_t i = 0; i < name.size(); ++i) {
        char c = name[i];
        if (c == '/' || c == '\\' || c == '\0' || (c == '.' && previous == '.'))
            return std::nullopt;
        out[i] = http::ascii_lower(c);
        previous = c;
    }
    if (previous == '.') out.pop_back();
    return out;
}

int server_name_rank(const ServerName& name, std::string_view host) {
    switch (name.kind) {
        case ServerName::Kind::exact:
            return name.name == host ? kExactRank : 0;
        case ServerName::Kind::leading_wildcard:  // ".example.com" matched by "a.example.com"
            return host.size() > name.name.size() && ends_with(host, name.name)
                       ? kLeadingBase + static_cast<int>(name.name.size())
                       : 0;
        case ServerName::Kind::trailing_wildcard:  // "www." matched by "www.example.org"
            return host.size() > name.name.size() && host.substr(0, name.name.size()) == name.name
                       ? kTrailingBase + static_cast<int>(name.name.size())
                       : 0;
        case ServerName::Kind::regex:
            return name.regex->match(host) ? kRegexRank : 0;
    }
    return 0;
}

}  // namespace strata::web
