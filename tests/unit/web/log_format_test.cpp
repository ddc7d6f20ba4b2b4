// log_format: compiling formats, nginx's escaping, time texts, and whole lines.
#include "strata/web/log_format.h"

#include <gtest/gtest.h>

#include <cstdlib>
#include <ctime>

#include "recording_exchange.h"
#include "strata/web/request_context.h"

namespace strata::web {
namespace {

constexpr int64_t kNov24 = 1795487400;  // 2026-11-24 02:30:00 UTC

// Runs a test body with TZ set, restoring the previous zone afterwards.
class ScopedTimeZone {
  public:
    explicit ScopedTimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old;
        setenv("TZ", tz, 1);
        tzset();
    }
    ~ScopedTimeZone() {
        if (old_.empty())
            unsetenv("TZ");
        else
            setenv("TZ", old_.c_str(), 1);
        tzset();
    }

  private:
    std::string old_;
};

config::Directive directive(std::vector<std::string> args) {
    config::Directive d;
    d.name = "log_format";
    d.args = std::move(args);
    d.where = {"conf/nginx.conf", 7};
    return d;
}

std::string escaped(std::string_view value, LogEscape escape) {
    std::string out;
    append_escaped(out, value, escape);
    return out;
}

TEST(LogFormat, CompilesLiteralsAndVariables) {
    LogFormat f =
        compile_log_format("[$time_local] ${status}x $http_host$1", LogEscape::none).value();
    ASSERT_EQ(f.parts.size(), 7u);
    EXPECT_TRUE(f.parts[0].literal);
    EXPECT_EQ(f.parts[0].text, "[");
    EXPECT_EQ(f.parts[1].variable, LogVariable::time_local);
    EXPECT_EQ(f.parts[3].variable, LogVariable::status);
    EXPECT_EQ(f.parts[4].text, "x ");
    EXPECT_FALSE(f.parts[5].literal);
    EXPECT_EQ(f.parts[5].variable, LogVariable::request);
    EXPECT_EQ(f.parts[5].text, "http_host");
    EXPECT_EQ(f.parts[6].text, "1");  // a regex capture
}

TEST(LogFormat, JoinsArgumentsAndReadsEscape) {
    LogFormat plain = compile_log_format(directive({"main", "$uri ", "$status"})).value();
    EXPECT_EQ(plain.escape, LogEscape::standard);
    EXPECT_EQ(plain.parts.size(), 3u);
    EXPECT_EQ(compile_log_format(directive({"j", "escape=json", "$uri"}))->escape, LogEscape::json);
    EXPECT_EQ(compile_log_format(directive({"n", "escape=none", "$uri"}))->escape, LogEscape::none);
    EXPECT_EQ(compile_log_format(directive({"d", "escape=default", "$uri"}))->escape,
              LogEscape::standard);
    // A lone "escape=…" is the format itself, as in nginx.
    EXPECT_EQ(compile_log_format(directive({"f", "escape=json"}))->parts[0].text, "escape=json");
}

TEST(LogFormat, ErrorsNameFileAndLine) {
    auto bad = compile_log_format(directive({"x", "escape=xml", "$uri"}));
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().to_string(), "conf/nginx.conf:7: unknown log format escaping \"xml\"");
    auto bracket = compile_log_format(directive({"x", "${uri"}));
    ASSERT_FALSE(bracket);
    EXPECT_EQ(bracket.error().to_string(),
              "conf/nginx.conf:7: the closing bracket in \"uri\" variable is missing");
}

TEST(LogFormat, AccessLogMustNameAKnownFormat) {
    std::map<std::string, LogFormat> formats{{"combined", {}}, {"main", {}}};
    config::Directive http;
    http.name = "http";
    config::Directive server;
    server.name = "server";
    config::Directive log;
    log.name = "access_log";
    log.where = {"conf/nginx.conf", 12};
    for (auto args :
         {std::vector<std::string>{"off"}, {"a.log"}, {"a.log", "main"}, {"a.log", "buffer=32k"}}) {
        log.args = args;
        server.block = {log};
        http.block = {server};
        EXPECT_TRUE(check_access_log_formats(http, formats)) << args.back();
    }
    log.args = {"a.log", "mian"};
    server.block = {log};
    http.block = {server};
    auto bad = check_access_log_formats(http, formats);
    ASSERT_FALSE(bad);
    EXPECT_EQ(bad.error().to_string(), "conf/nginx.conf:12: unknown log format \"mian\"");
}

TEST(LogFormat, DefaultEscapingIsHexForQuotesBackslashAndControlBytes) {
    EXPECT_EQ(escaped("Mozilla/5.0 (X11)", LogEscape::standard), "Mozilla/5.0 (X11)");
    EXPECT_EQ(escaped("a\"b\\c", LogEscape::standard), "a\\x22b\\x5Cc");
    EXPECT_EQ(escaped("\t\n\x1f\x7f", LogEscape::standard), "\\x09\\x0A\\x1F\\x7F");
    EXPECT_EQ(escaped("\xc3\xa9", LogEscape::standard), "\\xC3\\xA9");
    EXPECT_EQ(escaped("a\"\\\n", LogEscape::none), "a\"\\\n");
}

TEST(LogFormat, JsonEscaping) {
    EXPECT_EQ(escaped("a\"b\\c", LogEscape::json), "a\\\"b\\\\c");
    EXPECT_EQ(escaped("\n\r\t\b\f", LogEscape::json), "\\n\\r\\t\\b\\f");
    EXPECT_EQ(escaped(std::string_view("\x01\0", 2), LogEscape::json), "\\u0001\\u0000");
    EXPECT_EQ(escaped("\xc3\xa9", LogEscape::json), "\xc3\xa9");  // UTF-8 passes through
}

TEST(LogFormat, TimeTexts) {
    ScopedTimeZone utc("UTC");
    EXPECT_EQ(time_local_text(kNov24), "24/Nov/2026:02:30:00 +0000");
    EXPECT_EQ(time_iso8601_text(kNov24), "2026-11-24T02:30:00+00:00");
    EXPECT_EQ(time_local_text(0), "01/Jan/1970:00:00:00 +0000");
}

TEST(LogFormat, TimeTextsCarryTheLocalOffset) {
    ScopedTimeZone india("IST-5:30");
    EXPECT_EQ(time_local_text(kNov24), "24/Nov/2026:08:00:00 +0530");
    EXPECT_EQ(time_iso8601_text(kNov24), "2026-11-24T08:00:00+05:30");
    ScopedTimeZone west("XST+3:30");
    EXPECT_EQ(time_local_text(kNov24), "23/Nov/2026:23:00:00 -0330");
}

TEST(LogFormat, MillisecondTexts) {
    EXPECT_EQ(msec_text(kNov24 * 1000 + 7), "1795487400.007");
    EXPECT_EQ(request_time_text(0), "0.000");
    EXPECT_EQ(request_time_text(1), "0.001");
    EXPECT_EQ(request_time_text(12345), "12.345");
    EXPECT_EQ(request_time_text(-5), "0.000");
}

TEST(LogFormat, RemoteUserFromBasicCredentials) {
    EXPECT_EQ(basic_auth_user("Basic YWxpY2U6c2VjcmV0"), "alice");
    EXPECT_EQ(basic_auth_user("basic  YWxpY2U6c2VjcmV0"), "alice");
    EXPECT_EQ(basic_auth_user("Basic YWxpY2U="), "");  // no colon
    EXPECT_EQ(basic_auth_user("Basic !!!"), "");
    EXPECT_EQ(basic_auth_user("Bearer abc"), "");
    EXPECT_EQ(basic_auth_user(""), "");
}

class LogLine : public ::testing::Test {
  protected:
    std::string line(std::string_view format_text, const std::string& wire, LoggedResponse response,
                     LogEscape escape = LogEscape::standard) {
        RecordingExchange exchange(wire);
        RequestContext ctx(exchange, main_, files_);
        ctx.uri = "/index.html";
        std::string_view target = exchange.request().target;
        if (size_t q = target.find('?'); q != std::string_view::npos)
            ctx.args = std::string(target.substr(q + 1));
        LogFormat format = compile_log_format(format_text, escape).value();
        return format_log_line(format, ctx, response);
    }

    ScopedTimeZone utc_{"UTC"};
    MainConfig main_;
    FileCache files_;
    LoggedResponse ok_{200, 12, 200, kNov24 * 1000 - 3, kNov24 * 1000};
};

TEST_F(LogLine, CombinedIsNginxsLine) {
    EXPECT_EQ(
        line(kCombinedLogFormat,
             "GET /index.html?a=1 HTTP/1.1\r\nHost: x\r\nUser-Agent: curl/7.88.1\r\n\r\n", ok_),
        "192.0.2.7 - - [24/Nov/2026:02:30:00 +0000] \"GET /index.html?a=1 HTTP/1.1\" 200 "
        "12 \"-\" \"curl/7.88.1\"");
    EXPECT_EQ(line(kCombinedLogFormat,
                   "HEAD / HTTP/1.0\r\nReferer: http://a/\"x\r\n"
                   "Authorization: Basic YWxpY2U6c2VjcmV0\r\n\r\n",
                   {404, 0, 0, 0, kNov24 * 1000}),
              "192.0.2.7 - alice [24/Nov/2026:02:30:00 +0000] \"HEAD / HTTP/1.0\" 404 0 "
              "\"http://a/\\x22x\" \"-\"");
}

TEST_F(LogLine, ResponseAndClockVariables) {
    EXPECT_EQ(line("$status $body_bytes_sent $bytes_sent $request_time $msec $time_iso8601",
                   "GET / HTTP/1.1\r\n\r\n", ok_),
              "200 12 212 0.003 1795487400.000 2026-11-24T02:30:00+00:00");
    // "GET / HTTP/1.1" CRLF, "Host: x" CRLF, CRLF
    EXPECT_EQ(line("$request_length", "GET / HTTP/1.1\r\nHost: x\r\n\r\n", ok_), "27");
}

TEST_F(LogLine, RequestVariablesAndMissingValues) {
    EXPECT_EQ(line("$uri|$args|$request_method|$http_x_missing|$upstream_addr|$server_protocol",
                   "GET /a%20b?q=1 HTTP/1.1\r\n\r\n", ok_),
              "/index.html|q=1|GET|-|-|HTTP/1.1");
    // Literal text is never escaped; values are.
    EXPECT_EQ(line("\"$http_x\"", "GET / HTTP/1.1\r\nX: a\\b\r\n\r\n", ok_), "\"a\\x5Cb\"");
}

// A request the connection refused logs its line as received and the head bytes read,
// as nginx does; only blank lines received log an empty $request, not "-".
TEST_F(LogLine, RejectedRequestLogsItsLineAsReceived) {
    net::Rejection rejection;
    rejection.request_line = "GeT /a\"b HTTP/1.1";
    rejection.head_bytes = 0;
    LoggedResponse refused{400, 157, 0, 0, kNov24 * 1000};
    refused.rejection = &rejection;
    // The exchange's head stands for whatever was parsed; $request ignores it.
    const std::string wire = "GET / HTTP/1.1\r\n\r\n";
    EXPECT_EQ(line("\"$request\" $status $body_bytes_sent $request_length", wire, refused),
              "\"GeT /a\\x22b HTTP/1.1\" 400 157 0");
    rejection.request_line = "";
    EXPECT_EQ(line("\"$request\" $http_user_agent", wire, refused), "\"\" -");
    rejection.request_line = "GET / HTTP/1.1";
    rejection.head_bytes = 29;
    EXPECT_EQ(line("$request_length", "GET / HTTP/1.1\r\nHost: other\r\n\r\n", refused), "29");
}

TEST_F(LogLine, JsonKeepsEmptyValuesEmpty) {
    EXPECT_EQ(line("{\"ref\":\"$http_referer\",\"ua\":\"$http_user_agent\"}",
                   "GET / HTTP/1.1\r\nUser-Agent: say \"hi\"\r\n\r\n", ok_, LogEscape::json),
              "{\"ref\":\"\",\"ua\":\"say \\\"hi\\\"\"}");
}

}  // namespace
}  // namespace strata::web
