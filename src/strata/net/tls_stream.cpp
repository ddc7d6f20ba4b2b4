#include "strata/net/tls_stream.h"

#include <openssl/err.h>
#include <openssl/ssl.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "strata/base/log.h"

namespace strata::net {
namespace {

// Small pieces are gathered into one record: a head and a short body in one write.
constexpr size_t kRecordSize = 16 * 1024;

thread_local char g_gather[kRecordSize];

// SSL_get_error() must not see errors left by earlier calls. Clearing the queue walks
// all its slots; looking at it costs a fraction of that, and it is almost always empty.
void clear_stale_errors() {
    if (ERR_peek_error() != 0) ERR_clear_error();
}

}  // namespace

TlsStream::TlsStream(const TlsListener& listener, int fd)
    : ssl_(SSL_new(listener.default_context->native())) {
    SSL_set_fd(ssl_, fd);
    attach_listener(ssl_, listener);
    SSL_set_accept_state(ssl_);
}

TlsStream::~TlsStream() {
    SSL_free(ssl_);
}

TlsStream::Handshake TlsStream::handshake() {
    ERR_clear_error();
    int r = SSL_do_handshake(ssl_);
    if (r == 1) {
        established_ = true;
        return Handshake::done;
    }
    int error = SSL_get_error(ssl_, r);
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
        return Handshake::in_progress;
    // nginx logs failed handshakes at info: clients probing or giving up are common.
    std::string errors = take_tls_errors();
    log::info("SSL_do_handshake() failed ({}{})", errors.empty() ? "" : "SSL: ", errors);
    return Handshake::failed;
}

// After SSL_read_ex / SSL_write_ex returned 0 having moved `moved` bytes before.
IoResult TlsStream::failed_call(int result, size_t moved, bool reading) {
    int error = SSL_get_error(ssl_, result);
    if (reading)
        read_wants_writable_ = error == SSL_ERROR_WANT_WRITE;
    else
        write_wants_readable_ = error == SSL_ERROR_WANT_READ;
    if (error == SSL_ERROR_WANT_READ || error == SSL_ERROR_WANT_WRITE)
        return {moved > 0 ? IoStatus::ok : IoStatus::would_block, moved};
    if (error == SSL_ERROR_ZERO_RETURN) return {moved > 0 ? IoStatus::ok : IoStatus::closed, moved};
    int saved = errno;
    std::string errors = take_tls_errors();
    if (moved > 0) return {IoStatus::ok, moved};  // the error shows again on the next call
    if (error == SSL_ERROR_SYSCALL && saved != 0) return {IoStatus::error, 0, saved};
    log::info("SSL I/O failed ({}{})", errors.empty() ? "" : "SSL: ", errors);
    return {IoStatus::error, 0, EPROTO};
}

IoResult TlsStream::read(char* buf, size_t len) {
    size_t total = 0;
    while (total < len) {
        clear_stale_errors();
        errno = 0;
        size_t n = 0;
        int r = SSL_read_ex(ssl_, buf + total, len - total, &n);
        if (r != 1) return failed_call(r, total, true);
        total += n;
    }
    return {IoStatus::ok, total};
}

// Writes all of `data` unless the socket fills up. Partial writes return after each
// record, so this goes on until done.
IoResult TlsStream::write_all(const char* data, size_t length) {
    size_t total = 0;
    while (total < length) {
        clear_stale_errors();
        errno = 0;
        size_t written = 0;
        int r = SSL_write_ex(ssl_, data + total, length - total, &written);
        if (r != 1) return failed_call(r, total, false);
        total += written;
    }
    return {IoStatus::ok, total};
}

// Large pieces go as they are; runs of small ones are gathered into one record (a head
// and a short body in one write). A retry starts where the blocked write did and sees
// the same pieces there, so it offers the same bytes, as OpenSSL requires.
IoResult TlsStream::write(const iovec* iov, int count) {
    size_t total = 0;
    int i = 0;
    size_t skip = 0;  // bytes of iov[i] already written
    while (i < count) {
        if (iov[i].iov_len == skip) {
            ++i;
            skip = 0;
            continue;
        }
        const char* data = static_cast<const char*>(iov[i].iov_base) + skip;
        size_t length = iov[i].iov_len - skip;
        if (length < kRecordSize && i + 1 < count) {
            length = 0;
            for (int j = i; j < count && length < kRecordSize; ++j) {
                size_t from = j == i ? skip : 0;
                size_t n = std::min(iov[j].iov_len - from, kRecordSize - length);
                std::memcpy(g_gather + length, static_cast<const char*>(iov[j].iov_base) + from, n);
                length += n;
            }
            data = g_gather;
        }
        IoResult r = write_all(data, length);
        total += r.bytes;
        if (r.status != IoStatus::ok || r.bytes < length)
            return {total > 0 ? IoStatus::ok : r.status, total, r.error};
        for (size_t left = length; left > 0 && i < count;) {  // step past what went out
            size_t n = std::min(left, iov[i].iov_len - skip);
            left -= n;
            skip += n;
            if (skip == iov[i].iov_len) {
                ++i;
                skip = 0;
            }
        }
    }
    return {IoStatus::ok, total};
}

bool TlsStream::can_sendfile() const {
    return BIO_get_ktls_send(SSL_get_wbio(ssl_)) != 0;
}

IoResult TlsStream::send_file(int file_fd, off_t& offset, size_t count) {
    ERR_clear_error();
    errno = 0;
    ossl_ssize_t n = SSL_sendfile(ssl_, file_fd, offset, count, 0);
    if (n > 0) {
        offset += n;
        return {IoStatus::ok, static_cast<size_t>(n)};
    }
    return failed_call(static_cast<int>(n), 0, false);
}

void TlsStream::shutdown() {
    if (shut_down_ || !established_) return;
    shut_down_ = true;
    ERR_clear_error();
    if (SSL_shutdown(ssl_) < 0) ERR_clear_error();  // a peer already gone is no news
}

std::string_view TlsStream::protocol() const {
    return SSL_get_version(ssl_);
}

std::string_view TlsStream::cipher() const {
    const char* name = SSL_get_cipher_name(ssl_);
    return name != nullptr ? name : "";
}

std::string_view TlsStream::server_name() const {
    const char* name = SSL_get_servername(ssl_, TLSEXT_NAMETYPE_host_name);
    return name != nullptr ? name : "";
}

bool TlsStream::negotiated_http2() const {
    const unsigned char* protocol = nullptr;
    unsigned int length = 0;
    SSL_get0_alpn_selected(ssl_, &protocol, &length);
    return length == 2 && protocol[0] == 'h' && protocol[1] == '2';
}

bool TlsStream::session_reused() const {
    return SSL_session_reused(ssl_) == 1;
}

}  // namespace strata::net
