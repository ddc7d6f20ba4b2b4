#include "strata/process/pid_file.h"

#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <string>

namespace strata::process {
namespace {

class PidFileTest : public ::testing::Test {
  protected:
    void SetUp() override {
        char pattern[] = "/tmp/strata-pid-XXXXXX";
        ASSERT_NE(::mkdtemp(pattern), nullptr);
        dir_ = pattern;
        path_ = dir_ + "/strata.pid";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }
    void write(const std::string& text) { std::ofstream(path_) << text; }

    std::string dir_;
    std::string path_;
};

TEST_F(PidFileTest, WritesReadsAndRemovesItsOwnPid) {
    ASSERT_TRUE(write_pid_file(path_, 1234));
    std::ifstream in(path_);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    EXPECT_EQ(text, "1234\n");
    EXPECT_EQ(read_pid_file(path_).value(), 1234);
    remove_pid_file(path_, 999);  // another master's file now: kept
    EXPECT_TRUE(std::filesystem::exists(path_));
    remove_pid_file(path_, 1234);
    EXPECT_FALSE(std::filesystem::exists(path_));
}

TEST_F(PidFileTest, WriteErrorNamesTheFile) {
    auto written = write_pid_file(dir_ + "/missing/x.pid", 1);
    ASSERT_FALSE(written);
    EXPECT_EQ(written.error(),
              "open() \"" + dir_ + "/missing/x.pid\" failed (2: No such file or directory)");
}

// nginx's -s messages, word for word.
TEST_F(PidFileTest, SignalErrorsAreNginxs) {
    auto missing = send_signal_to_master(path_, "reload");
    ASSERT_FALSE(missing);
    EXPECT_EQ(missing.error(), "open() \"" + path_ + "\" failed (2: No such file or directory)");

    write("");
    auto empty = send_signal_to_master(path_, "stop");
    ASSERT_FALSE(empty);
    EXPECT_EQ(empty.error(), "invalid PID number \"\" in \"" + path_ + "\"");

    write("12ab\n");
    EXPECT_EQ(send_signal_to_master(path_, "quit").error(),
              "invalid PID number \"12ab\" in \"" + path_ + "\"");

    write("1\n");
    EXPECT_EQ(send_signal_to_master(path_, "restart").error(), "invalid option: \"-s restart\"");
}

TEST_F(PidFileTest, SignalsThePidInTheFile) {
    pid_t child = ::fork();
    ASSERT_GE(child, 0);
    if (child == 0) {
        ::pause();
        ::_exit(0);
    }
    write(std::to_string(child) + "\r\n");
    auto sent = send_signal_to_master(path_, "stop");
    ASSERT_TRUE(sent) << sent.error();
    EXPECT_EQ(sent.value(), child);
    int status = 0;
    ASSERT_EQ(::waitpid(child, &status, 0), child);
    ASSERT_TRUE(WIFSIGNALED(status));
    EXPECT_EQ(WTERMSIG(status), SIGTERM);
}

}  // namespace
}  // namespace strata::process
