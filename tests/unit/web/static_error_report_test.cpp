// The error-log messages of the static content phase, in nginx's words, and the request
// context nginx appends to them.
#include "strata/web/static_error_report.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "recording_exchange.h"
#include "strata/config/parser.h"
#include "strata/web/config_builder.h"
#include "strata/web/request_error_log.h"

namespace strata::web {
namespace {

namespace fs = std::filesystem;

class StaticErrorReport : public ::testing::Test {
  protected:
    void SetUp() override {
        root_ = fs::temp_directory_path() / ("strata-static-errors-" + std::to_string(getpid()));
        fs::remove_all(root_);
        fs::create_directories(root_ / "dir");
        std::ofstream(root_ / "file.html") << "x";
        auto tree = config::parse_text(
            "http { server { listen 127.0.0.1:1; server_name site.test; root " + root_.string() +
                ";"
                " location / { } location /quiet/ { log_not_found off; }"
                " location /tf { try_files $uri =404; } } }",
            "test.conf");
        ASSERT_TRUE(tree.ok());
        auto main = build_main_config(tree.value(), "/prefix/");
        ASSERT_TRUE(main.ok()) << main.error().message;
        main_ = std::move(main.value());
    }
    void TearDown() override { fs::remove_all(root_); }

    // The message for `status` answered to "GET uri" in the location matching it.
    std::optional<StaticErrorMessage> message(const std::string& uri, int status) {
        RecordingExchange exchange("GET " + uri + " HTTP/1.1\r\nHost: site.test\r\n\r\n");
        RequestContext ctx(exchange, main_, files_);
        ctx.server = &main_.http.servers.at(0);
        ctx.location = find_location(ctx.server->locations, uri).node;
        ctx.uri = uri;
        return static_error_message(ctx, status);
    }

    fs::path root_;
    MainConfig main_;
    FileCache files_;
};

TEST_F(StaticErrorReport, MissingFileIsAnOpenFailure) {
    auto m = message("/missing", 404);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->level, log::Level::error);
    EXPECT_EQ(m->text,
              "open() \"" + root_.string() + "/missing\" failed (2: No such file or directory)");
}

TEST_F(StaticErrorReport, PathThroughAFileIsNotADirectory) {
    auto m = message("/file.html/more", 404);
    ASSERT_TRUE(m);
    EXPECT_EQ(m->text,
              "open() \"" + root_.string() + "/file.html/more\" failed (20: Not a directory)");
}

TEST_F(StaticErrorReport, DirectoriesWithoutAnIndex) {
    auto forbidden = message("/dir/", 403);
    ASSERT_TRUE(forbidden);
    EXPECT_EQ(forbidden->text, "directory index of \"" + root_.string() + "/dir/\" is forbidden");
    auto missing = message("/nodir/", 404);
    ASSERT_TRUE(missing);
    EXPECT_EQ(missing->text, "\"" + root_.string() +
                                 "/nodir/index.html\" is not found (2: No such file or directory)");
}

TEST_F(StaticErrorReport, NothingWhereNginxWritesNothing) {
    EXPECT_FALSE(message("/quiet/missing", 404));  // log_not_found off
    EXPECT_FALSE(message("/tf", 404));             // try_files' =404
    EXPECT_FALSE(message("/missing", 405));        // not a file's status
    EXPECT_FALSE(message("/file.html", 404));      // the file is there: not the cause
}

TEST_F(StaticErrorReport, ContextNamesClientServerRequestHostAndReferrer) {
    RecordingExchange exchange(
        "GET /x?a=1 HTTP/1.1\r\nHost: site.test:8080\r\nReferer: http://from/\r\n\r\n");
    RequestContext ctx(exchange, main_, files_);
    ctx.server = &main_.http.servers.at(0);
    EXPECT_EQ(request_log_context(ctx),
              ", client: 192.0.2.7, server: site.test, request: \"GET /x?a=1 HTTP/1.1\","
              " host: \"site.test:8080\", referrer: \"http://from/\"");
    RecordingExchange bare("GET / HTTP/1.0\r\n\r\n");
    RequestContext bare_ctx(bare, main_, files_);
    bare_ctx.server = &main_.http.servers.at(0);
    EXPECT_EQ(request_log_context(bare_ctx),
              ", client: 192.0.2.7, server: site.test, request: \"GET / HTTP/1.0\"");
}

}  // namespace
}  // namespace strata::web
