// Which `location` serves a URI, in nginx's documented order: an exact `=` match wins
// at once; otherwise the longest prefix is remembered (and `^~` on it stops the
// search); locations nested in it are searched first; then the regex locations of the
// level, in configuration order, the first match winning; else the longest prefix.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/web/regex.h"

namespace strata::web {

enum class LocationKind : uint8_t {
    prefix,    // location /uri
    exact,     // location = /uri
    no_regex,  // location ^~ /uri   (prefix; a match stops regex matching)
    regex,     // location ~ re  /  location ~* re
    named,     // location @name   (only reachable by try_files / error_page)
};

struct LocationPattern {
    LocationKind kind = LocationKind::prefix;
    std::string uri;             // prefix, exact URI, regex source or @name
    std::optional<Regex> regex;  // for LocationKind::regex
};

// A location of the tree: its pattern and the locations nested in it. `Node` is any
// type with `LocationPattern pattern` and `std::vector<Node> children`.
template <class Node>
struct LocationFound {
    const Node* node = nullptr;
    std::vector<std::string_view> captures;  // $0..$n of the matching regex, if any
};

bool prefix_matches(const LocationPattern& p, std::string_view uri);

template <class Node>
LocationFound<Node> find_location(const std::vector<Node>& level, std::string_view uri);

namespace detail {

// The result of searching one level: what was found and whether the search is over.
template <class Node>
struct LevelResult {
    LocationFound<Node> found;
    bool final = false;  // exact, ^~, or a regex matched: do not look further out
};

template <class Node>
LevelResult<Node> search_level(const std::vector<Node>& level, std::string_view uri) {
    const Node* longest = nullptr;
    for (const Node& n : level) {
        const LocationPattern& p = n.pattern;
        if (p.kind == LocationKind::exact && p.uri == uri) return {{&n, {}}, true};
        if ((p.kind == LocationKind::prefix || p.kind == LocationKind::no_regex) &&
            prefix_matches(p, uri) && (!longest || p.uri.size() > longest->pattern.uri.size()))
            longest = &n;
    }
    LevelResult<Node> result{{longest, {}}, false};
    if (longest) {
        if (!longest->children.empty()) {
            LevelResult<Node> nested = search_level(longest->children, uri);
            if (nested.found.node) result.found = nested.found;
            if (nested.final) return nested;
        }
        if (longest->pattern.kind == LocationKind::no_regex) return {result.found, true};
    }
    for (const Node& n : level) {
        if (n.pattern.kind != LocationKind::regex) continue;
        LocationFound<Node> hit{&n, {}};
        if (!n.pattern.regex->match(uri, &hit.captures)) continue;
        if (!n.children.empty()) {  // locations nested in a regex location
            LevelResult<Node> nested = search_level(n.children, uri);
            if (nested.found.node) return {nested.found, true};
        }
        return {hit, true};
    }
    return result;
}

}  // namespace detail

template <class Node>
LocationFound<Node> find_location(const std::vector<Node>& level, std::string_view uri) {
    return detail::search_level(level, uri).found;
}

// The named location `@name` at the top level of `level`, or nullptr.
template <class Node>
const Node* find_named_location(const std::vector<Node>& level, std::string_view name) {
    for (const Node& n : level)
        if (n.pattern.kind == LocationKind::named && n.pattern.uri == name) return &n;
    return nullptr;
}

}  // namespace strata::web
