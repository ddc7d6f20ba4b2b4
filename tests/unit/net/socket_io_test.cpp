#include "strata/net/socket_io.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cerrno>
#include <string>
#include <vector>

#include "strata/base/log.h"

namespace strata::net {
namespace {

struct FdPair {
    int a = -1;
    int b = -1;
    ~FdPair() {
        if (a >= 0) close(a);
        if (b >= 0) close(b);
    }
};

FdPair unix_pair() {
    FdPair pair;
    int fds[2];
    EXPECT_EQ(socketpair(AF_UNIX, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0, fds), 0);
    pair.a = fds[0];
    pair.b = fds[1];
    return pair;
}

// A connected TCP pair over 127.0.0.1 (port chosen by the OS); both ends non-blocking.
FdPair tcp_pair() {
    FdPair pair;
    int listener = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in address{};
    address.sin_family = AF_INET;
    address.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    EXPECT_EQ(bind(listener, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    EXPECT_EQ(listen(listener, 1), 0);
    socklen_t length = sizeof address;
    EXPECT_EQ(getsockname(listener, reinterpret_cast<sockaddr*>(&address), &length), 0);
    pair.a = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    EXPECT_EQ(connect(pair.a, reinterpret_cast<sockaddr*>(&address), sizeof address), 0);
    pair.b = accept4(listener, nullptr, nullptr, SOCK_NONBLOCK | SOCK_CLOEXEC);
    EXPECT_GE(pair.b, 0);
    EXPECT_EQ(fcntl(pair.a, F_SETFL, O_NONBLOCK), 0);
    close(listener);
    return pair;
}

std::string read_all_available(int fd) {
    std::string out;
    char buf[65536];
    for (;;) {
        IoResult r = read_some(fd, buf, sizeof buf);
        if (r.status != IoStatus::ok) break;
        out.append(buf, r.bytes);
    }
    return out;
}

// Fills the socket's send path until it would block; returns the bytes written.
size_t fill(int fd) {
    std::string chunk(65536, 'f');
    iovec iov{chunk.data(), chunk.size()};
    size_t total = 0;
    for (;;) {
        IoResult r = write_vector(fd, &iov, 1);
        if (r.status != IoStatus::ok) {
            EXPECT_EQ(r.status, IoStatus::would_block);
            return total;
        }
        total += r.bytes;
    }
}

class TempFile {
  public:
    explicit TempFile(const std::string& content) {
        path_ = ::testing::TempDir() + "strata_socket_io_XXXXXX";
        fd_ = mkstemp(path_.data());
        EXPECT_GE(fd_, 0);
        EXPECT_EQ(write(fd_, content.data(), content.size()), static_cast<ssize_t>(content.size()));
    }
    ~TempFile() {
        close(fd_);
        unlink(path_.c_str());
    }
    int fd() const { return fd_; }
    void truncate(off_t size) { EXPECT_EQ(ftruncate(fd_, size), 0); }

  private:
    std::string path_;
    int fd_ = -1;
};

int int_option(int fd, int level, int option) {
    int value = -1;
    socklen_t length = sizeof value;
    EXPECT_EQ(getsockopt(fd, level, option, &value, &length), 0);
    return value;
}

TEST(ReadSome, ReadsWhatIsAvailable) {
    FdPair pair = unix_pair();
    ASSERT_EQ(write(pair.b, "hello", 5), 5);
    char buf[16];
    IoResult r = read_some(pair.a, buf, sizeof buf);
    EXPECT_EQ(r.status, IoStatus::ok);
    ASSERT_EQ(r.bytes, 5u);
    EXPECT_EQ(std::string(buf, 5), "hello");
}

TEST(ReadSome, ReadsAtMostLen) {
    FdPair pair = unix_pair();
    ASSERT_EQ(write(pair.b, "hello", 5), 5);
    char buf[3];
    IoResult r = read_some(pair.a, buf, sizeof buf);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, 3u);
    EXPECT_EQ(read_all_available(pair.a), "lo");
}

TEST(ReadSome, WouldBlockWhenNothingIsThere) {
    FdPair pair = unix_pair();
    char buf[16];
    IoResult r = read_some(pair.a, buf, sizeof buf);
    EXPECT_EQ(r.status, IoStatus::would_block);
    EXPECT_EQ(r.bytes, 0u);
}

TEST(ReadSome, ClosedWhenPeerClosed) {
    FdPair pair = unix_pair();
    ASSERT_EQ(write(pair.b, "x", 1), 1);
    close(pair.b);
    pair.b = -1;
    char buf[16];
    EXPECT_EQ(read_some(pair.a, buf, sizeof buf).status, IoStatus::ok);
    EXPECT_EQ(read_some(pair.a, buf, sizeof buf).status, IoStatus::closed);
}

TEST(ReadSome, ClosedOnTcpFin) {
    FdPair pair = tcp_pair();
    shutdown(pair.a, SHUT_WR);
    char buf[16];
    IoResult r{IoStatus::would_block};
    // The FIN crosses loopback asynchronously.
    for (int i = 0; i < 10'000 && r.status == IoStatus::would_block; ++i) {
        r = read_some(pair.b, buf, sizeof buf);
        if (r.status == IoStatus::would_block) usleep(100);
    }
    EXPECT_EQ(r.status, IoStatus::closed);
}

TEST(ReadSome, ZeroLengthIsNotMistakenForClose) {
    FdPair pair = unix_pair();
    char buf[1];
    IoResult r = read_some(pair.a, buf, 0);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, 0u);
}

TEST(ReadSome, ErrorCarriesErrno) {
    char buf[4];
    IoResult r = read_some(-1, buf, sizeof buf);
    EXPECT_EQ(r.status, IoStatus::error);
    EXPECT_EQ(r.error, EBADF);
}

TEST(WriteVector, GathersAllBuffersInOrder) {
    FdPair pair = unix_pair();
    std::string a = "GET / HTTP/1.1\r\n";
    std::string b = "Host: x\r\n";
    std::string c = "\r\n";
    iovec iov[3] = {{a.data(), a.size()}, {b.data(), b.size()}, {c.data(), c.size()}};
    IoResult r = write_vector(pair.a, iov, 3);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, a.size() + b.size() + c.size());
    EXPECT_EQ(read_all_available(pair.b), a + b + c);
}

TEST(WriteVector, ZeroBuffersWritesNothing) {
    FdPair pair = unix_pair();
    IoResult r = write_vector(pair.a, nullptr, 0);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, 0u);
}

TEST(WriteVector, MoreBuffersThanIovMaxIsAShortWrite) {
    FdPair pair = tcp_pair();
    std::vector<char> bytes(IOV_MAX + 10, 'v');
    std::vector<iovec> iov;
    for (char& byte : bytes)
        iov.push_back({&byte, 1});
    IoResult r = write_vector(pair.a, iov.data(), static_cast<int>(iov.size()));
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, static_cast<size_t>(IOV_MAX));
}

TEST(WriteVector, WouldBlockWhenTheSocketIsFull) {
    FdPair pair = tcp_pair();
    EXPECT_GT(fill(pair.a), 0u);
    std::string more = "more";
    iovec iov{more.data(), more.size()};
    EXPECT_EQ(write_vector(pair.a, &iov, 1).status, IoStatus::would_block);
}

// SIGPIPE's default action would kill the test binary: surviving is the assertion.
TEST(WriteVector, ClosedUnixPeerIsAnErrorNotASignal) {
    FdPair pair = unix_pair();
    close(pair.b);
    pair.b = -1;
    std::string data = "data";
    iovec iov{data.data(), data.size()};
    IoResult r = write_vector(pair.a, &iov, 1);
    EXPECT_EQ(r.status, IoStatus::error);
    EXPECT_EQ(r.error, EPIPE);
}

TEST(WriteVector, ClosedTcpPeerIsAnErrorNotASignal) {
    FdPair pair = tcp_pair();
    close(pair.b);
    pair.b = -1;
    std::string data(4096, 'd');
    iovec iov{data.data(), data.size()};
    IoResult r{IoStatus::ok};
    // The first write may be accepted; the peer's RST makes a later one fail.
    for (int i = 0; i < 10'000 && r.status != IoStatus::error; ++i) {
        r = write_vector(pair.a, &iov, 1);
        if (r.status != IoStatus::error) usleep(100);
    }
    EXPECT_EQ(r.status, IoStatus::error);
    EXPECT_TRUE(r.error == EPIPE || r.error == ECONNRESET) << r.error;
}

TEST(WriteVector, WorksOnPipes) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_NONBLOCK | O_CLOEXEC), 0);
    std::string a = "to ";
    std::string b = "pipe";
    iovec iov[2] = {{a.data(), a.size()}, {b.data(), b.size()}};
    IoResult r = write_vector(fds[1], iov, 2);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, 7u);
    EXPECT_EQ(read_all_available(fds[0]), "to pipe");
    close(fds[0]);
    close(fds[1]);
}

TEST(SendFile, SendsARangeAndAdvancesTheOffset) {
    TempFile file("0123456789abcdef");
    FdPair pair = tcp_pair();
    off_t offset = 4;
    IoResult r = send_file(pair.a, file.fd(), offset, 6);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, 6u);
    EXPECT_EQ(offset, 10);
    std::string received;
    for (int i = 0; i < 10'000 && received.size() < 6; ++i) {
        received += read_all_available(pair.b);
        if (received.size() < 6) usleep(100);
    }
    EXPECT_EQ(received, "456789");
}

TEST(SendFile, WorksOnUnixSockets) {
    TempFile file("unix payload");
    FdPair pair = unix_pair();
    off_t offset = 0;
    IoResult r = send_file(pair.a, file.fd(), offset, 12);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, 12u);
    EXPECT_EQ(offset, 12);
    EXPECT_EQ(read_all_available(pair.b), "unix payload");
}

TEST(SendFile, LargeFileArrivesWholeAcrossPartialSends) {
    std::string content;
    for (int i = 0; i < 300'000; ++i)
        content.push_back(static_cast<char>('a' + i % 26));
    TempFile file(content);
    FdPair pair = unix_pair();
    off_t offset = 0;
    std::string received;
    while (received.size() < content.size()) {
        size_t left = content.size() - static_cast<size_t>(offset);
        if (left > 0) {
            IoResult r = send_file(pair.a, file.fd(), offset, left);
            ASSERT_TRUE(r.status == IoStatus::ok || r.status == IoStatus::would_block);
        }
        received += read_all_available(pair.b);
    }
    EXPECT_EQ(static_cast<size_t>(offset), content.size());
    EXPECT_EQ(received, content);
}

TEST(SendFile, ReportsClosedWhenTheFileEndsEarly) {
    TempFile file("short");
    FdPair pair = unix_pair();
    file.truncate(2);
    off_t offset = 2;
    IoResult r = send_file(pair.a, file.fd(), offset, 3);
    EXPECT_EQ(r.status, IoStatus::closed);
    EXPECT_EQ(offset, 2);
}

TEST(SendFile, WouldBlockWhenTheSocketIsFull) {
    TempFile file("payload");
    FdPair pair = tcp_pair();
    fill(pair.a);
    off_t offset = 0;
    IoResult r = send_file(pair.a, file.fd(), offset, 7);
    EXPECT_EQ(r.status, IoStatus::would_block);
    EXPECT_EQ(offset, 0);
}

TEST(SendFile, ZeroCountSendsNothing) {
    TempFile file("x");
    FdPair pair = unix_pair();
    off_t offset = 0;
    IoResult r = send_file(pair.a, file.fd(), offset, 0);
    EXPECT_EQ(r.status, IoStatus::ok);
    EXPECT_EQ(r.bytes, 0u);
}

TEST(SendFile, ErrorCarriesErrno) {
    FdPair pair = unix_pair();
    off_t offset = 0;
    IoResult r = send_file(pair.a, -1, offset, 10);
    EXPECT_EQ(r.status, IoStatus::error);
    EXPECT_EQ(r.error, EBADF);
}

TEST(TcpOptions, NodelayAndCorkToggle) {
    FdPair pair = tcp_pair();
    set_tcp_nodelay(pair.a, true);
    EXPECT_NE(int_option(pair.a, IPPROTO_TCP, TCP_NODELAY), 0);
    set_tcp_nodelay(pair.a, false);
    EXPECT_EQ(int_option(pair.a, IPPROTO_TCP, TCP_NODELAY), 0);
    set_tcp_cork(pair.a, true);
    EXPECT_NE(int_option(pair.a, IPPROTO_TCP, TCP_CORK), 0);
    set_tcp_cork(pair.a, false);
    EXPECT_EQ(int_option(pair.a, IPPROTO_TCP, TCP_CORK), 0);
}

TEST(TcpOptions, QuietOnUnixSockets) {
    int log_pipe[2];
    ASSERT_EQ(pipe2(log_pipe, O_NONBLOCK | O_CLOEXEC), 0);
    log::set_fd(log_pipe[1]);
    FdPair pair = unix_pair();
    set_tcp_nodelay(pair.a, true);
    set_tcp_cork(pair.a, true);
    log::set_fd(2);
    char buf[256];
    EXPECT_EQ(read(log_pipe[0], buf, sizeof buf), -1) << "unexpected log line";
    close(log_pipe[0]);
    close(log_pipe[1]);
}

TEST(CloseFd, ClosesAndIgnoresNegative) {
    int fds[2];
    ASSERT_EQ(pipe2(fds, O_CLOEXEC), 0);
    close_fd(fds[0]);
    EXPECT_EQ(fcntl(fds[0], F_GETFD), -1);
    EXPECT_EQ(errno, EBADF);
    close_fd(-1);
    close_fd(fds[1]);
}

}  // namespace
}  // namespace strata::net
