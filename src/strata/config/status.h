// The result of a configuration step that produces nothing but may fail.
#pragma once

#include <string>
#include <utility>
#include <variant>

#include "strata/base/result.h"
#include "strata/config/directive.h"

namespace strata::config {

using Status = Result<std::monostate, ConfigError>;

inline Status success() {
    return std::monostate{};
}

inline Err<ConfigError> fail(SourceLocation where, std::string message) {
    return Err{ConfigError{std::move(where), std::move(message)}};
}

}  // namespace strata::config
