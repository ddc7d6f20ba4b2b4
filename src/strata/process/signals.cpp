#include "strata/process/signals.h"

#include <string.h>
#include <time.h>

#include <cctype>

namespace strata::process {

std::string_view command_name(Command command) {
    switch (command) {
        case Command::reload:
            return "reload";
        case Command::graceful_stop:
            return "graceful stop";
        case Command::fast_stop:
            return "fast stop";
        case Command::reopen_logs:
            return "reopen logs";
        case Command::add_worker:
            return "add worker";
        case Command::remove_worker:
            return "remove worker";
        case Command::upgrade_binary:
            return "changing binary";  // nginx's words, which its users grep for
        case Command::stop_workers:
            return "stop accepting connections";
        case Command::none:
            break;
    }
    return "none";
}

std::string signal_name(int signo) {
    const char* abbreviation = sigabbrev_np(signo);
    return abbreviation != nullptr ? std::string("SIG") + abbreviation : std::to_string(signo);
}

std::string short_signal_name(int signo) {
    const char* abbreviation = sigabbrev_np(signo);
    if (abbreviation == nullptr) return std::to_string(signo);
    std::string name = abbreviation;
    for (char& c : name)
        c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return name;
}

Command SignalMap::command_for(int signo) const {
    for (const auto& [number, command] : entries_) {
        if (number == signo) return command;
    }
    return Command::none;
}

int SignalMap::signal_for(Command command) const {
    for (const auto& [number, mapped] : entries_) {
        if (mapped == command) return number;
    }
    return 0;
}

sigset_t SignalMap::signals() const {
    sigset_t set;
    sigemptyset(&set);
    for (const auto& entry : entries_)
        sigaddset(&set, entry.first);
    return set;
}

SignalMap nginx_signals() {
    return SignalMap({{SIGHUP, Command::reload},
                      {SIGQUIT, Command::graceful_stop},
                      {SIGTERM, Command::fast_stop},
                      {SIGINT, Command::fast_stop},
                      {SIGUSR1, Command::reopen_logs},
                      {SIGUSR2, Command::upgrade_binary},
                      {SIGWINCH, Command::stop_workers}});
}

SignalMap gunicorn_signals() {
    return SignalMap({{SIGHUP, Command::reload},
                      {SIGTERM, Command::graceful_stop},
                      {SIGQUIT, Command::fast_stop},
                      {SIGINT, Command::fast_stop},
                      {SIGUSR1, Command::reopen_logs},
                      {SIGTTIN, Command::add_worker},
                      {SIGTTOU, Command::remove_worker},
                      {SIGUSR2, Command::upgrade_binary},
                      {SIGWINCH, Command::stop_workers}});
}

void block_signals(const sigset_t& set) {
    sigprocmask(SIG_BLOCK, &set, nullptr);
}

void unblock_signals(const sigset_t& set) {
    sigprocmask(SIG_UNBLOCK, &set, nullptr);
}

int wait_for_signal(const sigset_t& set, std::chrono::milliseconds timeout) {
    timespec limit{};
    if (timeout.count() >= 0) {
        limit.tv_sec = static_cast<time_t>(timeout.count() / 1000);
        limit.tv_nsec = static_cast<long>(timeout.count() % 1000) * 1'000'000;
    }
    int signo =
        timeout.count() >= 0 ? sigtimedwait(&set, nullptr, &limit) : sigwaitinfo(&set, nullptr);
    // -1 is a timeout, or EINTR from a signal outside the set: the caller's loop
    // recomputes its deadlines either way.
    return signo > 0 ? signo : 0;
}

}  // namespace strata::process
