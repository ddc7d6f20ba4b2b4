#include "strata/web/file_cache.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <thread>

namespace strata::web {
namespace {

namespace fs = std::filesystem;

class FileCacheTest : public testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("strata-file-cache-" + std::to_string(getpid()));
        fs::create_directories(dir_ / "sub");
        write("small.txt", "hello");
        write("big.bin", std::string(kCachedFileMax + 1, 'x'));
    }
    void TearDown() override { fs::remove_all(dir_); }
    void write(const std::string& name, const std::string& text) {
        std::ofstream(dir_ / name) << text;
    }
    std::string path(const std::string& name) const { return (dir_ / name).string(); }

    fs::path dir_;
    FileCache cache_;
};

TEST_F(FileCacheTest, SmallFilesCarryTheirContent) {
    const FileInfo& info = cache_.lookup(path("small.txt"));
    ASSERT_TRUE(info.is_file());
    ASSERT_NE(info.content, nullptr);
    EXPECT_EQ(*info.content, "hello");
    EXPECT_EQ(info.st.st_size, 5);
}

TEST_F(FileCacheTest, LargeFilesAreOnlyStated) {
    const FileInfo& info = cache_.lookup(path("big.bin"));
    EXPECT_TRUE(info.is_file());
    EXPECT_EQ(info.content, nullptr);
}

TEST_F(FileCacheTest, DirectoriesAndMissingPaths) {
    EXPECT_TRUE(cache_.lookup(path("sub")).is_directory());
    const FileInfo& missing = cache_.lookup(path("nope"));
    EXPECT_EQ(missing.error, ENOENT);
    EXPECT_FALSE(missing.is_file());
    EXPECT_EQ(cache_.lookup(path("small.txt/x")).error, ENOTDIR);
}

// Entries live for one tick of the coarse clock: a change is seen right after it.
TEST_F(FileCacheTest, ChangesAreSeenOnceTheClockTicks) {
    EXPECT_EQ(*cache_.lookup(path("small.txt")).content, "hello");
    write("small.txt", "changed");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));  // several coarse ticks
    EXPECT_EQ(*cache_.lookup(path("small.txt")).content, "changed");
    fs::remove(dir_ / "small.txt");
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
    EXPECT_EQ(cache_.lookup(path("small.txt")).error, ENOENT);
}

// disable_symlinks: the path is opened without following links; the answer is kept
// apart from a plain lookup of the same path.
TEST_F(FileCacheTest, CheckedLookupsRefuseSymlinks) {
    fs::create_symlink("small.txt", dir_ / "link.txt");
    SymlinkCheck refuse{SymlinkRule::refuse, 0};
    EXPECT_EQ(cache_.lookup(path("link.txt"), refuse).error, ELOOP);
    const FileInfo& plain = cache_.lookup(path("link.txt"));
    ASSERT_TRUE(plain.is_file());
    EXPECT_EQ(*plain.content, "hello");
    EXPECT_EQ(cache_.lookup(path("link.txt"), refuse).error, ELOOP);
    const FileInfo& real = cache_.lookup(path("small.txt"), refuse);
    ASSERT_TRUE(real.is_file());
    EXPECT_EQ(*real.content, "hello");
    EXPECT_TRUE(cache_.lookup(path("sub"), refuse).is_directory());
    EXPECT_EQ(cache_.lookup(path("missing"), refuse).error, ENOENT);
}

}  // namespace
}  // namespace strata::web
