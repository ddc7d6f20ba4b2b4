#include "strata/net/tls_stream.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <string>
#include <tuple>

#include "loopback_pair.h"
#include "self_signed_certificate.h"
#include "strata/net/output_queue.h"
#include "strata/net/tls_context.h"

namespace strata::net {
namespace {

std::string pattern(size_t size, int seed) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251 + static_cast<size_t>(seed)) % 26);
    return s;
}

// A loopback TCP pair, both ends non-blocking, with small buffers so that writes fill
// the socket and must be retried.
struct TcpPair {
    int server = -1, client = -1;
    TcpPair() {
        std::tie(client, server) =
            loopback_pair([](int fd) { set_buffer(fd, SO_RCVBUF, 8 * 1024); });
        set_buffer(server, SO_SNDBUF, 8 * 1024);
        fcntl(server, F_SETFL, O_NONBLOCK);
        fcntl(client, F_SETFL, O_NONBLOCK);
    }
    ~TcpPair() {
        close(server);
        close(client);
    }
};

class TlsStreamTest : public ::testing::Test {
  protected:
    void SetUp() override {
        TlsContextOptions options;
        options.certificates.push_back({cert_.certificate, cert_.key});
        auto context = TlsContext::create(options);
        ASSERT_TRUE(context) << context.error();
        listener_.default_context = std::move(context.value());
        client_ctx_ = SSL_CTX_new(TLS_client_method());
        client_ = SSL_new(client_ctx_);
        SSL_set_fd(client_, pair_.client);
        SSL_set_connect_state(client_);
        // SSL_set_tlsext_host_name, without the macro's C-style cast.
        SSL_ctrl(client_, SSL_CTRL_SET_TLSEXT_HOSTNAME, TLSEXT_NAMETYPE_host_name,
                 const_cast<char*>("localhost"));
        stream_ = std::make_unique<TlsStream>(listener_, pair_.server);
        for (int rounds = 0; rounds < 10000 && !stream_->established(); ++rounds) {
            ASSERT_NE(stream_->handshake(), TlsStream::Handshake::failed);
            SSL_do_handshake(client_);
        }
        ASSERT_TRUE(stream_->established());
        while (SSL_do_handshake(client_) != 1)
            ASSERT_EQ(SSL_get_error(client_, -1), SSL_ERROR_WANT_READ);
    }
    void TearDown() override {
        stream_.reset();
        SSL_free(client_);
        SSL_CTX_free(client_ctx_);
    }
    // What the client can read now.
    std::string client_read() {
        std::string got;
        char buf[4096];
        size_t n = 0;
        while (SSL_read_ex(client_, buf, sizeof buf, &n) == 1)
            got.append(buf, n);
        return got;
    }

    SelfSigned cert_;
    TcpPair pair_;
    TlsListener listener_;
    SSL_CTX* client_ctx_ = nullptr;
    SSL* client_ = nullptr;
    std::unique_ptr<TlsStream> stream_;
};

TEST_F(TlsStreamTest, ReportsTheNegotiatedSession) {
    EXPECT_EQ(stream_->protocol(), "TLSv1.3");
    EXPECT_EQ(stream_->server_name(), "localhost");
    EXPECT_FALSE(stream_->cipher().empty());
    EXPECT_FALSE(stream_->session_reused());
}

TEST_F(TlsStreamTest, ReadsWhatTheClientWroteThenItsClose) {
    std::string sent = pattern(40'000, 1);  // several records
    size_t written = 0;
    std::string got;
    char buf[65536];
    // Bounded by time, not rounds: with buffers this small, loopback TCP may hold the last
    // segment until its window-probe timer fires (hundreds of milliseconds).
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
    while (got.size() < sent.size() && std::chrono::steady_clock::now() < deadline) {
        size_t n = 0;
        if (written < sent.size() &&
            SSL_write_ex(client_, sent.data() + written, sent.size() - written, &n) == 1)
            written += n;
        IoResult r = stream_->read(buf, sizeof buf);
        ASSERT_NE(r.status, IoStatus::error);
        got.append(buf, r.bytes);
        if (r.status == IoStatus::would_block) {
            pollfd readable{pair_.server, POLLIN, 0};
            ::poll(&readable, 1, 10);
        }
    }
    EXPECT_EQ(got, sent);
    SSL_shutdown(client_);
    IoResult r{};
    for (int rounds = 0; rounds < 1000 && r.status != IoStatus::closed; ++rounds)
        r = stream_->read(buf, sizeof buf);
    EXPECT_EQ(r.status, IoStatus::closed);
}

// The output queue through TLS: small pieces gathered, a large body, a file copied in
// slices (no sendfile without kTLS), all retried across a full socket. OpenSSL fails a
// retry that does not offer the same bytes, so arriving intact proves the retries right.
TEST_F(TlsStreamTest, OutputQueueArrivesIntactAcrossFullSockets) {
    OutputQueue queue;
    std::string expected;
    auto add = [&](const std::string& bytes) {
        queue.append(bytes);
        expected += bytes;
    };
    add("HTTP/1.1 200 OK\r\n");
    add(pattern(300'000, 2));
    std::string file_content = pattern(200'000, 3);
    char name[] = "/tmp/strata-tls-file-XXXXXX";
    int fd = mkstemp(name);
    unlink(name);
    ASSERT_EQ(pwrite(fd, file_content.data(), file_content.size(), 0),
              static_cast<ssize_t>(file_content.size()));
    queue.append_file(fd, 0, file_content.size());
    expected += file_content;
    add("trailing bytes");

    Transport out(pair_.server, stream_.get());
    EXPECT_FALSE(out.can_sendfile());
    std::string got;
    int blocked = 0;
    for (int rounds = 0; rounds < 100000 && got.size() < expected.size(); ++rounds) {
        if (!queue.empty()) {
            IoResult r = queue.flush(out);
            ASSERT_TRUE(r.status == IoStatus::ok || r.status == IoStatus::would_block)
                << take_tls_errors();
            if (r.status == IoStatus::would_block) ++blocked;
        }
        got += client_read();
    }
    EXPECT_TRUE(queue.empty());
    EXPECT_GT(blocked, 0) << "the socket never filled: the test proves nothing";
    ASSERT_EQ(got.size(), expected.size());
    EXPECT_TRUE(got == expected);
}

}  // namespace
}  // namespace strata::net
