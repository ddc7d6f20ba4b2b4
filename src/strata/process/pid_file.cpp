#include "strata/process/pid_file.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>
#include <cstring>
#include <string_view>

#include <fmt/core.h>

namespace strata::process {
namespace {

// Enough for any pid and a line end; nginx reads the same amount.
constexpr size_t kMaxPidText = 24;

std::string system_error(std::string_view call, int error) {
    return fmt::format("{} failed ({}: {})", call, error, strerrordesc_np(error));
}

bool parse_pid(std::string_view text, pid_t& pid) {
    if (text.empty() || text.size() > 10) return false;
    long long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return false;
        value = value * 10 + (c - '0');
    }
    if (value <= 0 || value > INT32_MAX) return false;
    pid = static_cast<pid_t>(value);
    return true;
}

std::string_view trim_line_end(std::string_view text) {
    while (!text.empty() && (text.back() == '\n' || text.back() == '\r'))
        text.remove_suffix(1);
    return text;
}

int signal_for_command(const std::string& command) {
    if (command == "stop") return SIGTERM;
    if (command == "quit") return SIGQUIT;
    if (command == "reopen") return SIGUSR1;
    if (command == "reload") return SIGHUP;
    return 0;
}

bool write_all(int fd, std::string_view text) {
    while (!text.empty()) {
        ssize_t n = ::write(fd, text.data(), text.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        text.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

}  // namespace

Result<bool, std::string> write_pid_file(const std::string& path, pid_t pid) {
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return Err(system_error(fmt::format("open() \"{}\"", path), errno));
    std::string text = fmt::format("{}\n", pid);
    bool written = write_all(fd, text);
    int error = errno;
    ::close(fd);
    if (!written) return Err(system_error(fmt::format("write() to \"{}\"", path), error));
    return true;
}

void remove_pid_file(const std::string& path, pid_t pid) {
    auto current = read_pid_file(path);
    if (current && current.value() == pid) ::unlink(path.c_str());
}

Result<pid_t, std::string> read_pid_file(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Err(system_error(fmt::format("open() \"{}\"", path), errno));
    char buffer[kMaxPidText];
    ssize_t n;
    do {
        n = ::read(fd, buffer, sizeof buffer);
    } while (n < 0 && errno == EINTR);
    int error = errno;
    ::close(fd);
    if (n < 0) return Err(system_error(fmt::format("read() \"{}\"", path), error));
    std::string_view text = trim_line_end({buffer, static_cast<size_t>(n)});
    pid_t pid = 0;
    if (!parse_pid(text, pid)) {
        return Err(fmt::format("invalid PID number \"{}\" in \"{}\"", text, path));
    }
    return pid;
}

Result<pid_t, std::string> send_signal_to_master(const std::string& pid_file,
                                                 const std::string& command) {
    int signo = signal_for_command(command);
    if (signo == 0) return Err(fmt::format("invalid option: \"-s {}\"", command));
    auto pid = read_pid_file(pid_file);
    if (!pid) return pid;
    if (::kill(pid.value(), signo) != 0) {
        return Err(system_error(fmt::format("kill({}, {})", pid.value(), signo), errno));
    }
    return pid;
}

}  // namespace strata::process
