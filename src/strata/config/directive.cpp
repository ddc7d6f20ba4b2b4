#include "strata/config/directive.h"

namespace strata::config {

std::string ConfigError::to_string() const {
    if (where.file.empty()) return message;
    return where.file + ":" + std::to_string(where.line) + ": " + message;
}

}  // namespace strata::config
