// nginx's built-in directives that strata understands: core (main), events, http
// core, rewrite, log, index, autoindex, headers, gzip, access, charset and upstream.
#pragma once

#include <span>

#include "strata/config/schema.h"

namespace strata::config {

std::span<const DirectiveSpec> core_directives();

// A registry holding core_directives(); later layers register theirs on top.
DirectiveRegistry core_registry();

}  // namespace strata::config
