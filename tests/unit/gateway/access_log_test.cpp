// gunicorn's access log. Expected lines were captured from Debian's gunicorn 20.1.0 on
// 127.0.0.1 (sync worker, `--access-logfile -`, the formats below, requests by curl and a
// raw socket); only the pid is masked, the times and ports are those of the capture.
#include "strata/gateway/access_log.h"

#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <thread>

#include "strata/gateway/request_builder.h"

namespace strata::gateway {
namespace {

namespace fs = std::filesystem;
using namespace std::chrono_literals;

struct Header {
    std::string name;
    std::string value;
};

// The parts of a request a test sets, named as it sets them:
// RequestFields().target("/x").remote_port(80).
struct RequestFields {
    std::string method_ = "GET";
    std::string target_ = "/";
    std::string protocol_ = "HTTP/1.1";
    std::vector<Header> headers_;
    std::string remote_addr_ = "127.0.0.1";
    uint16_t remote_port_ = 41636;
    bool unix_socket_ = false;
    std::string server_name_ = "127.0.0.1";
    std::string server_port_ = "54923";
    std::string script_name_;

    RequestFields& method(std::string v) {
        method_ = std::move(v);
        return *this;
    }
    RequestFields& target(std::string v) {
        target_ = std::move(v);
        return *this;
    }
    RequestFields& protocol(std::string v) {
        protocol_ = std::move(v);
        return *this;
    }
    RequestFields& headers(std::vector<Header> v) {
        headers_ = std::move(v);
        return *this;
    }
    RequestFields& remote_addr(std::string v) {
        remote_addr_ = std::move(v);
        return *this;
    }
    RequestFields& remote_port(uint16_t v) {
        remote_port_ = v;
        return *this;
    }
    RequestFields& unix_socket(bool v) {
        unix_socket_ = v;
        return *this;
    }
    RequestFields& server_name(std::string v) {
        server_name_ = std::move(v);
        return *this;
    }
    RequestFields& server_port(std::string v) {
        server_port_ = std::move(v);
        return *this;
    }
    RequestFields& script_name(std::string v) {
        script_name_ = std::move(v);
        return *this;
    }
};

// A Request whose views point into its own head_bytes, as the server builds it.
std::unique_ptr<Request> make_request(const RequestFields& f) {
    auto r = std::make_unique<Request>();
    std::string& bytes = r->head_bytes;
    std::vector<size_t> at;
    auto add = [&](const std::string& s) {
        at.push_back(bytes.size());
        bytes += s;
    };
    add(f.method_);
    add(f.target_);
    add(f.protocol_);
    for (const Header& h : f.headers_)
        add(h.name), add(h.value);
    auto view = [&](size_t i, size_t n) { return std::string_view(bytes).substr(at[i], n); };
    r->method = view(0, f.method_.size());
    r->target = view(1, f.target_.size());
    r->protocol = view(2, f.protocol_.size());
    for (size_t i = 0; i < f.headers_.size(); ++i)
        r->headers.push_back({view(3 + 2 * i, f.headers_[i].name.size()),
                              view(4 + 2 * i, f.headers_[i].value.size())});
    std::tie(r->path, r->query) = split_target(r->target);
    r->remote_addr = f.remote_addr_;
    r->remote_port = f.remote_port_;
    r->unix_socket = f.unix_socket_;
    r->server_name = f.server_name_;
    r->server_port = f.server_port_;
    r->script_name = f.script_name_;
    return r;
}

// 2026-11-24 04:09:38 UTC, when the lines below were captured.
std::chrono::system_clock::time_point captured_at(time_t second = 1795493378) {
    return std::chrono::system_clock::from_time_t(second);
}

class TimeZone {
  public:
    explicit TimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old, had_ = true;
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~TimeZone() {
        if (had_)
            ::setenv("TZ", old_.c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }

  private:
    std::string old_;
    bool had_ = false;
};

std::string render(std::string_view format, const AccessRecord& record) {
    auto compiled = AccessFormat::compile(format);
    EXPECT_TRUE(compiled.ok()) << (compiled.ok() ? "" : compiled.error());
    return compiled.ok() ? compiled->render(record) : "";
}

std::string with_pid(std::string line) {
    size_t at = line.find("<PID>");
    if (at != std::string::npos) line.replace(at, 5, "<" + std::to_string(getpid()) + ">");
    return line;
}

const std::vector<Header> kCurlHeaders = {
    {"Host", "127.0.0.1:54923"}, {"User-Agent", "curl/7.88.1"}, {"Accept", "*/*"}};
const ResponseHeaders kAppHeaders = {{"Content-Type", "text/plain"},
                                     {"Content-Length", "12"},
                                     {"X-Out", "first"},
                                     {"X-Out", "sec\"ond"},
                                     {"Set-Cookie", "a=1"}};

// ---- The default format --------------------------------------------------------------

TEST(AccessLogDefault, MatchesGunicornOnTypicalRequests) {
    TimeZone utc("UTC");
    auto start = captured_at(1795493517);  // 04:11:57
    struct Case {
        RequestFields request;
        const char* expected;
    } cases[] = {
        {RequestFields().headers(kCurlHeaders),
         R"(127.0.0.1 - - [24/Nov/2026:04:11:57 +0000] "GET / HTTP/1.1" 200 12 "-" "curl/7.88.1")"},
        {RequestFields()
             .target("/search?q=a%20b")
             .headers({{"Host", "127.0.0.1:54923"},
                       {"Authorization", "Basic YWxpY2U6cHc="},
                       {"User-Agent", "Mozilla/5.0 \"test\""},
                       {"Accept", "*/*"},
                       {"Referer", "http://example.com/\"x\""}}),
         R"(127.0.0.1 - alice [24/Nov/2026:04:11:57 +0000] "GET /search?q=a%20b HTTP/1.1" 200 12 )"
         R"("http://example.com/\"x\"" "Mozilla/5.0 \"test\"")"},
        {RequestFields().method("POST").target("/form").headers(
             {{"Host", "127.0.0.1:54923"},
              {"User-Agent", "curl/7.88.1"},
              {"Accept", "*/*"},
              {"Content-Length", "3"},
              {"Content-Type", "application/x-www-form-urlencoded"}}),
         R"(127.0.0.1 - - [24/Nov/2026:04:11:57 +0000] "POST /form HTTP/1.1" 200 12 "-" "curl/7.88.1")"},
    };
    for (const Case& c : cases) {
        auto request = make_request(c.request);
        AccessRecord record{*request, 200, &kAppHeaders, 12, start, 1591us};
        EXPECT_EQ(render(kDefaultAccessLogFormat, record), c.expected);
    }
}

// ---- Every atom, against gunicorn ----------------------------------------------------

// The capture's format, less the {…}e entries strata does not make (SERVER_SOFTWARE,
// wsgi.version, wsgi.multithread, wsgi.multiprocess, wsgi.run_once, wsgi.input_terminated).
constexpr std::string_view kEveryAtom =
    "h=%(h)s|l=%(l)s|u=%(u)s|t=%(t)s|r=%(r)s|m=%(m)s|U=%(U)s|q=%(q)s|H=%(H)s|s=%(s)s|B=%(B)s|"
    "b=%(b)s|f=%(f)s|a=%(a)s|T=%(T)s|M=%(M)s|D=%(D)s|L=%(L)s|p=%(p)s|i=%({X-In}i)s|"
    "o=%({x-out}o)s|sc=%({set-cookie}o)s|cl=%({content-length}o)s|srv=%({server}o)s|"
    "e=%({REMOTE_ADDR}e)s|ep=%({remote_port}e)s|ex=%({http_x_in}e)s|ect=%({content_type}e)s|"
    "ehct=%({http_content_type}e)s|epi=%({path_info}e)s|eh=%({home}e)s|"
    "esn=%({server_name}e)s|esp=%({server_port}e)s|eus=%({wsgi.url_scheme}e)s|"
    "escr=%({script_name}e)s|eraw=%({raw_uri}e)s|x=%(x)s|zz=%(zz)s|I=%({x-in}I)s";

struct CapturedCase {
    const char* what;
    RequestFields request;
    int status;
    ResponseHeaders response;
    uint64_t bytes;
    std::chrono::microseconds duration;
    bool error_path;
    const char* expected;
};

TEST(AccessLogAtoms, EveryAtomMatchesGunicorn) {
    TimeZone utc("UTC");
    const CapturedCase cases[] = {
        {"plain GET", RequestFields().headers(kCurlHeaders), 200, kAppHeaders, 12, 1591us, false,
         "h=127.0.0.1|l=-|u=-|t=[24/Nov/2026:04:09:38 +0000]|r=GET / HTTP/1.1|m=GET|U=/|q=|"
         "H=HTTP/1.1|s=200|B=12|b=12|f=-|a=curl/7.88.1|T=0|M=1|D=1591|L=0.001591|p=<PID>|i=-|"
         "o=sec\\\"ond|sc=a=1|cl=12|srv=-|e=127.0.0.1|ep=41636|ex=-|ect=-|ehct=-|epi=/|eh=-|"
         "esn=127.0.0.1|esp=54923|eus=http|escr=|eraw=/|x=-|zz=-|I=-"},
        {"everything present",
         RequestFields()
             .target("/a%20b/c%C3%A9?x=1&y=%22q%22")
             .headers({{"Host", "127.0.0.1:54923"},
                       {"Authorization", "Basic YWxpY2U6c2VjcmV0"},
                       {"User-Agent", "UA \"quoted\""},
                       {"Accept", "*/*"},
                       {"Referer", "http://ref/"},
                       {"X-In", "one"},
                       {"X-In", "two"},
                       {"Content-Type", "text/x"}})
             .remote_port(41640),
         200, kAppHeaders, 12, 1341us, false,
         "h=127.0.0.1|l=-|u=alice|t=[24/Nov/2026:04:09:38 +0000]|"
         "r=GET /a%20b/c%C3%A9?x=1&y=%22q%22 HTTP/1.1|m=GET|U=/a b/c\xc3\x83\xc2\xa9|"
         "q=x=1&y=%22q%22|H=HTTP/1.1|s=200|B=12|b=12|f=http://ref/|a=UA \\\"quoted\\\"|T=0|M=1|"
         "D=1341|L=0.001341|p=<PID>|i=two|o=sec\\\"ond|sc=a=1|cl=12|srv=-|e=127.0.0.1|"
         "ep=41640|ex=one,two|ect=text/x|ehct=-|epi=/a b/c\xc3\x83\xc2\xa9|eh=-|esn=127.0.0.1|"
         "esp=54923|eus=http|escr=|eraw=/a%20b/c%C3%A9?x=1&y=%22q%22|x=-|zz=-|I=two"},
        {"HTTP/1.0, 204, no body",
         RequestFields()
             .target("/empty")
             .protocol("HTTP/1.0")
             .headers(kCurlHeaders)
             .remote_port(41664),
         204,
         {{"X-Out", "o1"}},
         0,
         1003us,
         false,
         "h=127.0.0.1|l=-|u=-|t=[24/Nov/2026:04:09:38 +0000]|r=GET /empty HTTP/1.0|m=GET|"
         "U=/empty|q=|H=HTTP/1.0|s=204|B=0|b=0|f=-|a=curl/7.88.1|T=0|M=1|D=1003|L=0.001003|"
         "p=<PID>|i=-|o=o1|sc=-|cl=-|srv=-|e=127.0.0.1|ep=41664|ex=-|ect=-|ehct=-|epi=/empty|"
         "eh=-|esn=127.0.0.1|esp=54923|eus=http|escr=|eraw=/empty|x=-|zz=-|I=-"},
        {"app raised: gunicorn's error path",
         RequestFields()
             .target("/boom")
             .headers({{"Host", "127.0.0.1:54923"}, {"User-Agent", "ua"}, {"Referer", "r"}})
             .remote_port(41674),
         500,
         {},
         0,
         1341us,
         true,
         "h=127.0.0.1|l=-|u=-|t=[24/Nov/2026:04:09:38 +0000]|r=GET /boom HTTP/1.1|m=GET|U=None|"
         "q=|H=HTTP/1.1|s=500|B=0|b=0|f=-|a=-|T=0|M=1|D=1341|L=0.001341|p=<PID>|i=-|o=-|sc=-|"
         "cl=-|srv=-|e=127.0.0.1|ep=41674|ex=-|ect=-|ehct=-|epi=-|eh=-|esn=-|esp=-|eus=-|"
         "escr=-|eraw=/boom|x=-|zz=-|I=-"},
    };
    for (const CapturedCase& c : cases) {
        auto request = make_request(c.request);
        AccessRecord record{*request,      c.status,   &c.response, c.bytes,
                            captured_at(), c.duration, c.error_path};
        EXPECT_EQ(render(kEveryAtom, record), with_pid(c.expected)) << c.what;
    }
}

TEST(AccessLogAtoms, UnixSocketsAndRawBytesMatchGunicorn) {
    constexpr std::string_view format =
        "h=[%(h)s]|ep=%({remote_port}e)s|U=%(U)s|r=%(r)s|a=%(a)s|esn=%({server_name}e)s|"
        "esp=%({server_port}e)s|s=%(s)s";
    RequestFields unix_request =
        RequestFields()
            .target("/u")
            .headers({{"Host", "localhost:8080"}, {"User-Agent", "curl/7.88.1"}})
            .remote_addr("")
            .remote_port(0)
            .unix_socket(true)
            .server_name("localhost")
            .server_port("8080");
    RequestFields unix_boom = unix_request;
    unix_boom.target("/boom");
    struct Case {
        RequestFields request;
        int status;
        bool error_path;
        const char* expected;
    } cases[] = {
        {unix_request, 200, false,
         "h=[]|ep=-|U=/u|r=GET /u HTTP/1.1|a=curl/7.88.1|esn=localhost|esp=8080|s=200"},
        {unix_boom, 500, true, "h=[]|ep=-1|U=None|r=GET /boom HTTP/1.1|a=-|esn=-|esp=-|s=500"},
        // Raw bytes are latin-1 to gunicorn and leave UTF-8 encoded; PATH_INFO's raw bytes
        // are encoded twice (unquote_to_bytes encodes the str as UTF-8 first).
        {RequestFields().target("/caf\xe9%E9?q=\xe9").headers({{"Host", "h"}}).remote_port(50114),
         200, false,
         "h=[127.0.0.1]|ep=50114|U=/caf\xc3\x83\xc2\xa9\xc3\xa9|"
         "r=GET /caf\xc3\xa9%E9?q=\xc3\xa9 HTTP/1.1|a=-|esn=127.0.0.1|esp=54923|s=200"},
        {RequestFields()
             .target("/x")
             .headers({{"Host", "h"}, {"User-Agent", "\xc3\xa9"}})
             .remote_port(50128),
         200, false,
         "h=[127.0.0.1]|ep=50128|U=/x|r=GET /x HTTP/1.1|a=\xc3\x83\xc2\xa9|esn=127.0.0.1|"
         "esp=54923|s=200"},
    };
    for (const Case& c : cases) {
        auto request = make_request(c.request);
        AccessRecord record{*request, c.status, nullptr, 0, captured_at(), 1ms, c.error_path};
        EXPECT_EQ(render(format, record), c.expected);
    }
}

TEST(AccessLogAtoms, EscapingSpecsAndEnvironMatchGunicorn) {
    constexpr std::string_view format =
        "u=%(u)s|a=%(a)s|i=%({x-in}i)s|ha=%({http_authorization}e)s|r=%(r)s|m=%(m)s|U=%(U)s|"
        "q=%(q)s|ect=%({content_type}e)s|ecl=%({content_length}e)s|D=%(D)d|d5=%(D)5d|"
        "s10=[%(s)10s]|l=[%(s)-5s]|p=%(s).1s|%%|paren=%((a))s";
    struct Case {
        RequestFields request;
        std::chrono::microseconds duration;
        const char* expected;
    } cases[] = {
        // Control bytes pass as they are; only '"' is escaped (a backslash is not).
        {RequestFields().target("/x").headers({{"Host", "h"},
                                               {"User-Agent", "caf\xe9 \x01tab\there"},
                                               {"X-In", "\"\\"},
                                               {"Authorization", "Basic YsOpYjpwdw=="}}),
         366us,
         "u=b\xc3\xa9"
         "b|a=caf\xc3\xa9 \x01tab\there|i=\\\"\\|ha=Basic YsOpYjpwdw==|r=GET /x HTTP/1.1|"
         "m=GET|U=/x|q=|ect=-|ecl=-|D=366|d5=  366|s10=[       200]|l=[200  ]|p=2|%|paren=-"},
        // gunicorn upper-cases the method and drops the fragment from U and q, not from r;
        // CONTENT_TYPE keeps the last of repeated fields.
        {RequestFields()
             .method("get")
             .target("/p%2Fq?a#frag")
             .headers({{"Host", "h"},
                       {"Content-Length", "0"},
                       {"Content-Type", "a"},
                       {"Content-Type", "b"}}),
         196us,
         "u=-|a=-|i=-|ha=-|r=GET /p%2Fq?a#frag HTTP/1.1|m=GET|U=/p/q|q=a|ect=b|ecl=0|D=196|"
         "d5=  196|s10=[       200]|l=[200  ]|p=2|%|paren=-"},
    };
    for (const Case& c : cases) {
        auto request = make_request(c.request);
        AccessRecord record{*request, 200, &kAppHeaders, 12, captured_at(), c.duration};
        EXPECT_EQ(render(format, record), c.expected);
    }
}

// ---- Atom by atom, present and missing -------------------------------------------------

TEST(AccessLogAtoms, EachAtomPresentAndMissing) {
    TimeZone utc("UTC");
    auto full = make_request(RequestFields()
                                 .target("/app/p%41th?k=v")
                                 .headers({{"Host", "example.org"},
                                           {"Referer", "http://r/"},
                                           {"User-Agent", "agent"},
                                           {"Authorization", "Basic dXNlcjpwYXNz"},
                                           {"X-Forwarded-For", "10.0.0.1"},
                                           {"X-Forwarded-For", "10.0.0.2"}})
                                 .remote_port(5555)
                                 .server_name("example.org")
                                 .server_port("80")
                                 .script_name("/app"));
    auto bare = make_request(RequestFields().method("HEAD").target("/").protocol("HTTP/1.0"));
    ResponseHeaders response = {{"Location", "/x"}, {"Set-Cookie", "a=1"}, {"Set-Cookie", "b=2"}};
    AccessRecord present{*full, 302,           &response,
                         1234,  captured_at(), 90061'002'345us};  // 1d 1h 1m 1s
    AccessRecord missing{*bare, 404, nullptr, 0, captured_at(), 0us};
    struct Case {
        const char* format;
        const char* with_values;
        const char* without;
    } cases[] = {
        {"%(h)s", "127.0.0.1", "127.0.0.1"},
        {"%(l)s", "-", "-"},
        {"%(u)s", "user", "-"},
        {"%(t)s", "[25/Nov/2026:05:10:39 +0000]", "[24/Nov/2026:04:09:38 +0000]"},  // at the end
        {"%(r)s", "GET /app/p%41th?k=v HTTP/1.1", "HEAD / HTTP/1.0"},
        {"%(m)s", "GET", "HEAD"},
        {"%(U)s", "/pAth", "/"},
        {"%(q)s", "k=v", ""},
        {"%(H)s", "HTTP/1.1", "HTTP/1.0"},
        {"%(s)s", "302", "404"},
        {"%(B)s", "1234", "0"},
        {"%(b)s", "1234", "0"},  // gunicorn prints "0", never "-"
        {"%(f)s", "http://r/", "-"},
        {"%(a)s", "agent", "-"},
        {"%(T)s", "3661", "0"},  // timedelta.seconds: the day is dropped
        {"%(M)s", "3661002", "0"},
        {"%(D)s", "3661002345", "0"},
        {"%(L)s", "3661.002345", "0.000000"},
        {"%({location}o)s", "/x", "-"},
        {"%({set-cookie}o)s", "b=2", "-"},
        {"%({x-forwarded-for}i)s", "10.0.0.2", "-"},
        {"%({http_x_forwarded_for}e)s", "10.0.0.1,10.0.0.2", "-"},
        {"%({HTTP_HOST}e)s", "example.org", "-"},
        {"%({request_method}e)s", "GET", "HEAD"},
        {"%({query_string}e)s", "k=v", ""},
        {"%({server_protocol}e)s", "HTTP/1.1", "HTTP/1.0"},
        {"%({script_name}e)s", "/app", ""},
        {"%({path_info}e)s", "/pAth", "/"},
        {"%({remote_port}e)s", "5555", "41636"},
        {"%({content_length}e)s", "-", "-"},
        {"%({wsgi.input}e)s", "-", "-"},
        {"%({nope}x)s", "-", "-"},
        {"%(hh)s", "-", "-"},
        {"%()s", "-", "-"},
    };
    for (const Case& c : cases) {
        EXPECT_EQ(render(c.format, present), c.with_values) << c.format;
        EXPECT_EQ(render(c.format, missing), c.without) << c.format;
    }
    EXPECT_EQ(render("%(p)s", missing), "<" + std::to_string(getpid()) + ">");
}

TEST(AccessLogAtoms, TimeInTheLocalZone) {
    auto request = make_request(RequestFields());
    struct Case {
        const char* tz;
        time_t second;  // a different second each: the stamp is cached per second
        const char* expected;
    } cases[] = {
        {"UTC", 1795493401, "[24/Nov/2026:04:10:01 +0000]"},
        {"IST-5:30", 1795493402, "[24/Nov/2026:09:40:02 +0530]"},
        {"NST+3:30", 1795493403, "[24/Nov/2026:00:40:03 -0330]"},
        {"UTC", 1767225599, "[31/Dec/2025:23:59:59 +0000]"},
    };
    for (const Case& c : cases) {
        TimeZone zone(c.tz);
        AccessRecord record{*request, 200, nullptr, 0, captured_at(c.second), 0us};
        EXPECT_EQ(render("%(t)s", record), c.expected) << c.tz;
    }
}

// gunicorn's _get_user() on each header value, as Python 3.11's base64 and UTF-8 decoders
// judge it (the table was printed by running _get_user itself).
TEST(AccessLogAtoms, BasicAuthUserAsGunicornDecodesIt) {
    struct Case {
        const char* authorization;
        std::string user;
    } cases[] = {
        {"Basic Ym9iOnB3", "bob"},
        {"basic Ym9iOnB3", "bob"},
        {"BASICX Ym9iOnB3", "bob"},
        {"Basic Ym9i", "-"},  // no ':'
        {"Basic OnB3", "-"},  // empty user
        {"Basic Ym9iOnB3=", "bob"},
        {"Basic Ym9iOnB", "-"},      // incorrect padding
        {"Basic Ym9i!OnB3", "bob"},  // non-alphabet characters are skipped
        {"Basic", "-"},
        {"Basic  Ym9iOnB3", "bob"},
        {"Basic 6YY6cHc=", "-"},  // not UTF-8
        {"Bearer Ym9iOnB3", "-"},
        {"Basic YWxpY2U6c2VjcmV0", "alice"},
        {"Basic YTpi", "a"},
        {"Basic YTpi=", "a"},
        {"Basic YTpi==", "a"},
        {"Basic YTo=", "a"},
        {"Basic YTo", "-"},
        {"Basic YTo==x", "a"},
        {"Basic YQ==", "-"},
        {"Basic Y=Tpi", "a"},
        {"Basic YT=pi", "a"},
        {"Basic YTp=i", "a"},
        {"Basic Y", "-"},
        {"Basic Y===", "-"},
        {"Basic YTpiYw==", "a"},
        {"Basic YTpiYw=", "-"},
        {"Basic YTpiYw", "-"},
        {"Basic YTpiYw=x=", "a"},
        {"Basic YT\tpi", "a"},
        {"Basic YsOpYjpwdw==",
         "b\xc3\xa9"
         "b"},
        {"Basic YSJxOnB3", "a\\\"q"},
        {"Basic 7aCAOng=", "-"},  // a surrogate
        {"Basic 9JCAgDp4", "-"},  // past U+10FFFF
        {"Basic 4ICvOng=", "-"},  // overlong
        {"Basic 8J+YgDp4", "\xf0\x9f\x98\x80"},
        {"Basic YTpiOmM=", "a"},
        {"Basic AAE6eA==", std::string("\0\1", 2)},
        {"Basic Ym9iOnB3,Basic YTpi", "-"},
        {"Basic=YTpi", "-"},
        {"Basic\xe9 YTpi", "a"},
        {"Basic YTpi\xe9", "a"},
        {"Basic Y\xe9Tpi", "a"},
        {"Basic ====YTpi", "a"},
        {"Basic YT==pi", "-"},
        {"Basic YWI=YTpi", "-"},
        {"Basic YTpi====", "a"},
        {"Basic YWJj=YTpi", "abca"},
    };
    for (const Case& c : cases) {
        auto request = make_request(RequestFields().headers({{"Authorization", c.authorization}}));
        AccessRecord record{*request, 200, nullptr, 0, captured_at(), 0us};
        EXPECT_EQ(render("%(u)s", record), c.user) << c.authorization;
    }
    // Repeated fields are joined with "," before decoding, as HTTP_AUTHORIZATION is.
    auto twice = make_request(RequestFields().headers(
        {{"Authorization", "Basic YTpi"}, {"Authorization", "Basic YTpi"}}));
    AccessRecord record{*twice, 200, nullptr, 0, captured_at(), 0us};
    EXPECT_EQ(render("%(u)s", record), "-");  // "YTpi,Basic YTpi": 13 base64 characters
}

// Python's %-formatting, checked against `format % SafeAtoms(...)` in Python 3.11.
TEST(AccessLogFormat, ConversionSpecsAsPython) {
    auto request = make_request(RequestFields().headers(
        {{"User-Agent", "a\"b"}, {"X-L", "\xe9x"}, {"Authorization", "Basic w6k6eA=="}}));  // "é:x"
    AccessRecord seven{*request, 200, nullptr, 0, captured_at(), 7us};
    AccessRecord big{*request, 200, nullptr, 0, captured_at(), 255us};
    struct Case {
        const AccessRecord& record;
        const char* format;
        const char* expected;
    } cases[] = {
        {seven, "%(D)05s", "    7"},
        {seven, "%(D)-05d|", "7    |"},
        {seven, "%(D).3d", "007"},
        {seven, "%(D)5.3d", "  007"},
        {seven, "%(D)05.3d", "00007"},
        {seven, "%(D)+d", "+7"},
        {seven, "%(D) d", " 7"},
        {seven, "%(D)#d", "7"},
        {seven, "%(D)ld", "7"},
        {seven, "%(D)i|%(D)u", "7|7"},
        {seven, "%(D)#06x", "0x0007"},
        {seven, "%(D)#o", "0o7"},
        {big, "%(D)X", "FF"},
        {big, "%(D)#x", "0xff"},
        {big, "%(D)o", "377"},
        {big, "%(D)+08.4d", "+0000255"},
        {big, "%(D)-8d|", "255     |"},
        {seven, "%(m).0s|", "|"},
        {seven, "%(m)-3.1s|", "G  |"},
        {seven, "%(m)-+ #05.2s|", "GE   |"},
        {seven, "%(m).s|", "|"},
        {seven, "%(m)5.s|", "     |"},
        {seven, "%(m)ls|", "GET|"},
        {seven, "%(a).2s", "a\\"},  // precision cuts the escaped str
        {seven, "%(a).3s", "a\\\""},
        {seven, "%(a)6s", "  a\\\"b"},
        {seven, "%(a)-6s|", "a\\\"b  |"},
        {seven, "%(u)3s", "  \xc3\xa9"},        // one character, two bytes
        {seven, "%({x-l}i)4s", "  \xc3\xa9x"},  // latin-1: one byte, one character
        {seven, "%({x-l}i).1s", "\xc3\xa9"},
        {seven, "%({X}e)3s", "  -"},
        {seven, "%(zz)-3s|", "-  |"},
        {seven, "100%% %(s)s", "100% 200"},
        {seven, "%(a(b)c)s", "-"},
        {seven, "", ""},
        {seven, "plain", "plain"},
    };
    for (const Case& c : cases)
        EXPECT_EQ(render(c.format, c.record), c.expected) << c.format;
}

TEST(AccessLogFormat, RejectsWhatPythonCannotFormat) {
    struct Case {
        const char* format;
        const char* error;  // Python's words where it has some
    } cases[] = {
        {"%(a", "incomplete format key"},
        {"%(a)", "incomplete format"},
        {"%(a)5", "incomplete format"},
        {"%(a)l", "incomplete format"},
        {"100%", "incomplete format"},
        {"%(a)y", "unsupported format character 'y' (0x79) at index 4"},
        {"x%(a)\xc3\xa9", "unsupported format character '?' (0xe9) at index 5"},
        {"%5%", "unsupported format character '%' (0x25) at index 2"},
        {"%(a)%", "unsupported format character '%' (0x25) at index 4"},
        {"% (a)s", "unsupported format character '(' (0x28) at index 2"},
        {"%(a)*s", "* wants int"},
        {"%(a).*s", "* wants int"},
        {"%(s)d", "%d format: a real number is required, not str"},
        {"%(h)x", "%x format: an integer is required, not str"},
        {"%({x}i)i", "%i format: a real number is required, not str"},
        {"%s", "without a (key)"},
        {"%(D)r", "not supported"},
        {"%(D)f", "not supported"},
    };
    for (const Case& c : cases) {
        auto compiled = AccessFormat::compile(c.format);
        ASSERT_FALSE(compiled.ok()) << c.format;
        EXPECT_NE(compiled.error().find(c.error), std::string::npos)
            << c.format << " → " << compiled.error();
    }
}

// ---- The file ------------------------------------------------------------------------

std::string read_file(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

fs::path temp_dir(const char* name) {
    fs::path dir = fs::temp_directory_path() /
                   (std::string("strata-access-") + name + "-" + std::to_string(getpid()));
    fs::remove_all(dir);
    fs::create_directories(dir);
    return dir;
}

TEST(AccessLog, TargetsAndOpenErrors) {
    EXPECT_FALSE(AccessLog(kDefaultAccessLogFormat, "").enabled());
    EXPECT_TRUE(AccessLog(kDefaultAccessLogFormat, "").error().empty());
    AccessLog to_stdout(kDefaultAccessLogFormat, "-");
    EXPECT_TRUE(to_stdout.enabled());
    to_stdout.reopen();  // nothing to reopen for stdout
    EXPECT_TRUE(to_stdout.enabled());

    AccessLog missing(kDefaultAccessLogFormat, "/nonexistent-strata/access.log");
    EXPECT_FALSE(missing.enabled());
    EXPECT_EQ(missing.error(),
              "Error: '/nonexistent-strata/access.log' isn't writable "
              "[FileNotFoundError(2, 'No such file or directory')]");
    fs::path dir = temp_dir("errors");
    AccessLog directory(kDefaultAccessLogFormat, dir.string());
    EXPECT_EQ(directory.error(), "Error: '" + dir.string() +
                                     "' isn't writable [IsADirectoryError(21, 'Is a directory')]");
    AccessLog bad_format("%(h)d", (dir / "a.log").string());
    EXPECT_FALSE(bad_format.enabled());
    EXPECT_NE(bad_format.error().find("%d format"), std::string::npos);
    fs::remove_all(dir);
}

TEST(AccessLog, AppendsAndReopensAfterRename) {
    TimeZone utc("UTC");
    fs::path dir = temp_dir("reopen");
    fs::path path = dir / "access.log";
    { std::ofstream(path) << "earlier\n"; }
    AccessLog log("%(r)s %(s)s", path.string());
    ASSERT_TRUE(log.enabled()) << log.error();
    auto first = make_request(RequestFields().target("/first"));
    auto second = make_request(RequestFields().target("/second"));
    log.log({*first, 200, nullptr, 0, captured_at(), 0us});
    fs::rename(path, dir / "access.log.1");
    log.log({*first, 201, nullptr, 0, captured_at(), 0us});  // still the moved file
    log.reopen();
    log.log({*second, 404, nullptr, 0, captured_at(), 0us});
    EXPECT_EQ(read_file(dir / "access.log.1"),
              "earlier\nGET /first HTTP/1.1 200\nGET /first HTTP/1.1 201\n");
    EXPECT_EQ(read_file(path), "GET /second HTTP/1.1 404\n");
    fs::remove_all(dir);
}

// Lines longer than PIPE_BUF from two threads into one pipe: the kernel may split such a
// write, so only the log's own lock keeps the lines whole.
TEST(AccessLog, LinesFromTwoThreadsNeverInterleave) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::string collected;
    std::thread reader([&] {
        char buffer[65536];
        ssize_t n;
        while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
            collected.append(buffer, n);
    });
    int saved_stdout = ::dup(1);
    ::dup2(fds[1], 1);
    constexpr int kLines = 200;
    {
        AccessLog log("%(a)s", "-");
        auto writer = [&](char fill) {
            auto request =
                make_request(RequestFields().headers({{"User-Agent", std::string(20000, fill)}}));
            for (int i = 0; i < kLines; ++i)
                log.log({*request, 200, nullptr, 0, captured_at(), 0us});
        };
        std::thread a(writer, 'a');
        std::thread b(writer, 'b');
        a.join();
        b.join();
    }
    ::dup2(saved_stdout, 1);
    ::close(saved_stdout);
    ::close(fds[1]);
    reader.join();
    ::close(fds[0]);
    std::istringstream lines(collected);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        ++count;
        ASSERT_EQ(line.size(), 20000u);
        ASSERT_EQ(line.find_first_not_of(line[0]), std::string::npos) << "line " << count;
    }
    EXPECT_EQ(count, 2 * kLines);
}

}  // namespace
}  // namespace strata::gateway
