// What directives exist, where each may stand, how many arguments it takes, whether
// it opens a block and whether it may repeat — nginx's command tables as data. The
// built-in set (core, events, http core, rewrite, gzip, log, index, headers…) is in
// core_directives.h; later layers append theirs (proxy_*, wsgi_*, ssl_*) with
// DirectiveRegistry::register_directives before a configuration is loaded.
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "strata/config/context.h"
#include "strata/config/directive.h"
#include "strata/config/parser.h"
#include "strata/config/status.h"

namespace strata::config {

// How many arguments a directive takes (nginx's NGX_CONF_NOARGS/TAKEn/1MORE/FLAG…).
struct Arity {
    static constexpr int kUnbounded = 1 << 30;
    int min = 0;
    int max = 0;
    bool flag = false;  // exactly one argument, "on" or "off" (case-insensitive)
};

namespace arity {
inline constexpr Arity none{0, 0};
inline constexpr Arity one{1, 1};
inline constexpr Arity two{2, 2};
inline constexpr Arity one_or_two{1, 2};
inline constexpr Arity two_or_three{2, 3};
inline constexpr Arity one_to_three{1, 3};
inline constexpr Arity one_or_more{1, Arity::kUnbounded};
inline constexpr Arity two_or_more{2, Arity::kUnbounded};
inline constexpr Arity any{0, Arity::kUnbounded};
inline constexpr Arity flag{1, 1, true};
}  // namespace arity

enum class BlockKind {
    none,        // `name args;`
    directives,  // `name args { directives }`, checked against child_context
    free_form,   // `name args { word words…; }`, entries not checked (types, map)
};

// A directive-specific check run after the generic ones (values, placement rules).
using DirectiveCheck = Status (*)(const Directive& directive, const BlockFrame& frame);

struct DirectiveSpec {
    std::string_view name;  // must outlive the registry (a literal)
    Context contexts = Context::none;
    Arity args;
    BlockKind block = BlockKind::none;
    Context child_context = Context::none;  // for a block
    bool repeatable = false;
    // Another directive setting the same thing: nginx reports
    // `"alias" directive is duplicate, "root" directive was specified earlier`.
    std::string_view conflicts_with = {};
    DirectiveCheck check = nullptr;
    // Arguments from this index on are values that may hold `$variables`; the loader
    // compiles them so that unknown variables are refused at load. -1: none.
    int values_from = -1;
    // The first argument is a regex when it starts with "~" (its "$" an anchor, not a
    // variable): proxy_redirect, proxy_cookie_domain, proxy_cookie_path.
    bool regex_first = false;
};

class DirectiveRegistry {
  public:
    // An empty registry; see core_registry() for nginx's built-in set.
    DirectiveRegistry() = default;

    // Several specs may share a name (error_log in main and in http; server as an
    // http block and as an upstream entry): the first whose contexts fit is used.
    void register_directives(std::span<const DirectiveSpec> specs);

    // The spec for `directive` in `frame`, or nginx's error: unknown directive, not
    // allowed here, not terminated by ";", no opening "{", invalid number of
    // arguments, invalid flag value, is duplicate, then the spec's own check.
    Result<const DirectiveSpec*, ConfigError> check(const Directive& directive,
                                                    const BlockFrame& frame) const;

    bool knows(std::string_view name) const;

  private:
    std::unordered_map<std::string_view, std::vector<DirectiveSpec>> specs_;
};

// The context a block directive's children stand in.
BlockFrame child_frame_for(const DirectiveSpec& spec);

}  // namespace strata::config
