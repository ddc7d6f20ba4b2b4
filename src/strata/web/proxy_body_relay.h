// The upstream's response body on its way to the client. With proxy_buffering on, what
// the client has not taken yet waits in memory up to proxy_buffers, then in a temporary
// file up to proxy_max_temp_file_size, so the upstream is read at its own pace and
// released as soon as its body is in: a slow client never holds it. With buffering off
// (or both full) the upstream is read only as fast as the client takes the bytes.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/net/http_exchange.h"

namespace strata::web {

struct RelayLimits {
    uint64_t memory = 0;  // unsent bytes the client's output may hold before spilling
    uint64_t file = 0;    // bytes the temporary file may take; 0: none
    std::string temp_dir;
};

class ProxyBodyRelay {
  public:
    ProxyBodyRelay(net::Exchange& out, RelayLimits limits)
        : out_(out), limits_(std::move(limits)) {}
    ~ProxyBodyRelay();
    ProxyBodyRelay(const ProxyBodyRelay&) = delete;
    ProxyBodyRelay& operator=(const ProxyBodyRelay&) = delete;

    // Whether there is room for more of the upstream's body now.
    bool wants_more() const;
    // Passes body bytes on, to the client's output or the temporary file. false: the
    // file could not be made or written (logged by the caller from errno).
    bool feed(std::string_view bytes);
    // The client took some bytes: hands spilled ones on once its output runs low.
    void on_output_sent();
    // The body is complete (or cut short): everything still spilled goes to the client.
    void hand_over_all();
    uint64_t received() const { return received_; }
    // Bytes written to the temporary file so far.
    uint64_t spilled() const { return file_written_; }

  private:
    bool spill(std::string_view bytes);
    void hand_over();

    net::Exchange& out_;
    RelayLimits limits_;
    int file_ = -1;
    uint64_t file_written_ = 0;  // bytes in the temporary file
    uint64_t file_handed_ = 0;   // of those, queued for the client already
    uint64_t received_ = 0;
};

}  // namespace strata::web
