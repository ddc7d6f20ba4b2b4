// error_log in http, server and location: each level's set resolved at load, inherited
// whole (http → server → location) by levels that set none, one file per distinct path,
// level filtering per file, and reopening after rotation.
#include "strata/web/level_error_logs.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "strata/config/parser.h"
#include "strata/web/config_builder.h"
#include "strata/web/http_config.h"

namespace strata::web {
namespace {

namespace fs = std::filesystem;

Result<MainConfig, config::ConfigError> load(const std::string& http_block) {
    auto tree = config::parse_text("http { " + http_block + " }", "test.conf");
    if (!tree.ok()) return Err{tree.error()};
    return build_main_config(tree.value(), "/prefix/");
}

std::vector<std::pair<std::string, log::Level>> targets(const LocationSettings& s) {
    std::vector<std::pair<std::string, log::Level>> out;
    if (!s.error_log) return out;
    for (const LevelErrorLogs::Target& t : s.error_log->targets())
        out.emplace_back(t.file->path(), t.lowest);
    return out;
}

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

using Targets = std::vector<std::pair<std::string, log::Level>>;

TEST(LevelErrorLogs, WithoutAnyTheMainLogIsUsed) {
    auto main = load("server { listen 127.0.0.1:1; location / { } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    EXPECT_EQ(main->http.settings.error_log, nullptr);
    EXPECT_EQ(main->http.servers[0].settings.error_log, nullptr);
    EXPECT_EQ(main->http.servers[0].locations[0].settings.error_log, nullptr);
}

TEST(LevelErrorLogs, InheritedWholeByLevelsThatSetNone) {
    auto main = load(
        "error_log logs/http.log;"
        " server { listen 127.0.0.1:1; location / { } }"
        " server { listen 127.0.0.1:2; error_log /var/server.log info;"
        "   location / { }"
        "   location /two { error_log /var/a.log warn; error_log stderr crit;"
        "     location /two/inner { } } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const HttpConfig& http = main->http;
    EXPECT_EQ(targets(http.settings), (Targets{{"/prefix/logs/http.log", log::Level::error}}));
    EXPECT_EQ(targets(http.servers[0].settings), targets(http.settings));
    EXPECT_EQ(targets(http.servers[0].locations[0].settings), targets(http.settings));
    Targets server{{"/var/server.log", log::Level::info}};
    EXPECT_EQ(targets(http.servers[1].settings), server);
    EXPECT_EQ(targets(http.servers[1].locations[0].settings), server);
    // A level's own logs replace the inherited ones, and its children take them.
    Targets two{{"/var/a.log", log::Level::warn}, {"stderr", log::Level::crit}};
    EXPECT_EQ(targets(http.servers[1].locations[1].settings), two);
    EXPECT_EQ(targets(http.servers[1].locations[1].children.at(0).settings), two);
}

TEST(LevelErrorLogs, OneFilePerPathSharedByLevels) {
    auto main = load(
        "error_log /var/x.log; server { listen 127.0.0.1:1; error_log /var/x.log debug;"
        " location / { error_log /var/y.log; } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const HttpConfig& http = main->http;
    EXPECT_EQ(http.error_log_files->size(), 2u);
    EXPECT_EQ(http.settings.error_log->targets()[0].file,
              http.servers[0].settings.error_log->targets()[0].file);
    EXPECT_EQ(http.servers[0].settings.error_log->targets()[0].lowest, log::Level::debug);
}

TEST(LevelErrorLogs, IfBlocksUseTheirLocationsLogs) {
    auto main = load(
        "server { listen 127.0.0.1:1; location / { error_log /var/l.log notice;"
        " if ($arg_x) { return 404; } } }");
    ASSERT_TRUE(main.ok()) << main.error().message;
    const LocationConfig& location = main->http.servers[0].locations[0];
    const RewriteStep& step = location.rewrites.at(0);
    ASSERT_NE(step.if_location, nullptr);
    EXPECT_EQ(step.if_location->settings.error_log, location.settings.error_log);
}

TEST(LevelErrorLogs, TakesTheMostVerboseOfItsFiles) {
    ErrorLogFiles files("/prefix/");
    auto logs = files.resolve({{"/var/a.log", log::Level::warn}, {"/var/b.log", log::Level::crit}});
    EXPECT_TRUE(logs->takes(log::Level::warn));
    EXPECT_TRUE(logs->takes(log::Level::emerg));
    EXPECT_FALSE(logs->takes(log::Level::notice));
}

TEST(LevelErrorLogs, EachFileKeepsItsOwnLevelAndReopensAfterRotation) {
    fs::path dir = fs::temp_directory_path() / ("strata-level-logs-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    ErrorLogFiles files(dir.string() + "/");
    auto logs = files.resolve({{"warn.log", log::Level::warn}, {"crit.log", log::Level::crit}});
    files.open_all();
    logs->write(log::Level::error, "an error");
    logs->write(log::Level::crit, "a crit");
    logs->write(log::Level::info, "an info");
    std::string warn = read(dir / "warn.log");
    EXPECT_NE(warn.find("[error]"), std::string::npos);
    EXPECT_NE(warn.find(": an error\n"), std::string::npos);
    EXPECT_NE(warn.find(": a crit\n"), std::string::npos);
    EXPECT_EQ(warn.find("an info"), std::string::npos);
    std::string crit = read(dir / "crit.log");
    EXPECT_EQ(crit.find("an error"), std::string::npos);
    EXPECT_NE(crit.find("[crit]"), std::string::npos);

    fs::rename(dir / "warn.log", dir / "warn.log.1");
    logs->write(log::Level::error, "after the move");
    files.open_all();
    logs->write(log::Level::error, "after the reopen");
    EXPECT_NE(read(dir / "warn.log.1").find("after the move"), std::string::npos);
    std::string fresh = read(dir / "warn.log");
    EXPECT_NE(fresh.find("after the reopen"), std::string::npos);
    EXPECT_EQ(fresh.find("after the move"), std::string::npos);
    fs::remove_all(dir);
}

TEST(LevelErrorLogs, AnInvalidLevelIsRefusedWithItsLine) {
    auto main = load("server { listen 127.0.0.1:1; location / { error_log /var/x.log loud; } }");
    ASSERT_FALSE(main.ok());
    EXPECT_NE(main.error().message.find("invalid log level \"loud\""), std::string::npos);
}

}  // namespace
}  // namespace strata::web
