#include "strata/net/file_watch.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <string>
#include <vector>

#include "strata/net/timer.h"

namespace strata::net {
namespace {

// Runs the loop until a change is seen or a second passes.
std::vector<std::string> changes_after(const std::function<void()>& change,
                                       const std::string& watched) {
    EventLoop loop;
    std::vector<std::string> seen;
    FileWatch watch(loop, [&](const std::string& path) {
        seen.push_back(path);
        loop.stop();
    });
    EXPECT_TRUE(watch.add(watched));
    Timer give_up;
    give_up.set_callback([&] { loop.stop(); });
    loop.arm(give_up, 1000);
    change();
    loop.run();
    return seen;
}

class FileWatchTest : public ::testing::Test {
  protected:
    void SetUp() override {
        dir_ =
            std::filesystem::temp_directory_path() / ("strata-watch-" + std::to_string(::getpid()));
        std::filesystem::create_directories(dir_);
        file_ = (dir_ / "app.py").string();
        std::ofstream(file_) << "x = 1\n";
    }
    void TearDown() override { std::filesystem::remove_all(dir_); }

    std::filesystem::path dir_;
    std::string file_;
};

TEST_F(FileWatchTest, SeesAWriteInPlace) {
    auto seen = changes_after([&] { std::ofstream(file_, std::ios::app) << "y = 2\n"; }, file_);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(), file_);
}

TEST_F(FileWatchTest, SeesAFileReplacedByRename) {
    std::string fresh = (dir_ / "new.py").string();
    std::ofstream(fresh) << "x = 3\n";
    auto seen = changes_after([&] { std::rename(fresh.c_str(), file_.c_str()); }, file_);
    ASSERT_FALSE(seen.empty());
    EXPECT_EQ(seen.front(), file_);
}

TEST_F(FileWatchTest, QuietFileReportsNothingAndMissingFileIsRefused) {
    EXPECT_TRUE(changes_after([] {}, file_).empty());
    EventLoop loop;
    FileWatch watch(loop, [](const std::string&) {});
    EXPECT_FALSE(watch.add((dir_ / "missing.py").string()));
    EXPECT_EQ(watch.size(), 0u);
}

}  // namespace
}  // namespace strata::net
