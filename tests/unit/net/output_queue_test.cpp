#include "strata/net/output_queue.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstdio>
#include <string>
#include <tuple>

#include "loopback_pair.h"

namespace strata::net {
namespace {

// A temporary file holding `content`, opened for reading (the queue takes the fd).
int file_with(const std::string& content) {
    char name[] = "/tmp/strata-output-queue-XXXXXX";
    int fd = mkstemp(name);
    EXPECT_GE(fd, 0);
    unlink(name);
    EXPECT_EQ(pwrite(fd, content.data(), content.size(), 0), static_cast<ssize_t>(content.size()));
    return fd;
}

std::string pattern(size_t size) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + i / 251) % 26);
    return s;
}

// A connected loopback TCP pair, the sender non-blocking with a small send buffer so
// that a large file does not go out in one flush.
struct TcpPair {
    int sender = -1, receiver = -1;
    TcpPair() {
        std::tie(sender, receiver) =
            loopback_pair([](int fd) { set_buffer(fd, SO_SNDBUF, 16 * 1024); });
        // Reads wait a little, then the test flushes again: the sender may be waiting
        // for room that the reads just made.
        timeval wait{0, 20'000};
        setsockopt(receiver, SOL_SOCKET, SO_RCVTIMEO, &wait, sizeof wait);
        fcntl(sender, F_SETFL, O_NONBLOCK);
    }
    ~TcpPair() {
        close(sender);
        close(receiver);
    }
    int corked() const {
        int value = -1;
        socklen_t len = sizeof value;
        getsockopt(sender, IPPROTO_TCP, TCP_CORK, &value, &len);
        return value;
    }
    // Reads what is there now (waiting a little for something to come).
    std::string read_some() const {
        char buf[65536];
        ssize_t n = recv(receiver, buf, sizeof buf, 0);
        return n > 0 ? std::string(buf, static_cast<size_t>(n)) : std::string();
    }
};

// Flushes and reads until the queue is empty; returns all that arrived.
std::string drain(OutputQueue& queue, TcpPair& pair, int* corked_while_pending = nullptr) {
    std::string got;
    for (int rounds = 0; rounds < 100000; ++rounds) {
        IoResult r = queue.flush(pair.sender);
        EXPECT_NE(r.status, IoStatus::error);
        if (queue.empty()) break;
        if (corked_while_pending) *corked_while_pending = pair.corked();
        got += pair.read_some();
    }
    EXPECT_TRUE(queue.empty());
    shutdown(pair.sender, SHUT_WR);
    for (;;) {
        char buf[65536];
        ssize_t n = recv(pair.receiver, buf, sizeof buf, 0);
        if (n > 0) got.append(buf, static_cast<size_t>(n));
        if (n == 0) break;  // the end; n < 0: the wait ran out, read again
    }
    return got;
}

struct CopyCase {
    size_t size;
    off_t offset;
    uint64_t length;
};

class CopiedFile : public testing::TestWithParam<CopyCase> {};

// sendfile off: the range arrives exactly, after the bytes queued before it and
// before those queued after it, whatever the size.
TEST_P(CopiedFile, ArrivesWholeAndInOrder) {
    const CopyCase& c = GetParam();
    std::string content = pattern(c.size);
    TcpPair pair;
    OutputQueue queue;
    queue.append("HEAD\r\n\r\n");
    queue.append_file(file_with(content), c.offset, c.length, {.sendfile = false});
    queue.append("TAIL");
    EXPECT_EQ(queue.pending_bytes(), 8 + c.length + 4);
    std::string got = drain(queue, pair);
    EXPECT_EQ(got, "HEAD\r\n\r\n" + content.substr(c.offset, c.length) + "TAIL");
}

INSTANTIATE_TEST_SUITE_P(Sizes, CopiedFile,
                         testing::Values(CopyCase{1, 0, 1}, CopyCase{16 * 1024, 0, 16 * 1024},
                                         CopyCase{16 * 1024 + 1, 0, 16 * 1024 + 1},
                                         CopyCase{100 * 1000, 0, 100 * 1000},
                                         CopyCase{100 * 1000, 5, 99 * 1000},
                                         CopyCase{3 * 1024 * 1024 + 7, 1 << 20, 1 << 20},
                                         CopyCase{3 * 1024 * 1024 + 7, 0, 3 * 1024 * 1024 + 7}));

TEST(OutputQueue, SentFileArrivesWhole) {
    std::string content = pattern(700 * 1000);
    TcpPair pair;
    OutputQueue queue;
    queue.append("H");
    queue.append_file(file_with(content), 3, content.size() - 3);
    EXPECT_EQ(drain(queue, pair), "H" + content.substr(3));
}

// A file that ends early cannot be framed: the flush reports an error.
TEST(OutputQueue, CopiedFileThatShrankIsAnError) {
    TcpPair pair;
    OutputQueue queue;
    queue.append_file(file_with(pattern(20 * 1024)), 0, 40 * 1024, {.sendfile = false});
    IoResult r{IoStatus::ok};
    for (int i = 0; i < 100 && r.status != IoStatus::error; ++i) {
        r = queue.flush(pair.sender);
        pair.read_some();
    }
    EXPECT_EQ(r.status, IoStatus::error);
}

// tcp_nopush: corked from the head until the file's last byte, then uncorked.
TEST(OutputQueue, CorkHoldsFromTheHeadToTheFileEnd) {
    std::string content = pattern(2 * 1024 * 1024);
    TcpPair pair;
    OutputQueue queue;
    queue.append("HEAD");
    queue.append_file(file_with(content), 0, content.size(), {.sendfile = true, .cork = true});
    EXPECT_EQ(pair.corked(), 0);
    IoResult first = queue.flush(pair.sender);
    EXPECT_EQ(first.status, IoStatus::would_block);  // 2 MiB does not fit the buffers
    EXPECT_EQ(pair.corked(), 1);
    int corked_while_pending = -1;
    std::string got = pair.read_some();
    got += drain(queue, pair, &corked_while_pending);
    EXPECT_EQ(corked_while_pending, 1);
    EXPECT_EQ(pair.corked(), 0);
    EXPECT_EQ(got, "HEAD" + content);
}

TEST(OutputQueue, NoCorkUnlessAsked) {
    std::string content = pattern(200 * 1024);
    TcpPair pair;
    OutputQueue queue;
    queue.append("HEAD");
    queue.append_file(file_with(content), 0, content.size());
    queue.flush(pair.sender);
    EXPECT_EQ(pair.corked(), 0);
    EXPECT_EQ(drain(queue, pair), "HEAD" + content);
}

// Two corked files in a row (pipelined responses): the cork stays on until the last.
TEST(OutputQueue, CorkSpansConsecutiveCorkedFiles) {
    std::string a = pattern(300 * 1024), b = pattern(500 * 1024);
    TcpPair pair;
    OutputQueue queue;
    queue.append("A");
    queue.append_file(file_with(a), 0, a.size(), {.sendfile = true, .cork = true});
    queue.append("B");
    queue.append_file(file_with(b), 0, b.size(), {.sendfile = true, .cork = true});
    EXPECT_EQ(drain(queue, pair), "A" + a + "B" + b);
    EXPECT_EQ(pair.corked(), 0);
}

}  // namespace
}  // namespace strata::net
