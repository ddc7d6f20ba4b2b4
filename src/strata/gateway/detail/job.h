// One request on its way through an app: made on the loop thread, run on an app
// thread, answered back on the loop thread through messages.
#pragma once

#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <optional>
#include <string>

#include "strata/gateway/request.h"
#include "strata/gateway/response_start.h"
#include "strata/net/http_exchange.h"

namespace strata::gateway::detail {

struct Job;

// What an app thread tells the loop thread about a job's response.
struct Message {
    enum class Kind : uint8_t {
        respond,  // the whole response: job->start and `bytes`
        begin,    // the head (job->start), then `bytes` if any
        bytes,    // more body
        file,     // `length` bytes of `fd` from `offset`
        end,      // the body is over; `complete` false when short of Content-Length
        fail,     // the app failed before its head went out: 500
        drop,     // the client left before the app ran: nothing to send
    };
    Kind kind = Kind::end;
    Job* job = nullptr;
    std::string bytes;
    int fd = -1;
    off_t offset = 0;
    uint64_t length = 0;
    bool complete = true;
};

// Lets a job's app thread hand messages over and wait for a slow client.
class JobChannel {
  public:
    virtual void post(Message message) = 0;
    // Blocks while more than the window of the job's bytes is on its way to the client
    // (or until the client is gone).
    virtual void wait_for_window(Job& job) = 0;
    // Loop thread: a job's window moved (bytes left, or the client went away).
    virtual void window_changed() = 0;

  protected:
    ~JobChannel() = default;
};

struct Job final : net::ExchangeObserver {
    Job(net::Exchange& ex, JobChannel& ch) : exchange(&ex), channel(ch) {}

    void on_output_sent() override;
    void on_client_gone() override;
    // Loop thread: how many posted bytes have left for the client, told to the app thread.
    void update_written();

    net::Exchange* exchange;  // loop thread only
    JobChannel& channel;
    Request request;
    std::chrono::system_clock::time_point arrived = std::chrono::system_clock::now();
    std::chrono::steady_clock::time_point started = std::chrono::steady_clock::now();

    // Written by the app thread before it posts respond/begin; read by the loop after.
    std::optional<ResponseStart> start;

    // Shared between the two threads.
    std::atomic<bool> client_gone{false};
    std::atomic<uint64_t> written{0};  // body bytes that left for the client (or were dropped)

    // App thread only.
    uint64_t posted = 0;

    // Loop thread only.
    uint64_t handed_over = 0;  // body bytes given to the exchange
    bool streaming = false;
};

}  // namespace strata::gateway::detail
