#include "strata/net/temp_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <chrono>
#include <thread>

namespace strata::net {
namespace {

TEST(TempFile, IsUnlinkedAndWritable) {
    int fd = open_temp_file("/tmp", "test");
    ASSERT_GE(fd, 0);
    struct stat st {};
    ASSERT_EQ(::fstat(fd, &st), 0);
    EXPECT_EQ(st.st_nlink, 0u);  // nothing left behind if the process dies
    EXPECT_EQ(::pwrite(fd, "abc", 3, 0), 3);
    char back[3];
    EXPECT_EQ(::pread(fd, back, 3, 0), 3);
    ::close(fd);
}

bool open_fd(int fd) {
    return ::fcntl(fd, F_GETFD) != -1;
}

bool closed_soon(int fd) {
    for (int i = 0; i < 500 && open_fd(fd); ++i)
        std::this_thread::sleep_for(std::chrono::milliseconds(10));
    return !open_fd(fd);
}

TEST(TempFile, SmallFilesCloseAtOnce) {
    int fd = open_temp_file("/tmp", "test");
    ASSERT_GE(fd, 0);
    close_temp_file(fd);
    EXPECT_FALSE(open_fd(fd));
}

// A large one is closed by another thread, soon; the caller does not wait for it.
TEST(TempFile, LargeFilesAreClosedToo) {
    int fd = open_temp_file("/tmp", "test");
    ASSERT_GE(fd, 0);
    ASSERT_EQ(::posix_fallocate(fd, 0, static_cast<off_t>(kLargeTempFile) + 4096), 0);
    close_temp_file(fd);
    EXPECT_TRUE(closed_soon(fd));
    close_temp_file(-1);  // nothing to close: no harm
}

TEST(TempFile, MissingDirectoryFails) {
    EXPECT_EQ(open_temp_file("/nonexistent/dir", "test"), -1);
}

}  // namespace
}  // namespace strata::net
