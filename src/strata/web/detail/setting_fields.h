// What the settings tables (a location's, proxy_*'s) are made of, for any settings
// struct S: setters that parse a directive's argument into one optional field, and the
// merge steps (a field a level leaves unset comes from its parent, then the default).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "strata/config/directive.h"
#include "strata/config/status.h"
#include "strata/config/values.h"

namespace strata::web::detail {

template <class S>
using SettingSetter = std::function<config::Status(const config::Directive&, S&)>;

// `parse` is one of config's parse_* functions for the directive's first argument.
template <class S, class T, class Parsed>
SettingSetter<S> parsed_setter(
    std::optional<T> S::*field,
    Result<Parsed, config::ConfigError> (*parse)(const config::Directive&, std::size_t)) {
    return [field, parse](const config::Directive& d, S& s) -> config::Status {
        auto value = parse(d, 0);
        if (!value) return Err{value.error()};
        s.*field = static_cast<T>(value.value());
        return config::success();
    };
}

template <class S>
SettingSetter<S> flag_setter(std::optional<bool> S::*field) {
    return parsed_setter(field, &config::parse_flag);
}

template <class S>
SettingSetter<S> time_ms_setter(std::optional<uint64_t> S::*field) {
    return parsed_setter(field, &config::parse_time_ms);
}

template <class S>
SettingSetter<S> size_setter(std::optional<uint64_t> S::*field) {
    return parsed_setter(field, &config::parse_size);
}

template <class S>
SettingSetter<S> number_setter(std::optional<uint64_t> S::*field) {
    return parsed_setter(field, &config::parse_number);
}

template <class S>
SettingSetter<S> text_setter(std::optional<std::string> S::*field) {
    return [field](const config::Directive& d, S& s) -> config::Status {
        s.*field = d.args.at(0);
        return config::success();
    };
}

template <class T>
void inherit(std::optional<T>& child, const std::optional<T>& parent) {
    if (!child) child = parent;
}

template <class T, class U>
void default_to(std::optional<T>& field, U value) {
    if (!field) field = T(std::move(value));
}

}  // namespace strata::web::detail
