#include "strata/process/daemon.h"

#include <fcntl.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <string_view>

#include <fmt/core.h>

namespace strata::process {
namespace {

std::string system_error(std::string_view call, int error) {
    return fmt::format("{} failed ({}: {})", call, error, strerrordesc_np(error));
}

Result<bool, std::string> redirect_stdio_to_null() {
    int fd = ::open("/dev/null", O_RDWR);
    if (fd < 0) return Err(system_error("open(\"/dev/null\")", errno));
    for (int target : {STDIN_FILENO, STDOUT_FILENO, STDERR_FILENO}) {
        if (::dup2(fd, target) < 0) {
            int error = errno;
            ::close(fd);
            return Err(system_error("dup2(\"/dev/null\")", error));
        }
    }
    if (fd > STDERR_FILENO) ::close(fd);
    return true;
}

}  // namespace

Result<bool, std::string> daemonize() {
    // Buffered output would otherwise be written twice, once by each process.
    std::fflush(nullptr);
    pid_t pid = ::fork();
    if (pid < 0) return Err(system_error("fork()", errno));
    // The parent leaves without running destructors or atexit handlers: they belong to
    // the process that carries on.
    if (pid > 0) ::_exit(0);
    if (::setsid() < 0) return Err(system_error("setsid()", errno));
    ::umask(0022);
    return redirect_stdio_to_null();
}

Result<bool, std::string> set_open_files_limit(uint64_t limit) {
    rlimit value{};
    value.rlim_cur = static_cast<rlim_t>(limit);
    value.rlim_max = static_cast<rlim_t>(limit);
    if (::setrlimit(RLIMIT_NOFILE, &value) != 0) {
        return Err(system_error(fmt::format("setrlimit(RLIMIT_NOFILE, {})", limit), errno));
    }
    return true;
}

}  // namespace strata::process
