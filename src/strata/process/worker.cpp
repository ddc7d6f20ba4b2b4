#include "strata/process/worker.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "strata/base/log.h"

namespace strata::process {

WorkerSignals::WorkerSignals(net::EventLoop& loop, const SignalMap& signals, Handlers handlers,
                             LogLine signal_line)
    : loop_(loop),
      signals_(signals),
      handlers_(std::move(handlers)),
      signal_line_(std::move(signal_line)) {
    sigset_t set = take_over_signals();
    fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::system_category(), "signalfd()");
    loop_.add(fd_, EPOLLIN, this);
}

// The map's signals, and SIGABRT when there is a handler for it. Without one, SIGABRT
// is unblocked in this thread: if the master blocked it at the fork, a SIGABRT sent to
// the process is delivered here and takes its default action.
sigset_t WorkerSignals::take_over_signals() const {
    sigset_t set = signals_.signals();
    sigset_t abort_only;
    sigemptyset(&abort_only);
    sigaddset(&abort_only, SIGABRT);
    if (handlers_.abort) {
        sigaddset(&set, SIGABRT);
    } else {
        unblock_signals(abort_only);
    }
    block_signals(set);
    return set;
}

WorkerSignals::~WorkerSignals() {
    loop_.remove(fd_);
    ::close(fd_);
}

void WorkerSignals::on_io(uint32_t /*events*/) {
    signalfd_siginfo info{};
    for (;;) {
        ssize_t n = ::read(fd_, &info, sizeof info);
        if (n < 0 && errno == EINTR) continue;
        if (n != static_cast<ssize_t>(sizeof info)) return;
        dispatch(static_cast<int>(info.ssi_signo));
    }
}

void WorkerSignals::dispatch(int signo) {
    Command command = signals_.command_for(signo);
    bool abort = signo == SIGABRT && command == Command::none;
    say_signal(signal_line_, signo, abort ? std::string_view("abort") : command_name(command));
    if (abort) {
        if (handlers_.abort) handlers_.abort();
        return;
    }
    const std::function<void()>* handler = handler_for(command);
    if (handler == nullptr) return;  // reload and worker counts are the master's business
    if (*handler) {
        (*handler)();
    } else if (command != Command::reopen_logs) {
        loop_.stop();
    }
}

const std::function<void()>* WorkerSignals::handler_for(Command command) const {
    switch (command) {
        case Command::graceful_stop:
            return &handlers_.graceful_stop;
        case Command::fast_stop:
            return &handlers_.fast_stop;
        case Command::reopen_logs:
            return &handlers_.reopen_logs;
        default:
            return nullptr;
    }
}

}  // namespace strata::process
