// nginx's `disable_symlinks off | on | if_not_owner [from=part]`: the setting, and
// opening a path under it. The path is walked one component at a time with openat(),
// each relative to the directory opened before it, so what is checked is what is
// opened: a symlink swapped in between a check and the open cannot slip through.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"

namespace strata::web {

enum class SymlinkRule : uint8_t {
    follow,               // off: symlinks are followed (nginx's default)
    refuse,               // on: any symlink on the path fails the open
    refuse_if_not_owner,  // if_not_owner: a symlink whose target has another owner fails
};

struct DisableSymlinks {
    SymlinkRule rule = SymlinkRule::follow;
    // from=: the leading part of the path not checked (may hold variables); empty: none.
    std::string from;
};

// The directive's arguments, with nginx's messages for what it rejects.
Result<DisableSymlinks, std::string> parse_disable_symlinks(const std::vector<std::string>& args);

// How one lookup checks its path: the rule, and how many leading bytes of the path
// are opened as they are (symlinks followed) before the checked walk starts.
struct SymlinkCheck {
    SymlinkRule rule = SymlinkRule::follow;
    size_t unchecked_prefix = 0;
};

// nginx's use of `from`: the part is skipped when the path starts with it and goes on
// with a "/" after it (or `from` ends in "/"); a path equal to it is not checked at all;
// otherwise the whole path is.
SymlinkCheck symlink_check_for(SymlinkRule rule, std::string_view path, std::string_view from);

// Opens `path` with `flags` (O_RDONLY…) under `check`: a descriptor, or -1 with errno
// set. A refused symlink as the last component fails with ELOOP, one before it (taken as
// a directory) with ENOTDIR, as nginx's openat() walk does; if_not_owner fails with
// ELOOP.
int open_checking_symlinks(const std::string& path, const SymlinkCheck& check, int flags);

}  // namespace strata::web
