#include "strata/config/include.h"

#include <fcntl.h>
#include <glob.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace strata::config {
namespace {

std::string system_error(std::string_view call, const std::string& path, int error) {
    return std::string(call) + "() \"" + path + "\" failed (" + std::to_string(error) + ": " +
           std::strerror(error) + ")";
}

// Closes the descriptor however reading ends.
class FileDescriptor {
  public:
    explicit FileDescriptor(int fd) : fd_(fd) {}
    ~FileDescriptor() {
        if (fd_ >= 0) ::close(fd_);
    }
    FileDescriptor(const FileDescriptor&) = delete;
    FileDescriptor& operator=(const FileDescriptor&) = delete;
    int get() const { return fd_; }

  private:
    int fd_;
};

}  // namespace

std::string resolve_include_path(std::string_view name, std::string_view conf_prefix) {
    if (name.starts_with('/') || conf_prefix.empty()) return std::string(name);
    std::string path(conf_prefix);
    if (!path.ends_with('/')) path += '/';
    return path + std::string(name);
}

std::string directory_of(std::string_view path) {
    const auto slash = path.rfind('/');
    if (slash == std::string_view::npos) return "";
    return std::string(path.substr(0, slash + 1));
}

bool is_glob_pattern(std::string_view path) {
    return path.find_first_of("*?[") != std::string_view::npos;
}

Result<std::vector<std::string>, std::string> expand_include(const std::string& path) {
    if (!is_glob_pattern(path)) return std::vector<std::string>{path};
    glob_t matches{};
    const int rc = ::glob(path.c_str(), 0, nullptr, &matches);
    std::vector<std::string> files;
    if (rc == 0) files.assign(matches.gl_pathv, matches.gl_pathv + matches.gl_pathc);
    ::globfree(&matches);
    if (rc == 0 || rc == GLOB_NOMATCH) return files;
    return Err{system_error("glob", path, rc == GLOB_NOSPACE ? ENOMEM : EIO)};
}

Result<std::string, std::string> read_config_file(const std::string& path) {
    FileDescriptor fd(::open(path.c_str(), O_RDONLY | O_CLOEXEC));
    if (fd.get() < 0) return Err{system_error("open", path, errno)};
    std::string text;
    char buffer[16384];
    for (;;) {
        const ssize_t got =
            ::pread(fd.get(), buffer, sizeof buffer, static_cast<off_t>(text.size()));
        if (got < 0 && errno == EINTR) continue;
        if (got < 0) return Err{system_error("pread", path, errno)};
        if (got == 0) return text;
        text.append(buffer, static_cast<std::size_t>(got));
    }
}

}  // namespace strata::config
