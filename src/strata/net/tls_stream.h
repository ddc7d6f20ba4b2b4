// One connection's TLS: the handshake, then reads and writes of plaintext over the
// non-blocking socket, with outcomes as the socket's (IoResult). would_block means the
// socket must become readable or writable again; the connection retries on either.
#pragma once

#include <sys/types.h>
#include <sys/uio.h>

#include <string_view>

#include "strata/net/socket_io.h"
#include "strata/net/tls_context.h"

using SSL = struct ssl_st;

namespace strata::net {

// What request handling may ask of a connection's TLS ($ssl_protocol, $https…).
class TlsInfo {
  public:
    virtual std::string_view protocol() const = 0;     // "TLSv1.3"
    virtual std::string_view cipher() const = 0;       // "TLS_AES_256_GCM_SHA384"
    virtual std::string_view server_name() const = 0;  // SNI; empty: none sent
    virtual bool session_reused() const = 0;

  protected:
    ~TlsInfo() = default;
};

class TlsStream final : public TlsInfo {
  public:
    TlsStream(const TlsListener& listener, int fd);
    ~TlsStream();
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    enum class Handshake : uint8_t { done, in_progress, failed };
    Handshake handshake();
    bool established() const { return established_; }

    // Fills `buf` while records arrive; `ok` with fewer bytes than asked means the socket
    // has nothing more now. closed: the peer ended the stream.
    IoResult read(char* buf, size_t len);
    // Writes from the pieces (small ones gathered into one record); fewer bytes than
    // offered only when the socket is full. A retry after that must offer the same
    // bytes again, possibly more.
    IoResult write(const iovec* iov, int count);
    // The last read stopped for the socket to become writable (a TLS key update being
    // answered), or the last write for it to become readable.
    bool read_wants_writable() const { return read_wants_writable_; }
    bool write_wants_readable() const { return write_wants_readable_; }
    // Whether files may go out with sendfile(2) (the kernel encrypts: kTLS).
    bool can_sendfile() const;
    IoResult send_file(int file_fd, off_t& offset, size_t count);
    // Sends close_notify once, without waiting for the peer's.
    void shutdown();

    // ALPN chose HTTP/2.
    bool negotiated_http2() const;

    std::string_view protocol() const override;
    std::string_view cipher() const override;
    std::string_view server_name() const override;
    bool session_reused() const override;

  private:
    IoResult failed_call(int result, size_t moved, bool reading);
    IoResult write_all(const char* data, size_t length);

    SSL* ssl_;
    bool established_ = false;
    bool shut_down_ = false;
    bool read_wants_writable_ = false;
    bool write_wants_readable_ = false;
};

}  // namespace strata::net
