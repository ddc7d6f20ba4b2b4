#include "strata/process/worker.h"

#include <sys/epoll.h>
#include <sys/signalfd.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <system_error>

#include "strata/base/log.h"

namespace strata::process {

WorkerSignals::WorkerSignals(net::EventLoop& loop, const SignalMap& signals, Handlers handlers)
    : loop_(loop), signals_(signals), handlers_(std::move(handlers)) {
    sigset_t set = signals_.signals();
    block_signals(set);
    fd_ = ::signalfd(-1, &set, SFD_NONBLOCK | SFD_CLOEXEC);
    if (fd_ < 0) throw std::system_error(errno, std::system_category(), "signalfd()");
    loop_.add(fd_, EPOLLIN, this);
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
    log::notice("signal {} ({}) received, {}", signo, signal_name(signo), command_name(command));
    const std::function<void()>* handler = nullptr;
    switch (command) {
        case Command::graceful_stop:
            handler = &handlers_.graceful_stop;
            break;
        case Command::fast_stop:
            handler = &handlers_.fast_stop;
            break;
        case Command::reopen_logs:
            handler = &handlers_.reopen_logs;
            break;
        default:
            return;  // reload and worker counts are the master's business
    }
    if (*handler) {
        (*handler)();
    } else if (command != Command::reopen_logs) {
        loop_.stop();
    }
}

}  // namespace strata::process
