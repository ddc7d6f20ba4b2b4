// Jobs waiting for an app thread. The waiting hooks let a thread that holds an
// interpreter lock give it up while it has nothing to do.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>

#include "strata/gateway/detail/job.h"

namespace strata::gateway::detail {

class JobQueue {
  public:
    void push(Job* job);
    // The next job; nullptr once closed and empty. `before_wait`/`after_wait` run around
    // a wait, outside the queue's lock.
    Job* pop(const std::function<void()>& before_wait, const std::function<void()>& after_wait);
    // No more jobs will come: idle threads return from pop().
    void close();

  private:
    std::mutex mutex_;
    std::condition_variable ready_;
    std::deque<Job*> jobs_;
    size_t waiting_ = 0;
    bool closed_ = false;
};

}  // namespace strata::gateway::detail
