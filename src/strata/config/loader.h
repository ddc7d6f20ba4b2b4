// The configuration as `strata -c file` loads it: the main file read, every
// `include` spliced in where it stands (globs sorted, relative names under the conf
// prefix), every directive checked against the registry where it stands, and every
// variable in a value checked by name. The first error stops it, in nginx's words at
// the file:line nginx would name.
#pragma once

#include <string>
#include <vector>

#include "strata/base/result.h"
#include "strata/config/directive.h"
#include "strata/config/schema.h"
#include "strata/config/variables.h"

namespace strata::config {

// Includes nested deeper than this are refused: the sign of an include loop.
inline constexpr int kMaxIncludeDepth = 32;

struct LoadOptions {
    // Where relative `include` names resolve; empty: the directory of the main file
    // (nginx's conf prefix when -c is given).
    std::string conf_prefix;
    const DirectiveRegistry* directives = nullptr;  // null: core_registry()
    const VariableRegistry* variables = nullptr;    // null: nginx_variables()
    int max_include_depth = kMaxIncludeDepth;
    // nginx's -g: main-context directives read before the file, named "command line"
    // in errors; blocks are not allowed there.
    std::string global_directives;
};

struct SourceFile {
    std::string path;  // as opened (named in errors and SourceLocations)
    std::string text;
};

struct LoadedConfig {
    std::vector<Directive> directives;  // the main context; no `include` left
    std::vector<SourceFile> files;      // every file read, in reading order
};

Result<LoadedConfig, ConfigError> load_config(const std::string& path,
                                              const LoadOptions& options = {});

// What `nginx -T` prints after the test: each file read, headed
// "# configuration file <path>:", its text as it is.
std::string dump(const LoadedConfig& config);

}  // namespace strata::config
