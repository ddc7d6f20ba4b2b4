#include "strata/net/request_body.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstdlib>
#include <string>

#include "strata/base/log.h"

namespace strata::net {
namespace {

// Everything from offset 0 of `fd`, read with pread (the file offset is left alone).
std::string contents(int fd) {
    std::string out;
    char chunk[65536];
    off_t at = 0;
    for (;;) {
        ssize_t n = ::pread(fd, chunk, sizeof chunk, at);
        if (n <= 0) return out;
        out.append(chunk, static_cast<size_t>(n));
        at += n;
    }
}

bool is_open(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

// Bytes that differ from their neighbours, so an out-of-order copy shows.
std::string pattern(size_t size, size_t seed = 0) {
    std::string s(size, '\0');
    for (size_t i = 0; i < size; ++i)
        s[i] = static_cast<char>('a' + (i * 7 + seed) % 26);
    return s;
}

// A directory of its own, so tests can see whether a spool file was left behind.
class TempDir {
  public:
    TempDir() {
        char path[] = "/tmp/strata-request-body-XXXXXX";
        EXPECT_NE(::mkdtemp(path), nullptr);
        path_ = path;
    }
    ~TempDir() { ::rmdir(path_.c_str()); }
    const std::string& path() const { return path_; }
    // Entries other than "." and "..".
    int entries() const {
        std::string command = "ls -A " + path_ + " | wc -l";
        FILE* p = ::popen(command.c_str(), "r");
        int n = -1;
        if (p) {
            if (std::fscanf(p, "%d", &n) != 1) n = -1;
            ::pclose(p);
        }
        return n;
    }

  private:
    std::string path_;
};

TEST(RequestBodyStore, StaysInMemoryUpToTheLimit) {
    TempDir dir;
    RequestBodyStore store;
    store.configure(10, dir.path());
    ASSERT_TRUE(store.append("01234"));
    ASSERT_TRUE(store.append("56789"));  // exactly the limit: still memory
    EXPECT_EQ(store.size(), 10u);
    EXPECT_EQ(store.memory(), "0123456789");
    EXPECT_EQ(store.take_file(), -1);
    EXPECT_EQ(store.memory(), "0123456789") << "take_file() of a memory body changes nothing";
}

TEST(RequestBodyStore, SpoolsToAnUnlinkedFileOnceItOutgrowsTheLimit) {
    TempDir dir;
    RequestBodyStore store;
    store.configure(10, dir.path());
    ASSERT_TRUE(store.append("0123456"));
    ASSERT_TRUE(store.append("789X"));  // 11 bytes: over the limit
    EXPECT_EQ(store.memory(), "") << "memory is given up once spooled";
    ASSERT_TRUE(store.append("YZ"));
    EXPECT_EQ(store.size(), 13u);
    EXPECT_EQ(dir.entries(), 0) << "the spool file has no name";
    int fd = store.take_file();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(contents(fd), "0123456789XYZ");
    EXPECT_EQ(store.take_file(), -1) << "handed over once";
    EXPECT_EQ(store.size(), 13u) << "the size stays known after the file is taken";
    store.clear();
    EXPECT_TRUE(is_open(fd)) << "clear() must not close a file already handed over";
    ::close(fd);
}

TEST(RequestBodyStore, FirstAppendLargerThanTheLimitGoesStraightToTheFile) {
    TempDir dir;
    RequestBodyStore store;
    store.configure(4, dir.path());
    std::string big = pattern(100'000);
    ASSERT_TRUE(store.append(big));
    EXPECT_EQ(store.memory(), "");
    int fd = store.take_file();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(contents(fd), big);
    ::close(fd);
}

TEST(RequestBodyStore, LargeBodyInManyPiecesIsKeptIntactAndInOrder) {
    TempDir dir;
    RequestBodyStore store;
    store.configure(64 * 1024, dir.path());
    std::string expected;
    for (size_t i = 0; i < 300; ++i) {
        std::string piece = pattern(1000 + i * 37, i);
        expected += piece;
        ASSERT_TRUE(store.append(piece)) << "piece " << i;
    }
    EXPECT_EQ(store.size(), expected.size());
    int fd = store.take_file();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(contents(fd), expected);
    ::close(fd);
}

TEST(RequestBodyStore, ZeroLimitNeverSpools) {
    RequestBodyStore store;
    store.configure(0, "/nonexistent-strata-dir");
    std::string big = pattern(1 << 20);
    ASSERT_TRUE(store.append(big));
    EXPECT_EQ(store.memory(), big);
    EXPECT_EQ(store.take_file(), -1);
}

TEST(RequestBodyStore, ClearClosesAnUntakenSpoolFileAndStartsOver) {
    TempDir dir;
    RequestBodyStore store;
    store.configure(2, dir.path());
    ASSERT_TRUE(store.append("abcdef"));
    store.clear();
    EXPECT_EQ(store.size(), 0u);
    EXPECT_EQ(store.memory(), "");
    EXPECT_EQ(store.take_file(), -1);
    // The next body starts in memory again.
    ASSERT_TRUE(store.append("x"));
    EXPECT_EQ(store.memory(), "x");
    ASSERT_TRUE(store.append("yz"));
    int fd = store.take_file();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(contents(fd), "xyz") << "a fresh file, not the old one reused";
    ::close(fd);
}

TEST(RequestBodyStore, ClearAndReleaseDoNotLeakDescriptors) {
    TempDir dir;
    int before = ::dup(0);
    ::close(before);
    {
        RequestBodyStore store;
        store.configure(1, dir.path());
        for (int i = 0; i < 50; ++i) {
            ASSERT_TRUE(store.append("spooled"));
            if (i % 2) {
                store.clear();
            } else {
                store.release();
            }
        }
        ASSERT_TRUE(store.append("left for the destructor"));
    }
    int after = ::dup(0);
    ::close(after);
    EXPECT_EQ(after, before) << "a spool file's descriptor leaked";
}

TEST(RequestBodyStore, ConfigureTakesEffectForTheNextBody) {
    TempDir dir;
    RequestBodyStore store;
    store.configure(0, dir.path());
    ASSERT_TRUE(store.append("0123456789"));
    store.clear();
    store.configure(5, dir.path());
    ASSERT_TRUE(store.append("0123456789"));
    int fd = store.take_file();
    ASSERT_GE(fd, 0);
    EXPECT_EQ(contents(fd), "0123456789");
    ::close(fd);
}

// A pipe stands in for stderr, so the test can read what was logged.
class LogCapture {
  public:
    LogCapture() {
        EXPECT_EQ(::pipe2(pipe_, O_CLOEXEC | O_NONBLOCK), 0);
        log::set_fd(pipe_[1]);
    }
    ~LogCapture() {
        log::set_fd(2);
        ::close(pipe_[0]);
        ::close(pipe_[1]);
    }
    std::string text() {
        std::string out;
        char chunk[4096];
        ssize_t n;
        while ((n = ::read(pipe_[0], chunk, sizeof chunk)) > 0)
            out.append(chunk, static_cast<size_t>(n));
        return out;
    }

  private:
    int pipe_[2] = {-1, -1};
};

TEST(RequestBodyStore, MissingTempDirFailsTheAppendAndSaysWhere) {
    LogCapture log;
    RequestBodyStore store;
    store.configure(4, "/nonexistent-strata-dir");
    ASSERT_TRUE(store.append("abc"));  // fits in memory
    EXPECT_FALSE(store.append("defgh"));
    std::string logged = log.text();
    EXPECT_NE(logged.find("/nonexistent-strata-dir"), std::string::npos) << logged;
    EXPECT_NE(logged.find("temporary file"), std::string::npos) << logged;
    store.clear();  // and the store is usable again
    EXPECT_TRUE(store.append("abc"));
    EXPECT_EQ(store.memory(), "abc");
}

TEST(RequestBodyStore, TempDirThatIsAFileFails) {
    LogCapture log;
    char path[] = "/tmp/strata-request-body-file-XXXXXX";
    int file = ::mkstemp(path);
    ASSERT_GE(file, 0);
    ::close(file);
    RequestBodyStore store;
    store.configure(1, path);
    EXPECT_FALSE(store.append("too big"));
    ::unlink(path);
}

}  // namespace
}  // namespace strata::net
