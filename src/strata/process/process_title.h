// What `ps` shows for this process: its command line (/proc/PID/cmdline) and its name
// (/proc/PID/comm, what pgrep and top match).
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace strata::process {

// Overwrites the command line in place with `args` (cut to the space the original one
// had), and sets the name (cut to 15 bytes, the kernel's limit). False when the command
// line's place is unknown (/proc/self/stat unreadable).
bool set_process_title(const std::vector<std::string>& args, std::string_view name);

}  // namespace strata::process
