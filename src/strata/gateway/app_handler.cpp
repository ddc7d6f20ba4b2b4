#include "strata/gateway/app_handler.h"

#include <sched.h>
#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "strata/base/log.h"
#include "strata/gateway/detail/responder.h"

namespace strata::gateway {
namespace {

uint64_t steady_ms() {
    return static_cast<uint64_t>(std::chrono::duration_cast<std::chrono::milliseconds>(
                                     std::chrono::steady_clock::now().time_since_epoch())
                                     .count());
}

// The app's head as the connection writes it; views into `start`.
net::ResponseHead response_head(const ResponseStart& start) {
    net::ResponseHead head;
    head.status = start.status;
    head.status_text = start.status_text;
    head.server = start.server;
    head.chunked = start.content_length < 0;
    head.headers.reserve(start.headers.size());
    for (const ResponseHeader& h : start.headers)
        head.headers.push_back({h.name, h.value});
    return head;
}

}  // namespace

// SCHED_BATCH: waking this thread does not preempt the thread that woke it. When the
// event-loop thread and an app thread share a core, each hand-over would otherwise
// switch threads at once, one request at a time; this way each runs through its batch.
void run_as_batch_thread() {
    sched_param param{};
    if (::sched_setscheduler(0, SCHED_BATCH, &param) != 0)
        log::info("sched_setscheduler(SCHED_BATCH) failed ({}: {})", errno, std::strerror(errno));
}

// Linux keeps a nice value per thread: setpriority() on the thread's id sets this one's.
void set_thread_priority(int nice) {
    auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    if (::setpriority(PRIO_PROCESS, tid, nice) != 0)
        log::info("setpriority({}) failed ({}: {})", nice, errno, std::strerror(errno));
}

void detail::Job::on_output_sent() {
    update_written();
    channel.window_changed();
}

void detail::Job::on_client_gone() {
    client_gone.store(true);
    channel.window_changed();
}

void detail::Job::update_written() {
    uint64_t unsent = exchange->unsent_bytes();
    written.store(handed_over > unsent ? handed_over - unsent : 0);
}

AppHandler::AppHandler(net::EventLoop& loop, App& app, AppHandlerOptions options)
    : loop_(loop), app_(app), options_(std::move(options)) {
    size_t count = std::max(1u, options_.threads);
    busy_since_ = std::make_unique<std::atomic<uint64_t>[]>(count);
    for (size_t i = 0; i < count; ++i)
        busy_since_[i].store(0);
    threads_.reserve(count);
    for (size_t i = 0; i < count; ++i)
        threads_.emplace_back([this, i] { run_thread(i); });
}

AppHandler::~AppHandler() {
    queue_.close();
    for (std::thread& t : threads_)
        t.join();
}

void AppHandler::handle(net::Exchange& exchange) {
    auto* job = new detail::Job(exchange, *this);
    build_request(exchange, options_.request, job->request);
    exchange.set_observer(job);
    ++jobs_;
    queue_.push(job);
}

std::chrono::milliseconds AppHandler::longest_busy() const {
    uint64_t now = steady_ms();
    uint64_t longest = 0;
    for (size_t i = 0; i < threads_.size(); ++i) {
        uint64_t since = busy_since_[i].load(std::memory_order_relaxed);
        if (since != 0 && now > since) longest = std::max(longest, now - since);
    }
    return std::chrono::milliseconds(longest);
}

void AppHandler::run_thread(size_t index) {
    run_as_batch_thread();
    if (options_.thread_priority) set_thread_priority(*options_.thread_priority);
    app_.attach_thread();
    auto before = [this] { app_.before_wait(); };
    auto after = [this] { app_.after_wait(); };
    while (detail::Job* job = queue_.pop(before, after)) {
        busy_since_[index].store(steady_ms(), std::memory_order_relaxed);
        detail::run_job(app_, *job);
        busy_since_[index].store(0, std::memory_order_relaxed);
    }
    app_.detach_thread();
}

// App thread. One wakeup per batch: a non-empty outbox already has one on its way.
void AppHandler::post(detail::Message message) {
    bool first = false;
    {
        std::lock_guard lock(outbox_mutex_);
        first = outbox_.empty();
        outbox_.push_back(std::move(message));
    }
    if (first) loop_.post([this] { deliver(); });
}

void AppHandler::wait_for_window(detail::Job& job) {
    auto open = [&] {
        return job.client_gone.load() || job.posted - job.written.load() <= options_.stream_window;
    };
    if (open()) return;
    app_.before_wait();
    {
        std::unique_lock lock(window_mutex_);
        window_waiters_.fetch_add(1);
        window_changed_.wait(lock, open);
        window_waiters_.fetch_sub(1);
    }
    app_.after_wait();
}

// Taking the lock orders the change before a waiter's check, so no wakeup is lost.
void AppHandler::window_changed() {
    if (window_waiters_.load() == 0) return;  // seq_cst: pairs with the waiter's increment
    { std::lock_guard lock(window_mutex_); }
    window_changed_.notify_all();
}

void AppHandler::deliver() {
    {
        std::lock_guard lock(outbox_mutex_);
        delivering_.swap(outbox_);
    }
    for (detail::Message& m : delivering_)
        apply(m);
    delivering_.clear();
}

void AppHandler::apply(detail::Message& m) {
    detail::Job& job = *m.job;
    net::Exchange& exchange = *job.exchange;
    switch (m.kind) {
        case detail::Message::Kind::respond: {
            net::ResponseHead head = response_head(*job.start);
            job.handed_over = m.bytes.size();
            exchange.respond(head, m.bytes);
            return finish(job, job.start->status);
        }
        case detail::Message::Kind::begin: {
            net::ResponseHead head = response_head(*job.start);
            job.streaming = true;
            exchange.begin_response(head, job.start->content_length);
            [[fallthrough]];
        }
        case detail::Message::Kind::bytes:
            job.handed_over += m.bytes.size();
            exchange.send_body(m.bytes);
            break;
        case detail::Message::Kind::file:
            job.handed_over += m.length;
            exchange.send_body_file(m.fd, m.offset, m.length);
            break;
        case detail::Message::Kind::end:
            exchange.end_response(m.complete);
            return finish(job, job.start ? job.start->status : 0);
        case detail::Message::Kind::fail:
            exchange.respond_error(500);
            // The app's head (if it gave one) never went out: on_complete must not pair
            // its headers with the server's 500. The app thread is done with the job.
            job.start.reset();
            return finish(job, 500, true);
        case detail::Message::Kind::drop:
            exchange.close_without_response();
            job.start.reset();  // as for fail: nothing of the app's head went out
            return finish(job, 0);
    }
    if (job.client_gone.load()) return;
    job.update_written();
    window_changed();
}

// The exchange is answered (and may be gone): only the job's own data is used now.
void AppHandler::finish(detail::Job& job, int status, bool error_path) {
    ++completed_;
    --jobs_;
    if (options_.on_complete) {
        auto now = std::chrono::steady_clock::now();
        AccessRecord done{
            .request = job.request,
            .status = status,
            .response_headers = job.start ? &job.start->headers : nullptr,
            .body_bytes = job.handed_over,
            .start = job.arrived,
            .duration = std::chrono::duration_cast<std::chrono::microseconds>(now - job.started),
            .error_path = error_path,
        };
        options_.on_complete(done);
    }
    delete &job;
}

}  // namespace strata::gateway
