#include "strata/process/daemon.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

namespace strata::process {
namespace {

// In a child: lowering the hard limit cannot be undone.
TEST(OpenFilesLimit, SetsSoftAndHardLimits) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        bool ok = set_open_files_limit(256).ok();
        rlimit limit{};
        ::getrlimit(RLIMIT_NOFILE, &limit);
        ::_exit(ok && limit.rlim_cur == 256 && limit.rlim_max == 256 ? 0 : 1);
    }
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
}

// The parent leaves at once with 0; the child is a session leader with /dev/null stdio.
TEST(Daemonize, DetachesIntoANewSession) {
    int report[2];
    ASSERT_EQ(::pipe(report), 0);
    pid_t parent = ::fork();
    ASSERT_GE(parent, 0);
    if (parent == 0) {
        ::close(report[0]);
        auto detached = daemonize();
        char answer = detached && ::getsid(0) == ::getpid() && ::isatty(1) == 0 ? 'y' : 'n';
        [[maybe_unused]] ssize_t n = ::write(report[1], &answer, 1);
        ::_exit(0);
    }
    ::close(report[1]);
    int status = 0;
    ASSERT_EQ(::waitpid(parent, &status, 0), parent);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0);
    char answer = 0;
    EXPECT_EQ(::read(report[0], &answer, 1), 1);
    EXPECT_EQ(answer, 'y');
    ::close(report[0]);
}

}  // namespace
}  // namespace strata::process
