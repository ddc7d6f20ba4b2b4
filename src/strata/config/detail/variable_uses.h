// Variables in a loaded configuration: each value that may hold them is compiled as
// it is read (syntax errors at once, at the directive), and the names used are
// checked once the whole configuration is read — a `set $x` or a regex's named
// capture anywhere defines $x everywhere, as in nginx.
#pragma once

#include <string>
#include <vector>

#include "strata/config/directive.h"
#include "strata/config/schema.h"
#include "strata/config/status.h"
#include "strata/config/variables.h"

namespace strata::config::detail {

class VariableUses {
  public:
    Status collect(const Directive& directive, const DirectiveSpec& spec);
    // The first use of a name neither known nor defined: unknown "x" variable.
    Status check(const VariableRegistry& known) const;

  private:
    Status compile(const std::string& value, const SourceLocation& where);
    Status collect_if_condition(const Directive& directive);

    struct Use {
        std::string name;
        SourceLocation where;
    };
    std::vector<Use> uses_;
    VariableRegistry defined_;
};

}  // namespace strata::config::detail
