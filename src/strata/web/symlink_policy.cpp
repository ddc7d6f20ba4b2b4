#include "strata/web/symlink_policy.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>

namespace strata::web {
namespace {

// A directory opened only to look up names in it.
constexpr int kSearchFlags = O_PATH | O_DIRECTORY | O_CLOEXEC;

int close_keeping_errno(int fd) {
    int saved = errno;
    if (fd >= 0) ::close(fd);
    errno = saved;
    return -1;
}

// if_not_owner: open following a symlink, then compare the owner of what was opened
// with the owner of the name itself. The name may have changed between the two calls,
// so the owners are compared even when it is not a symlink now.
int open_if_same_owner(int at, const char* name, int flags) {
    int fd = ::openat(at, name, flags);
    if (fd < 0) return -1;
    struct stat link {
    }, target{};
    if (::fstatat(at, name, &link, AT_SYMLINK_NOFOLLOW) != 0 || ::fstat(fd, &target) != 0)
        return close_keeping_errno(fd);
    if (link.st_uid == target.st_uid) return fd;
    ::close(fd);
    errno = ELOOP;
    return -1;
}

int open_component(int at, const char* name, int flags, SymlinkRule rule) {
    if (rule == SymlinkRule::refuse_if_not_owner) return open_if_same_owner(at, name, flags);
    return ::openat(at, name, flags | O_NOFOLLOW);
}

// Where the walk starts: the unchecked prefix opened as it is, "/" for an absolute
// path, else the working directory.
int open_start(const std::string& path, size_t prefix, size_t& pos) {
    if (prefix > 0) {
        pos = prefix + 1;
        return ::open(path.substr(0, prefix).c_str(), kSearchFlags);
    }
    if (!path.empty() && path[0] == '/') {
        pos = 1;
        return ::open("/", kSearchFlags);
    }
    pos = 0;
    return AT_FDCWD;
}

}  // namespace

Result<DisableSymlinks, std::string> parse_disable_symlinks(const std::vector<std::string>& args) {
    DisableSymlinks out;
    bool from_given = false;
    for (const std::string& arg : args) {
        if (arg == "off") {
            out.rule = SymlinkRule::follow;
        } else if (arg == "on") {
            out.rule = SymlinkRule::refuse;
        } else if (arg == "if_not_owner") {
            out.rule = SymlinkRule::refuse_if_not_owner;
        } else if (arg.starts_with("from=")) {
            out.from = arg.substr(5);
            from_given = true;
        } else {
            return Err{"invalid parameter \"" + arg + "\""};
        }
    }
    if (from_given && out.rule == SymlinkRule::follow)
        return Err{std::string("\"from=\" cannot be used with \"off\" parameter")};
    return out;
}

SymlinkCheck symlink_check_for(SymlinkRule rule, std::string_view path, std::string_view from) {
    SymlinkCheck check{rule, 0};
    if (rule == SymlinkRule::follow || from.empty() || from.size() > path.size() ||
        !path.starts_with(from))
        return check;
    if (from.size() == path.size()) return {SymlinkRule::follow, 0};
    if (path[from.size()] == '/')
        check.unchecked_prefix = from.size();
    else if (path[from.size() - 1] == '/')
        check.unchecked_prefix = from.size() - 1;
    return check;
}

int open_checking_symlinks(const std::string& path, const SymlinkCheck& check, int flags) {
    if (check.rule == SymlinkRule::follow) return ::open(path.c_str(), flags);
    size_t pos = 0;
    int at = open_start(path, check.unchecked_prefix, pos);
    if (at == -1) return -1;
    std::string name;
    for (;;) {
        size_t slash = path.find('/', pos);
        if (slash == std::string::npos) break;
        if (slash == pos) {  // "//": an empty component
            ++pos;
            continue;
        }
        name.assign(path, pos, slash - pos);
        int next = open_component(at, name.c_str(), kSearchFlags, check.rule);
        if (at != AT_FDCWD) close_keeping_errno(at);
        if (next < 0) return -1;
        at = next;
        pos = slash + 1;
    }
    // A path ending in "/" names the directory just reached: open it again as asked.
    int fd = pos == path.size() ? ::openat(at, ".", flags)
                                : open_component(at, path.c_str() + pos, flags, check.rule);
    if (at != AT_FDCWD) close_keeping_errno(at);
    return fd;
}

}  // namespace strata::web
