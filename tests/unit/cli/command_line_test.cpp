#include "strata/cli/command_line.h"

#include <gtest/gtest.h>

namespace strata::cli {
namespace {

CommandLine parse_ok(std::vector<std::string> args) {
    auto r = parse_command_line(args);
    EXPECT_TRUE(r.ok()) << (r.ok() ? "" : r.error());
    return r.ok() ? r.value() : CommandLine{};
}

std::string parse_error(std::vector<std::string> args) {
    auto r = parse_command_line(args);
    return r.ok() ? "accepted" : r.error();
}

TEST(CommandLine, FlagsAndValues) {
    CommandLine c = parse_ok({"-t", "-q", "-c", "conf/x.conf", "-p", "/srv/", "-g", "daemon off;"});
    EXPECT_TRUE(c.test);
    EXPECT_TRUE(c.quiet);
    EXPECT_FALSE(c.dump);
    EXPECT_EQ(c.conf_file, "conf/x.conf");
    EXPECT_EQ(c.prefix, "/srv/");
    EXPECT_EQ(c.directives, "daemon off;");
}

TEST(CommandLine, CombinedFlagsAndAttachedValues) {
    CommandLine c = parse_ok({"-Tq", "-cnginx.conf", "-sreload", "-e", "stderr"});
    EXPECT_TRUE(c.test && c.dump && c.quiet);
    EXPECT_EQ(c.conf_file, "nginx.conf");
    EXPECT_EQ(c.signal, "reload");
    EXPECT_EQ(c.error_log, "stderr");
    EXPECT_TRUE(parse_ok({"-tc", "x.conf"}).test);
    EXPECT_EQ(parse_ok({"-tc", "x.conf"}).conf_file, "x.conf");
}

TEST(CommandLine, VersionAndHelp) {
    EXPECT_TRUE(parse_ok({"-v"}).version);
    EXPECT_TRUE(parse_ok({"-V"}).version_full);
    EXPECT_TRUE(parse_ok({"-?"}).help);
    EXPECT_TRUE(parse_ok({"-h"}).help);
    EXPECT_NE(usage_text().find("-s signal     : send signal to a master process"),
              std::string::npos);
}

// nginx's own messages for the same mistakes.
TEST(CommandLine, ErrorsReadLikeNginx) {
    EXPECT_EQ(parse_error({"-x"}), "invalid option: \"x\"");
    EXPECT_EQ(parse_error({"-tx"}), "invalid option: \"x\"");
    EXPECT_EQ(parse_error({"-c"}), "option \"-c\" requires file name");
    EXPECT_EQ(parse_error({"-p"}), "option \"-p\" requires prefix");
    EXPECT_EQ(parse_error({"-s"}), "option \"-s\" requires parameter");
    EXPECT_EQ(parse_error({"-s", "foo"}), "invalid option: \"-s foo\"");
    EXPECT_EQ(parse_error({"conf"}), "invalid option: \"conf\"");
    EXPECT_EQ(parse_error({"-"}), "invalid option: \"-\"");
}

}  // namespace
}  // namespace strata::cli
