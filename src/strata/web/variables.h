// nginx's variables ($uri, $args, $host, $http_NAME, $arg_NAME, $1…) for one request.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/web/regex.h"
#include "strata/web/request_context.h"

namespace strata::web {

// The value of variable `name` (without "$"), or nullopt when it is unknown.
std::optional<std::string> variable_value(std::string_view name, const RequestContext& ctx);

// `text` with every $name / ${name} replaced by its value (unknown ones by "").
std::string expand_variables(std::string_view text, const RequestContext& ctx);

// A root or alias: the text itself when it names no variables (no scan, no copy), else
// its expansion, kept in `storage`.
// Inline: every file probe maps a path through it.
inline std::string_view literal_or_expanded(const VariableText& text, const RequestContext& ctx,
                                            std::string& storage) {
    if (!text.has_variables) return text.text;
    storage = expand_variables(text.text, ctx);
    return storage;
}

// True when `name` is a variable this server knows (for checks at load).
bool is_known_variable(std::string_view name);

// What a regex that matched leaves behind: $0…$9 (replacing the last match's) and a
// variable per named group, which keeps its value until a later match sets it again.
void remember_captures(RequestContext& ctx, const Regex& regex,
                       const std::vector<std::string_view>& captures);

// When a regex server_name chose the server (no better name matched `host`), its
// captures, as nginx sets them before the server's rewrites run.
void remember_server_name_captures(RequestContext& ctx, std::string_view host);

}  // namespace strata::web
