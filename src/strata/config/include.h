// The file side of `include`: where a name points, which files a pattern matches,
// and reading a file — with nginx's error wording. The only I/O of the config layer.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"

namespace strata::config {

// `name` as is when absolute, else under `conf_prefix` (the main file's directory
// unless told otherwise, as nginx's conf prefix).
std::string resolve_include_path(std::string_view name, std::string_view conf_prefix);

// The directory part of `path` with its trailing slash ("conf/" for "conf/nginx.conf"),
// or "" for a bare file name.
std::string directory_of(std::string_view path);

bool is_glob_pattern(std::string_view path);

// A plain path names one file (whether or not it exists: reading it tells). A pattern
// expands to its matches in sorted order, none being fine.
// Error: glob() "pattern" failed (…).
Result<std::vector<std::string>, std::string> expand_include(const std::string& path);

// The whole file. Error: open() "path" failed (2: No such file or directory).
Result<std::string, std::string> read_config_file(const std::string& path);

}  // namespace strata::config
