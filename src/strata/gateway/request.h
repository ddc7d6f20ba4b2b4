// The request as an app sees it (the C++ side of PEP 3333's environ). The server copies
// what it needs out of the connection, so an app thread can read it while the
// connection's thread goes on.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "strata/http/request_head.h"

namespace strata::gateway {

// The whole request body, read before the app is called: in memory, or in an unlinked
// temporary file once it outgrew the memory limit.
class RequestBody {
  public:
    RequestBody() = default;
    static RequestBody in_memory(std::string bytes);
    // Takes ownership of `fd`, which holds `size` bytes from offset 0.
    static RequestBody in_file(int fd, uint64_t size);
    RequestBody(RequestBody&& other) noexcept;
    RequestBody& operator=(RequestBody&& other) noexcept;
    RequestBody(const RequestBody&) = delete;
    RequestBody& operator=(const RequestBody&) = delete;
    ~RequestBody();

    uint64_t size() const { return size_; }
    bool spooled() const { return fd_ >= 0; }
    // Copies up to `length` bytes from `offset` into `out`; returns how many (0 at the
    // end). Safe from any thread: files are read with pread.
    size_t read(uint64_t offset, char* out, size_t length) const;
    // The bytes, when in memory; empty for a spooled body.
    std::string_view memory() const { return memory_; }

  private:
    std::string memory_;
    int fd_ = -1;
    uint64_t size_ = 0;
};

// Everything an app may ask about a request. Neither copied nor moved: the views point
// into `head_bytes`, which must stay where it is.
struct Request {
    Request() = default;
    Request(const Request&) = delete;
    Request& operator=(const Request&) = delete;

    std::string head_bytes;  // the request head as received
    // Views into head_bytes.
    std::string_view method;
    std::string_view target;    // the request-target as sent
    std::string_view path;      // its path, still percent-encoded (absolute-form: no authority)
    std::string_view query;     // after the first '?', raw; empty when none
    std::string_view protocol;  // "HTTP/1.1", "HTTP/1.0"; "HTTP/0.9" for a bare request line
    std::vector<http::Header> headers;  // order and repeats kept
    bool body_chunked = false;          // the body came with chunked coding
    RequestBody body;

    std::string remote_addr;  // "127.0.0.1", "::1"; empty on a unix socket
    uint16_t remote_port = 0;
    bool unix_socket = false;  // accepted on a unix-domain socket
    // From the Host field (name and port), else the address the client connected to.
    std::string server_name;
    std::string server_port;
    std::string url_scheme = "http";
    bool tls = false;         // came over TLS: url_scheme "https"
    bool https_on = false;    // HTTPS=on in the environ (see RequestSettings::https_variable)
    std::string script_name;  // the mount point (gunicorn's --root-path / SCRIPT_NAME)

    // The first field named `name` (ASCII case-insensitive), or empty.
    std::string_view find(std::string_view name) const;
};

}  // namespace strata::gateway
