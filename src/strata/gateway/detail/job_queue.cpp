#include "strata/gateway/detail/job_queue.h"

namespace strata::gateway::detail {

void JobQueue::push(Job* job) {
    bool wake = false;
    {
        std::lock_guard lock(mutex_);
        jobs_.push_back(job);
        wake = waiting_ > 0;
    }
    if (wake) ready_.notify_one();
}

Job* JobQueue::pop(const std::function<void()>& before_wait,
                   const std::function<void()>& after_wait) {
    std::unique_lock lock(mutex_);
    while (jobs_.empty()) {  // another thread may take the job we woke for
        if (closed_) return nullptr;
        lock.unlock();
        before_wait();
        lock.lock();
        ++waiting_;
        ready_.wait(lock, [this] { return !jobs_.empty() || closed_; });
        --waiting_;
        lock.unlock();
        after_wait();
        lock.lock();
    }
    Job* job = jobs_.front();
    jobs_.pop_front();
    return job;
}

void JobQueue::close() {
    {
        std::lock_guard lock(mutex_);
        closed_ = true;
    }
    ready_.notify_all();
}

}  // namespace strata::gateway::detail
