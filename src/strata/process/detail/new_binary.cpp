#include "strata/process/detail/new_binary.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <exception>
#include <fstream>
#include <iterator>

#include <fmt/core.h>

#include "strata/process/binary_upgrade.h"
#include "strata/process/detail/worker_exit.h"

namespace strata::process::detail {
namespace {

// The command line exactly as this process was started, NUL-separated by the kernel.
// Read from /proc rather than passed down, so every front end gets the same without
// plumbing argv through.
std::vector<std::string> own_command_line() {
    std::ifstream in("/proc/self/cmdline", std::ios::binary);
    std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    // A process title set in place (strata wsgi's) pads the old command line's space
    // with NULs: they are not arguments.
    text.erase(text.find_last_not_of('\0') + 1);
    std::vector<std::string> argv;
    size_t start = 0;
    while (start < text.size()) {
        size_t end = text.find('\0', start);
        if (end == std::string::npos) end = text.size();
        argv.push_back(text.substr(start, end - start));
        start = end + 1;
    }
    return argv;
}

std::string current_directory() {
    char buffer[PATH_MAX];
    return ::getcwd(buffer, sizeof buffer) != nullptr ? std::string(buffer) : std::string();
}

std::string system_error(std::string_view call, int error) {
    return fmt::format("{} failed ({}: {})", call, error, strerrordesc_np(error));
}

struct ExecRequest {
    const std::vector<std::string>& argv;
    const std::string& cwd;
    const std::vector<int>& listen_fds;
    pid_t old_master;
    const MasterOptions& options;
};

// The sockets stay open across the exec and are named in the environment; the child
// starts where the old master started. The error text is empty on success.
std::string hand_over(const ExecRequest& request) {
    for (int fd : request.listen_fds) {
        if (::fcntl(fd, F_SETFD, 0) != 0) return system_error(fmt::format("fcntl({})", fd), errno);
    }
    const UpgradeStyle& style = request.options.upgrade;
    std::string name(style.hand_over.variable);
    ::setenv(name.c_str(), encode_listen_fds(request.listen_fds, style.hand_over).c_str(), 1);
    if (!style.old_master_pid_variable.empty()) {
        std::string pid_name(style.old_master_pid_variable);
        ::setenv(pid_name.c_str(), std::to_string(request.old_master).c_str(), 1);
    }
    if (!request.cwd.empty() && ::chdir(request.cwd.c_str()) != 0)
        return system_error(fmt::format("chdir(\"{}\")", request.cwd), errno);
    if (request.argv.empty()) return "the command line is unknown";
    return {};
}

std::string run_pre_exec(const MasterOptions& options) {
    if (!options.pre_exec) return {};
    try {
        return options.pre_exec() ? std::string() : "the pre_exec hook failed";
    } catch (const std::exception& e) {
        return fmt::format("the pre_exec hook failed: {}", e.what());
    }
}

// Returns only when execvp() failed.
std::string exec(const std::vector<std::string>& command) {
    std::vector<char*> argv;
    for (const std::string& arg : command)
        argv.push_back(const_cast<char*>(arg.c_str()));
    argv.push_back(nullptr);
    ::execvp(argv[0], argv.data());
    return system_error("execvp()", errno);
}

// The child's whole life: it becomes the new binary or exits 1, never returning into
// the master's code (whose destructors would remove the unix socket files both masters
// serve on).
[[noreturn]] void exec_new_binary(const ExecRequest& request) {
    std::string error = hand_over(request);
    if (error.empty()) error = run_pre_exec(request.options);
    if (error.empty()) error = exec(request.argv);
    std::string program = request.argv.empty() ? std::string() : request.argv.front();
    say(request.options.messages.upgrade_failed,
        fmt::arg("error",
                 fmt::format("{} while executing new binary process \"{}\"", error, program)));
    std::fflush(nullptr);
    ::_exit(1);
}

}  // namespace

NewBinary::NewBinary(const MasterOptions& options)
    : options_(options),
      pid_file_(options.pid_file),
      argv_(own_command_line()),
      cwd_(current_directory()) {}

bool NewBinary::moves_pid_file() const {
    return !pid_file_.empty() && !options_.upgrade.new_master_waits_for_pid_file;
}

bool NewBinary::move_pid_file(const std::string& from, const std::string& to,
                              std::string_view when) {
    if (!moves_pid_file() || ::rename(from.c_str(), to.c_str()) == 0) return true;
    std::string program = argv_.empty() ? std::string() : argv_.front();
    std::string call = fmt::format("rename() \"{}\" to \"{}\"", from, to);
    say(options_.messages.upgrade_failed,
        fmt::arg("error", fmt::format("{} {} \"{}\"", system_error(call, errno), when, program)));
    return false;
}

bool NewBinary::start(const std::vector<int>& listen_fds) {
    std::string oldbin = oldbin_path(pid_file_);
    if (!move_pid_file(pid_file_, oldbin, "before executing new binary process")) return false;
    std::fflush(nullptr);  // or the child would write the master's buffered output again
    pid_t master = ::getpid();
    if (options_.before_new_binary_fork) options_.before_new_binary_fork();
    pid_t pid = ::fork();
    if (pid == 0) exec_new_binary({argv_, cwd_, listen_fds, master, options_});
    int fork_error = errno;
    if (options_.after_new_binary_fork_in_parent) options_.after_new_binary_fork_in_parent();
    if (pid < 0) {
        say(options_.messages.upgrade_failed,
            fmt::arg("error", system_error("fork() of the new binary process", fork_error)));
        move_pid_file(oldbin, pid_file_, "after an attempt to execute new binary process");
        return false;
    }
    pid_ = pid;
    say(options_.messages.new_binary_started, fmt::arg("pid", pid));
    return true;
}

void NewBinary::on_exit(int wait_status) {
    say(options_.messages.new_binary_exited, fmt::arg("pid", pid_),
        fmt::arg("how", describe_exit(wait_status)));
    pid_ = 0;
    if (!moves_pid_file()) return;
    // The new master removed its own pid file on the way out (or never wrote one).
    if (move_pid_file(oldbin_path(pid_file_), pid_file_,
                      "after the new binary process exited, for")) {
        say(options_.messages.pid_file_restored, fmt::arg("path", pid_file_));
    }
}

std::string NewBinary::pid_file_in_use() const {
    if (!moves_pid_file()) return pid_file_;
    return running() ? oldbin_path(pid_file_) : pid_file_;
}

}  // namespace strata::process::detail
