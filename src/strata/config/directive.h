// The configuration as nginx's grammar gives it: directives with arguments and
// optional blocks, each remembering the file and line it came from.
#pragma once

#include <memory>
#include <string>
#include <vector>

namespace strata::config {

struct SourceLocation {
    std::string file;  // as the user named it (absolute or relative to the prefix)
    int line = 0;
};

struct Directive {
    std::string name;
    // Arguments after quote and escape processing. `$variables` stay as text; quoted
    // tells them apart from bare words where nginx does (`if`, `set`, `return`).
    std::vector<std::string> args;
    std::vector<bool> quoted;  // one per argument
    SourceLocation where;
    bool has_block = false;
    std::vector<Directive> block;  // children, when has_block
    // The line of the block's closing "}" (same file), when has_block: nginx names it
    // for errors found once a block is read (`no servers are inside upstream`).
    int end_line = 0;
};

// "file:line: message", the form every configuration error takes.
struct ConfigError {
    SourceLocation where;
    std::string message;  // nginx's wording: unknown directive "lisen", …
    std::string to_string() const;
};

}  // namespace strata::config
