// Which CPython the bridge embeds, for -V and the start-up log line.
#pragma once

#include <string>

namespace strata::python {

// "3.11.2", the embedded interpreter's version (not the one first on PATH).
std::string embedded_version();

}  // namespace strata::python
