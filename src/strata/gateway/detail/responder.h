// The app-thread side of one job: start_response and write() for the app, and the loop
// that drives the app's body to its end, turning everything into messages for the
// loop thread.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/gateway/app.h"
#include "strata/gateway/detail/job.h"

namespace strata::gateway::detail {

// Calls `app` for `job` and drives its body to the end; closes the body always. Posts
// exactly one final message (respond, end, fail or drop); the job must not be touched
// after that.
void run_job(App& app, Job& job);

class Responder final : public StartResponse {
  public:
    explicit Responder(Job& job) : job_(job) {}

    std::string start(std::string_view status, ResponseHeaders headers, bool replace) override;
    bool write(std::string_view bytes) override;
    std::string_view error() const override { return error_; }

    // Body parts from the app's iterable.
    bool send(std::string_view bytes, bool may_gather);
    bool send_file(int fd, off_t offset, uint64_t length);
    // The final message: what is gathered, or the end of the streamed body.
    void finish();
    // The app failed: a 500 if nothing was sent yet, else the connection is cut.
    void fail(std::string_view why);
    bool started() const { return job_.start.has_value(); }

  private:
    std::string_view clip(std::string_view bytes);
    void send_head();
    void post_bytes(std::string bytes);
    bool client_gone() const { return job_.client_gone.load(); }
    // The response carries no body whatever the app sends (HEAD, 1xx, 204, 304).
    bool bodiless() const;

    Job& job_;
    std::string gathered_;  // body bytes held until the head goes out
    uint64_t body_sent_ = 0;
    bool head_sent_ = false;
    bool clipped_ = false;
    std::string error_;
};

}  // namespace strata::gateway::detail
