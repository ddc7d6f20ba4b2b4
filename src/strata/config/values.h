// Small pure parsers for the value syntaxes nginx's directives share: numbers, sizes
// (`512`, `8k`, `1m`, offsets also `1g`), times (`75s`, `1h 30m`, `500ms`; units
// y M w d h m s ms, largest first) and flags (`on`/`off`). The directive-level forms
// return nginx's error wording at the directive's file:line.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

#include "strata/base/result.h"
#include "strata/config/directive.h"

namespace strata::config {

// Plain forms: nullopt when the text is not valid.
std::optional<std::int64_t> number_value(std::string_view text);  // digits only
std::optional<std::int64_t> size_value(std::string_view text);    // units k, m
std::optional<std::int64_t> offset_value(std::string_view text);  // units k, m, g
std::optional<std::int64_t> time_value_ms(std::string_view text);
std::optional<std::int64_t> time_value_seconds(std::string_view text);  // no ms, y and M ok
std::optional<bool> flag_value(std::string_view text);

// Directive forms, reading args[index].
// invalid value "x" in "name" directive, it must be "on" or "off"
Result<bool, ConfigError> parse_flag(const Directive& directive, std::size_t index = 0);
// "name" directive invalid number
Result<std::int64_t, ConfigError> parse_number(const Directive& directive, std::size_t index = 0);
// "name" directive invalid value
Result<std::int64_t, ConfigError> parse_size(const Directive& directive, std::size_t index = 0);
Result<std::int64_t, ConfigError> parse_offset(const Directive& directive, std::size_t index = 0);
Result<std::int64_t, ConfigError> parse_time_ms(const Directive& directive, std::size_t index = 0);
Result<std::int64_t, ConfigError> parse_time_seconds(const Directive& directive,
                                                     std::size_t index = 0);

}  // namespace strata::config
