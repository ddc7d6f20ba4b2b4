// The error log's file handling: open_file, reopen after rotation, level names.
#include "strata/base/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace strata::log {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(Log, ParsesNginxsLevelNames) {
    EXPECT_EQ(parse_level("debug"), Level::debug);
    EXPECT_EQ(parse_level("warn"), Level::warn);
    EXPECT_EQ(parse_level("emerg"), Level::emerg);
    EXPECT_EQ(parse_level("warning"), std::nullopt);
    EXPECT_EQ(parse_level(""), std::nullopt);
}

TEST(Log, ReopenFollowsRotation) {
    fs::path dir = fs::temp_directory_path() / ("strata-log-" + std::to_string(getpid()));
    fs::create_directories(dir);
    ASSERT_EQ(open_file((dir / "error.log").string()), 0);
    write(Level::error, "before");
    fs::rename(dir / "error.log", dir / "error.log.1");
    reopen();
    write(Level::warn, "after");
    EXPECT_NE(open_file((dir / "missing/error.log").string()), 0);  // keeps the current file
    write(Level::error, "still");
    set_fd(2);
    reopen();  // nothing to reopen for stderr
    EXPECT_NE(read(dir / "error.log.1").find("[error] " + std::to_string(getpid()) + "#0: before"),
              std::string::npos);
    std::string now = read(dir / "error.log");
    EXPECT_NE(now.find("[warn] "), std::string::npos);
    EXPECT_NE(now.find(": still\n"), std::string::npos);
    EXPECT_EQ(now.find("before"), std::string::npos);
    fs::remove_all(dir);
}

}  // namespace
}  // namespace strata::log
