#include "strata/web/symlink_policy.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cerrno>
#include <filesystem>
#include <fstream>

namespace strata::web {
namespace {

namespace fs = std::filesystem;

struct ParseCase {
    std::vector<std::string> args;
    SymlinkRule rule;
    std::string from;
};

class ParseDisableSymlinks : public testing::TestWithParam<ParseCase> {};

TEST_P(ParseDisableSymlinks, Accepts) {
    auto parsed = parse_disable_symlinks(GetParam().args);
    ASSERT_TRUE(parsed) << parsed.error();
    EXPECT_EQ(parsed->rule, GetParam().rule);
    EXPECT_EQ(parsed->from, GetParam().from);
}

INSTANTIATE_TEST_SUITE_P(
    Table, ParseDisableSymlinks,
    testing::Values(ParseCase{{"off"}, SymlinkRule::follow, ""},
                    ParseCase{{"on"}, SymlinkRule::refuse, ""},
                    ParseCase{{"if_not_owner"}, SymlinkRule::refuse_if_not_owner, ""},
                    ParseCase{{"on", "from=$document_root"}, SymlinkRule::refuse, "$document_root"},
                    ParseCase{
                        {"if_not_owner", "from=/srv"}, SymlinkRule::refuse_if_not_owner, "/srv"},
                    ParseCase{{"on", "from="}, SymlinkRule::refuse, ""}));

TEST(ParseDisableSymlinksErrors, InNginxWords) {
    EXPECT_EQ(parse_disable_symlinks({"sideways"}).error(), "invalid parameter \"sideways\"");
    EXPECT_EQ(parse_disable_symlinks({"on", "bar"}).error(), "invalid parameter \"bar\"");
    EXPECT_EQ(parse_disable_symlinks({"off", "from=/x"}).error(),
              "\"from=\" cannot be used with \"off\" parameter");
}

struct FromCase {
    std::string path, from;
    SymlinkRule rule;
    size_t prefix;
};

class SymlinkCheckFor : public testing::TestWithParam<FromCase> {};

TEST_P(SymlinkCheckFor, FollowsNginx) {
    const FromCase& c = GetParam();
    SymlinkCheck check = symlink_check_for(SymlinkRule::refuse, c.path, c.from);
    EXPECT_EQ(check.rule, c.rule);
    EXPECT_EQ(check.unchecked_prefix, c.prefix);
}

INSTANTIATE_TEST_SUITE_P(
    Table, SymlinkCheckFor,
    testing::Values(FromCase{"/srv/www/a.txt", "/srv/www", SymlinkRule::refuse, 8},
                    FromCase{"/srv/www/a.txt", "/srv/www/", SymlinkRule::refuse, 8},
                    FromCase{"/srv/www/a.txt", "/srv/ww", SymlinkRule::refuse, 0},  // not at a '/'
                    FromCase{"/srv/www/a.txt", "/other", SymlinkRule::refuse, 0},
                    FromCase{"/srv/www", "/srv/www", SymlinkRule::follow, 0},  // the whole path
                    FromCase{"/srv", "/srv/www", SymlinkRule::refuse, 0},      // longer than it
                    FromCase{"/srv/www/a.txt", "", SymlinkRule::refuse, 0}));

class OpenCheckingSymlinks : public testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("strata-symlinks-" + std::to_string(getpid()));
        fs::create_directories(dir_ / "real");
        std::ofstream(dir_ / "plain.txt") << "plain";
        std::ofstream(dir_ / "real/inner.txt") << "inner";
        fs::create_symlink("plain.txt", dir_ / "link.txt");
        fs::create_directory_symlink("real", dir_ / "linkdir");
    }
    void TearDown() override { fs::remove_all(dir_); }

    // errno of a failed open, 0 when it succeeded.
    int open_error(const std::string& name, SymlinkRule rule, size_t prefix = 0) {
        std::string path = (dir_ / name).string();
        if (name.empty() || name.back() == '/') path = dir_.string() + "/" + name;
        int fd = open_checking_symlinks(path, {rule, prefix}, O_RDONLY | O_CLOEXEC);
        if (fd < 0) return errno;
        close(fd);
        return 0;
    }

    fs::path dir_;
};

TEST_F(OpenCheckingSymlinks, FollowOpensEverything) {
    EXPECT_EQ(open_error("link.txt", SymlinkRule::follow), 0);
    EXPECT_EQ(open_error("linkdir/inner.txt", SymlinkRule::follow), 0);
}

TEST_F(OpenCheckingSymlinks, RefuseFailsAsNginxDoes) {
    EXPECT_EQ(open_error("plain.txt", SymlinkRule::refuse), 0);
    EXPECT_EQ(open_error("real/inner.txt", SymlinkRule::refuse), 0);
    EXPECT_EQ(open_error("real/", SymlinkRule::refuse), 0);
    EXPECT_EQ(open_error("link.txt", SymlinkRule::refuse), ELOOP);             // the last name
    EXPECT_EQ(open_error("linkdir/inner.txt", SymlinkRule::refuse), ENOTDIR);  // on the way
    EXPECT_EQ(open_error("linkdir/", SymlinkRule::refuse), ENOTDIR);
    EXPECT_EQ(open_error("missing.txt", SymlinkRule::refuse), ENOENT);
}

TEST_F(OpenCheckingSymlinks, DoubleSlashesAreSkipped) {
    std::string path = dir_.string() + "//real//inner.txt";
    int fd = open_checking_symlinks(path, {SymlinkRule::refuse, 0}, O_RDONLY);
    ASSERT_GE(fd, 0);
    close(fd);
}

// The unchecked prefix may itself be a symlink; what follows it is checked.
TEST_F(OpenCheckingSymlinks, UncheckedPrefixMayBeASymlink) {
    std::string base = (dir_ / "linkdir").string();
    std::string path = base + "/inner.txt";
    int fd = open_checking_symlinks(path, {SymlinkRule::refuse, base.size()}, O_RDONLY);
    ASSERT_GE(fd, 0);
    close(fd);
    fs::create_symlink("inner.txt", dir_ / "real/again.txt");
    errno = 0;
    EXPECT_LT(
        open_checking_symlinks(base + "/again.txt", {SymlinkRule::refuse, base.size()}, O_RDONLY),
        0);
    EXPECT_EQ(errno, ELOOP);
}

TEST_F(OpenCheckingSymlinks, IfNotOwnerTakesSameOwnerLinks) {
    EXPECT_EQ(open_error("link.txt", SymlinkRule::refuse_if_not_owner), 0);
    EXPECT_EQ(open_error("linkdir/inner.txt", SymlinkRule::refuse_if_not_owner), 0);
}

TEST_F(OpenCheckingSymlinks, IfNotOwnerRefusesAnotherOwnersTarget) {
    if (geteuid() != 0) GTEST_SKIP() << "giving a file to another user needs root";
    std::ofstream(dir_ / "theirs.txt") << "theirs";
    ASSERT_EQ(chown((dir_ / "theirs.txt").c_str(), 65534, 65534), 0);
    fs::create_symlink("theirs.txt", dir_ / "theirs-link.txt");
    EXPECT_EQ(open_error("theirs-link.txt", SymlinkRule::refuse_if_not_owner), ELOOP);
    EXPECT_EQ(open_error("theirs.txt", SymlinkRule::refuse_if_not_owner), 0);  // no link
}

}  // namespace
}  // namespace strata::web
