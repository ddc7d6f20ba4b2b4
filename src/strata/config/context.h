// The kinds of block a directive can stand in, as nginx tells them apart. A directive's
// spec lists the contexts it is allowed in as a bit set of these.
#pragma once

#include <cstdint>

namespace strata::config {

enum class Context : std::uint32_t {
    none = 0,
    main = 1u << 0,
    events = 1u << 1,
    http = 1u << 2,
    server = 1u << 3,
    location = 1u << 4,
    server_if = 1u << 5,    // `if` directly inside a server
    location_if = 1u << 6,  // `if` inside a location
    upstream = 1u << 7,
    limit_except = 1u << 8,
    types = 1u << 9,  // free-form `type ext…;` entries (types {}, also the like of map {})
    // The rest are for later layers' own blocks (map, geo, split_clients…).
    extra1 = 1u << 16,
    extra2 = 1u << 17,
    extra3 = 1u << 18,
    extra4 = 1u << 19,
};

constexpr Context operator|(Context a, Context b) {
    return static_cast<Context>(static_cast<std::uint32_t>(a) | static_cast<std::uint32_t>(b));
}
constexpr bool contains(Context set, Context one) {
    return (static_cast<std::uint32_t>(set) & static_cast<std::uint32_t>(one)) != 0;
}

// Shorthands for the common sets, as nginx's modules declare them.
namespace contexts {
inline constexpr Context any_http = Context::http | Context::server | Context::location;
inline constexpr Context any_http_if = any_http | Context::location_if;
inline constexpr Context rewrite =
    Context::server | Context::server_if | Context::location | Context::location_if;
inline constexpr Context everywhere = static_cast<Context>(0xffffffffu);
}  // namespace contexts

}  // namespace strata::config
