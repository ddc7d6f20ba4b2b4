// The access log: files opened once under the prefix, one line per response through
// LoggingExchange, `off`, and reopening after rotation.
#include "strata/web/access_log.h"

#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

#include "recording_exchange.h"
#include "strata/base/version.h"
#include "strata/http/error_page.h"
#include "strata/web/request_context.h"

namespace strata::web {
namespace {

namespace fs = std::filesystem;

using AccessLogs = std::vector<std::pair<std::string, std::string>>;

class AccessLogTest : public ::testing::Test {
  protected:
    AccessLogTest() {
        dir_ = fs::temp_directory_path() / ("strata-access-log-" + std::to_string(getpid()));
        fs::create_directories(dir_ / "logs");
        main_.prefix = dir_.string() + "/";
        main_.http.log_formats["combined"] =
            compile_log_format(kCombinedLogFormat, LogEscape::standard).value();
        main_.http.log_formats["short"] =
            compile_log_format("$request_method $uri $status $body_bytes_sent", LogEscape::standard)
                .value();
        main_.http.settings.access_logs = AccessLogs{};
    }
    ~AccessLogTest() override { fs::remove_all(dir_); }

    // One server whose settings log to `logs`, and one location inside it with `inner`.
    void configure(AccessLogs logs, AccessLogs inner = {}) {
        ServerConfig& server = main_.http.servers.emplace_back();
        server.settings.access_logs = std::move(logs);
        LocationConfig& location = server.locations.emplace_back();
        location.settings.access_logs = std::move(inner);
    }

    // Answers `wire` through a LoggingExchange the way the handler does.
    template <class Answer>
    void answer(AccessLog& log, const std::string& wire, Answer&& respond,
                bool in_location = false) {
        RecordingExchange inner(wire);
        LoggingExchange logged(inner, &log);
        RequestContext ctx(logged, main_, files_);
        logged.set_context(ctx);
        ctx.server = &main_.http.servers.front();
        if (in_location) ctx.location = &ctx.server->locations.front();
        ctx.uri = std::string(inner.request().target);
        respond(logged);
    }

    std::string read(const std::string& name) const {
        std::ifstream in(dir_ / name);
        std::stringstream text;
        text << in.rdbuf();
        return text.str();
    }

    fs::path dir_;
    MainConfig main_;
    FileCache files_;
};

void ok(net::Exchange& e) {
    net::ResponseHead head;
    e.respond(head, "Hello World\n");
}

TEST_F(AccessLogTest, WritesOneLinePerResponseUnderThePrefix) {
    configure({{"logs/access.log", "short"}});
    AccessLog log(main_);
    answer(log, "GET /a HTTP/1.1\r\n\r\n", ok);
    answer(log, "GET /b HTTP/1.1\r\n\r\n", [](net::Exchange& e) { e.respond_error(404); });
    size_t page = http::error_page(404, kServerToken).size();
    EXPECT_EQ(read("logs/access.log"), "GET /a 200 12\nGET /b 404 " + std::to_string(page) + "\n");
}

TEST_F(AccessLogTest, CombinedLine) {
    configure({{dir_.string() + "/abs.log", "combined"}});
    AccessLog log(main_);
    answer(log, "GET /x HTTP/1.0\r\nUser-Agent: t\r\n\r\n", ok);
    std::string line = read("abs.log");
    EXPECT_EQ(line.substr(0, 14), "192.0.2.7 - - ");
    EXPECT_EQ(line.substr(line.find(']')), "] \"GET /x HTTP/1.0\" 200 12 \"-\" \"t\"\n");
}

TEST_F(AccessLogTest, HeadAndBodilessStatusesSendNoBody) {
    configure({{"logs/access.log", "short"}});
    AccessLog log(main_);
    answer(log, "HEAD /h HTTP/1.1\r\n\r\n", ok);
    answer(log, "GET /n HTTP/1.1\r\n\r\n", [](net::Exchange& e) {
        net::ResponseHead head;
        head.status = 304;
        e.respond(head, "ignored");
    });
    EXPECT_EQ(read("logs/access.log"), "HEAD /h 200 0\nGET /n 304 0\n");
}

TEST_F(AccessLogTest, FilesAndClosedConnections) {
    configure({{"logs/access.log", "short"}});
    AccessLog log(main_);
    answer(log, "GET /f HTTP/1.1\r\n\r\n", [](net::Exchange& e) {
        int fd = ::open("/dev/null", O_RDONLY | O_CLOEXEC);
        e.respond_file(net::ResponseHead{}, fd, 0, 4096);
    });
    answer(log, "GET /c HTTP/1.1\r\n\r\n", [](net::Exchange& e) { e.close_without_response(); });
    EXPECT_EQ(read("logs/access.log"), "GET /f 200 4096\nGET /c 444 0\n");
}

TEST_F(AccessLogTest, TheAnsweringLocationDecides) {
    configure({{"logs/server.log", "short"}}, AccessLogs{});  // the location says `off`
    AccessLog log(main_);
    answer(log, "GET /in HTTP/1.1\r\n\r\n", ok, true);
    answer(log, "GET /out HTTP/1.1\r\n\r\n", ok, false);
    EXPECT_EQ(read("logs/server.log"), "GET /out 200 12\n");
}

TEST_F(AccessLogTest, SeveralLogsAndOneDescriptorPerFile) {
    configure({{"logs/a.log", "short"}, {"logs/b.log", "combined"}}, {{"logs/a.log", "combined"}});
    AccessLog log(main_);
    EXPECT_GE(log.fd_of("logs/a.log"), 0);
    EXPECT_NE(log.fd_of("logs/a.log"), log.fd_of("logs/b.log"));
    EXPECT_EQ(log.fd_of("logs/none.log"), -1);
    answer(log, "GET /two HTTP/1.1\r\n\r\n", ok);
    EXPECT_EQ(read("logs/a.log"), "GET /two 200 12\n");
    EXPECT_NE(read("logs/b.log").find("\"GET /two HTTP/1.1\" 200 12"), std::string::npos);
}

TEST_F(AccessLogTest, ReopenStartsANewFileAfterRotation) {
    configure({{"logs/access.log", "short"}});
    AccessLog log(main_);
    answer(log, "GET /before HTTP/1.1\r\n\r\n", ok);
    fs::rename(dir_ / "logs/access.log", dir_ / "logs/access.log.1");
    answer(log, "GET /moved HTTP/1.1\r\n\r\n", ok);  // still the old file
    log.reopen();
    answer(log, "GET /after HTTP/1.1\r\n\r\n", ok);
    EXPECT_EQ(read("logs/access.log.1"), "GET /before 200 12\nGET /moved 200 12\n");
    EXPECT_EQ(read("logs/access.log"), "GET /after 200 12\n");
}

TEST_F(AccessLogTest, AFileThatCannotOpenIsSkipped) {
    configure({{"missing/dir/access.log", "short"}, {"logs/ok.log", "short"}});
    AccessLog log(main_);
    EXPECT_EQ(log.fd_of("missing/dir/access.log"), -1);
    answer(log, "GET / HTTP/1.1\r\n\r\n", ok);
    EXPECT_EQ(read("logs/ok.log"), "GET / 200 12\n");
}

TEST_F(AccessLogTest, WithoutALogTheExchangeOnlyForwards) {
    RecordingExchange inner("GET / HTTP/1.1\r\n\r\n");
    LoggingExchange logged(inner, nullptr);
    RequestContext ctx(logged, main_, files_);
    logged.set_context(ctx);
    logged.respond_error(403);
    EXPECT_EQ(inner.status, 403);
    EXPECT_EQ(&logged.request(), &inner.request());
}

}  // namespace
}  // namespace strata::web
