// The command line and name `ps` shows, set in a child process (the test's own stays).
#include "strata/process/process_title.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <fstream>
#include <iterator>
#include <string>

namespace strata::process {
namespace {

std::string read_file(const std::string& path) {
    std::ifstream file(path, std::ios::binary);
    return {std::istreambuf_iterator<char>(file), std::istreambuf_iterator<char>()};
}

struct Seen {
    std::string cmdline;
    std::string comm;
};

// A child sets the title and waits on a pipe while the parent reads /proc.
Seen title_seen_from_outside(const std::vector<std::string>& args, const std::string& name) {
    int ready[2];
    int done[2];
    EXPECT_EQ(::pipe(ready), 0);
    EXPECT_EQ(::pipe(done), 0);
    pid_t child = ::fork();
    if (child == 0) {
        bool ok = set_process_title(args, name);
        char c = ok ? '1' : '0';
        (void)!::write(ready[1], &c, 1);
        (void)!::read(done[0], &c, 1);
        ::_exit(0);
    }
    char c = 0;
    EXPECT_EQ(::read(ready[0], &c, 1), 1);
    EXPECT_EQ(c, '1');
    Seen seen{read_file("/proc/" + std::to_string(child) + "/cmdline"),
              read_file("/proc/" + std::to_string(child) + "/comm")};
    (void)!::write(done[1], &c, 1);
    int status = 0;
    ::waitpid(child, &status, 0);
    for (int fd : {ready[0], ready[1], done[0], done[1]})
        ::close(fd);
    return seen;
}

TEST(ProcessTitle, ReplacesTheCommandLineAndName) {
    Seen seen = title_seen_from_outside({"strata", "wsgi", "app:app"}, "strata");
    EXPECT_EQ(seen.cmdline.substr(0, 20), std::string("strata\0wsgi\0app:app\0", 20));
    EXPECT_EQ(seen.cmdline.find_first_not_of('\0', 20), std::string::npos);  // the rest blank
    EXPECT_EQ(seen.comm, "strata\n");
}

TEST(ProcessTitle, ALongTitleIsCutToTheOriginalSpace) {
    std::string original = read_file("/proc/self/cmdline");
    Seen seen = title_seen_from_outside({std::string(original.size() + 100, 'x')},
                                        "a-name-longer-than-fifteen");
    EXPECT_EQ(seen.cmdline.size(), original.size());
    EXPECT_EQ(seen.cmdline.back(), '\0');
    EXPECT_EQ(seen.comm, "a-name-longer-t\n");
}

}  // namespace
}  // namespace strata::process
