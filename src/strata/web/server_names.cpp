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
    std::string out;
    out.reserve(host.size());
    bool bracket = !host.empty() && host.front() == '[';
    for (size_t i = 0; i < host.size(); ++i) {
        char c = host[i];
        if (c == ':' && !bracket) break;  // the port is not part of the name
        if (c == ']') bracket = false;
        if (c == '.' && !out.empty() && out.back() == '.') return std::nullopt;
        if (c == '/' || c == '\\' || c == '\0') return std::nullopt;
        if (c == '.' && out.empty()) return std::nullopt;
        out.push_back(http::ascii_lower(c));
    }
    if (!out.empty() && out.back() == '.') out.pop_back();
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
