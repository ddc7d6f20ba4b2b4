// What a forked worker gets from the master, and how it hears the master's signals.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <vector>

#include "strata/net/event_loop.h"
#include "strata/process/heartbeat.h"
#include "strata/process/messages.h"
#include "strata/process/signals.h"

namespace strata::process {

struct WorkerContext {
    std::vector<int> listen_fds;  // in the order of Generation::listen; shared, not owned
    unsigned slot = 0;            // 0 .. worker count - 1, unique among a generation's workers
    uint64_t generation = 0;      // 1 for the first configuration, one more per reload
    const SignalMap* signals = nullptr;
    // Set when the master watches for hung workers (MasterOptions::worker_timeout): beat
    // it at least every beat_interval(worker_timeout), or be aborted. SIGABRT is then
    // blocked from the fork on, so only WorkerSignals decides what it does.
    WorkerHeartbeat* heartbeat = nullptr;
    std::chrono::milliseconds worker_timeout{0};
    const MasterMessages* messages = nullptr;  // the master's words; null: nginx's
};

// Delivers the worker's signals as calls on its event-loop thread. The signals stay
// blocked from the master onwards and are read from a signalfd, so none is lost between
// fork() and here, and no code runs in a signal handler. Create it before the worker
// starts any thread (threads inherit the blocked mask, which signalfd needs).
class WorkerSignals final : public net::IoHandler {
  public:
    struct Handlers {
        std::function<void()> graceful_stop;  // default: loop.stop()
        std::function<void()> fast_stop;      // default: loop.stop()
        std::function<void()> reopen_logs;    // default: nothing
        // SIGABRT, the master's "you timed out" (gunicorn's worker_abort). Without it
        // SIGABRT keeps its default action: the process dies at once.
        std::function<void()> abort;
    };

    // `signal_line` is what a signal logs (MasterMessages::worker_signal).
    WorkerSignals(net::EventLoop& loop, const SignalMap& signals, Handlers handlers,
                  LogLine signal_line = nginx_messages().worker_signal);
    ~WorkerSignals();
    WorkerSignals(const WorkerSignals&) = delete;
    WorkerSignals& operator=(const WorkerSignals&) = delete;

    void on_io(uint32_t events) override;

  private:
    sigset_t take_over_signals() const;
    void dispatch(int signo);
    const std::function<void()>* handler_for(Command command) const;

    net::EventLoop& loop_;
    const SignalMap& signals_;
    Handlers handlers_;
    LogLine signal_line_;
    int fd_ = -1;
};

}  // namespace strata::process
