#include "strata/config/location_args.h"

#include <string_view>

namespace strata::config {
namespace {

struct Modifier {
    std::string_view text;
    LocationKind kind;
};

// Longer modifiers first, so `~*` is not read as `~`.
constexpr Modifier kModifiers[] = {
    {"^~", LocationKind::prefix_no_regex},
    {"~*", LocationKind::regex_caseless},
    {"=", LocationKind::exact},
    {"~", LocationKind::regex},
};

LocationMatch from_one_argument(std::string_view arg) {
    for (const Modifier& modifier : kModifiers) {
        if (arg.starts_with(modifier.text)) {
            return LocationMatch{modifier.kind, std::string(arg.substr(modifier.text.size()))};
        }
    }
    const auto kind = arg.starts_with('@') ? LocationKind::named : LocationKind::prefix;
    return LocationMatch{kind, std::string(arg)};
}

std::string quoted(const std::string& text) {
    return "\"" + text + "\"";
}

bool is_regex(LocationKind kind) {
    return kind == LocationKind::regex || kind == LocationKind::regex_caseless;
}

bool is_prefix(LocationKind kind) {
    return kind == LocationKind::prefix || kind == LocationKind::prefix_no_regex;
}

// nginx refuses two exact, or two prefix (with or without ^~), locations of one name.
bool same_match(const LocationMatch& a, const LocationMatch& b) {
    if (a.name != b.name) return false;
    return (a.kind == LocationKind::exact && b.kind == LocationKind::exact) ||
           (is_prefix(a.kind) && is_prefix(b.kind));
}

Status check_nesting(const Directive& location, const LocationMatch& match,
                     const Directive& parent) {
    auto outer = parse_location_args(parent);
    if (!outer) return success();  // reported when the parent was read
    const std::string inner_name = quoted(match.name);
    if (outer->kind == LocationKind::exact) {
        return fail(location.where, "location " + inner_name +
                                        " cannot be inside the exact location " +
                                        quoted(outer->name));
    }
    if (outer->kind == LocationKind::named) {
        return fail(location.where, "location " + inner_name +
                                        " cannot be inside the named location " +
                                        quoted(outer->name));
    }
    if (match.kind == LocationKind::named) {
        return fail(location.where,
                    "named location " + inner_name + " can be on the server level only");
    }
    if (!is_regex(match.kind) && !std::string_view(match.name).starts_with(outer->name)) {
        return fail(location.where,
                    "location " + inner_name + " is outside location " + quoted(outer->name));
    }
    return success();
}

Status check_duplicates(const Directive& location, const LocationMatch& match,
                        const BlockFrame& frame) {
    for (const Directive& sibling : *frame.directives) {
        if (sibling.name != "location") continue;
        auto other = parse_location_args(sibling);
        if (other && same_match(*other, match)) {
            return fail(location.where, "duplicate location " + quoted(match.name));
        }
    }
    return success();
}

}  // namespace

Result<LocationMatch, ConfigError> parse_location_args(const Directive& location) {
    if (location.args.size() != 2) {
        if (location.args.empty()) return LocationMatch{};
        return from_one_argument(location.args[0]);
    }
    for (const Modifier& modifier : kModifiers) {
        if (location.args[0] == modifier.text)
            return LocationMatch{modifier.kind, location.args[1]};
    }
    return fail(location.where, "invalid location modifier " + quoted(location.args[0]));
}

Status check_location_placement(const Directive& location, const BlockFrame& frame) {
    auto match = parse_location_args(location);
    if (!match) return Err{match.error()};
    if (frame.owner != nullptr && frame.owner->name == "location") {
        auto nested = check_nesting(location, *match, *frame.owner);
        if (!nested) return nested;
    }
    return check_duplicates(location, *match, frame);
}

}  // namespace strata::config
