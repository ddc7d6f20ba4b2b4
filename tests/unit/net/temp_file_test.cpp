#include "strata/net/temp_file.h"

#include <sys/stat.h>
#include <unistd.h>

#include <gtest/gtest.h>

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

TEST(TempFile, MissingDirectoryFails) {
    EXPECT_EQ(open_temp_file("/nonexistent/dir", "test"), -1);
}

}  // namespace
}  // namespace strata::net
