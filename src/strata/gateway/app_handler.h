// Serves an App over HTTP: the connection's loop thread copies each request into a Job
// and queues it; app threads run the app and hand the response back as messages, which
// the loop thread writes. The loop thread never runs app code (nor takes the Python
// lock), so a slow client never holds an app thread, and a slow app never stalls other
// connections.
#pragma once

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <thread>
#include <vector>

#include "strata/gateway/access_log.h"
#include "strata/gateway/app.h"
#include "strata/gateway/detail/job.h"
#include "strata/gateway/detail/job_queue.h"
#include "strata/gateway/request_builder.h"
#include "strata/net/event_loop.h"
#include "strata/net/http_exchange.h"

namespace strata::gateway {

struct AppHandlerOptions {
    unsigned threads = 1;
    RequestSettings request;
    // Bytes of one response that may be on their way to a slow client before the app's
    // next write blocks.
    uint64_t stream_window = 1024 * 1024;
    // Once a response is over (status 0 when nothing was sent): the access log's record.
    std::function<void(const AccessRecord&)> on_complete;  // loop thread
    // The app threads' nice value; none: the worker's.
    std::optional<int> thread_priority;
};

// Lowers the calling thread to SCHED_BATCH (see app_handler.cpp).
void run_as_batch_thread();

class AppHandler final : public net::HttpHandler, private detail::JobChannel {
  public:
    AppHandler(net::EventLoop& loop, App& app, AppHandlerOptions options);
    // Stops the app threads (they finish the job in hand first).
    ~AppHandler() override;
    AppHandler(const AppHandler&) = delete;
    AppHandler& operator=(const AppHandler&) = delete;

    void handle(net::Exchange& exchange) override;

    // Requests answered so far (gunicorn's max_requests counts these).
    uint64_t completed() const { return completed_; }
    // How long the longest-running app call has been going on (gunicorn's timeout
    // watches this); zero when every app thread is idle.
    std::chrono::milliseconds longest_busy() const;
    // Jobs queued or running.
    size_t in_flight() const { return jobs_; }

  private:
    // JobChannel, on app threads.
    void post(detail::Message message) override;
    void wait_for_window(detail::Job& job) override;
    void window_changed() override;

    void run_thread(size_t index);
    void deliver();  // loop thread: applies every posted message
    void apply(detail::Message& message);
    void finish(detail::Job& job, int status, bool error_path = false);

    net::EventLoop& loop_;
    App& app_;
    AppHandlerOptions options_;
    detail::JobQueue queue_;
    std::vector<std::thread> threads_;
    // Monotonic ms when each thread's current job started; 0 when idle.
    std::unique_ptr<std::atomic<uint64_t>[]> busy_since_;

    std::mutex outbox_mutex_;
    std::vector<detail::Message> outbox_;
    std::vector<detail::Message> delivering_;  // loop thread's swap partner

    std::mutex window_mutex_;
    std::condition_variable window_changed_;
    std::atomic<int> window_waiters_{0};

    uint64_t completed_ = 0;
    size_t jobs_ = 0;
};

}  // namespace strata::gateway
