// The rewrite module from config text to responses: rewrite flags and args, set, if
// conditions, break, the server-level script, the URI-change limit, and load errors.
#include "strata/web/rewrite.h"

#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <memory>

#include "recording_exchange.h"
#include "strata/config/loader.h"
#include "strata/web/config_builder.h"
#include "strata/web/front_handler.h"

namespace strata::web {
namespace {

namespace fs = std::filesystem;

class RewriteTest : public testing::Test {
  protected:
    void SetUp() override {
        dir_ = fs::temp_directory_path() / ("strata-rewrite-" + std::to_string(getpid()));
        fs::create_directories(dir_ / "html/sub");
        std::ofstream(dir_ / "html/a.txt") << "a\n";
        std::ofstream(dir_ / "html/run.sh") << "#!/bin/sh\n";
        fs::permissions(dir_ / "html/run.sh", fs::perms::owner_all);
    }
    void TearDown() override { fs::remove_all(dir_); }

    // Loads `server_body` as the one server of an http{} block.
    Result<MainConfig, config::ConfigError> load(const std::string& server_body) {
        std::ofstream(dir_ / "nginx.conf")
            << "events {}\nhttp {\n default_type text/plain;\n server {\n  listen 8080;\n"
            << "  root " << (dir_ / "html").string() << ";\n"
            << server_body << "\n }\n}\n";
        auto loaded = config::load_config((dir_ / "nginx.conf").string());
        if (!loaded) return Err{loaded.error()};
        return build_main_config(loaded->directives, dir_.string() + "/");
    }

    void use(const std::string& server_body) {
        auto config = load(server_body);
        ASSERT_TRUE(config) << config.error().to_string();
        handler_ = std::make_unique<FrontHandler>(
            std::make_shared<const MainConfig>(std::move(config.value())));
    }

    std::string load_error(const std::string& server_body) {
        auto config = load(server_body);
        return config ? "" : config.error().to_string();
    }

    RecordingExchange run(const std::string& target, const std::string& more = "") {
        RecordingExchange r("GET " + target + " HTTP/1.1\r\nHost: localhost\r\n" + more + "\r\n");
        handler_->handle(r);
        EXPECT_EQ(r.responses, 1) << target;
        return r;
    }

    fs::path dir_;
    std::unique_ptr<FrontHandler> handler_;
};

TEST_F(RewriteTest, FlagsDecideWhatHappensAfterTheRewrite) {
    use(R"(
        location /show/ { return 200 "uri=$uri args=$args"; }
        location /last/ { rewrite ^/last/(.*)$ /show/$1 last; return 500; }
        location /brk/ { rewrite ^/brk/(.*)$ /$1 break; return 500; }
        location /red/ { rewrite ^/red/(.*)$ /show/$1 redirect; }
        location /perm/ { rewrite ^/perm/(.*)$ /show/$1 permanent; }
        location /url/ { rewrite ^ https://example.org/x; }
        location /chain/ { rewrite ^/chain/(.*) /step/$1; rewrite ^/step/(.*) /show/c-$1; })");
    EXPECT_EQ(run("/last/x").body_, "uri=/show/x args=");
    EXPECT_EQ(run("/brk/a.txt").body_, "a\n");
    auto red = run("/red/x?a=1");
    EXPECT_EQ(red.status, 302);
    EXPECT_EQ(red.location, "http://localhost:8080/show/x?a=1");
    EXPECT_EQ(run("/perm/x").status, 301);
    // An escaped request path gets its decoded captures escaped again in a redirect.
    EXPECT_EQ(run("/red/a%20b").location, "http://localhost:8080/show/a%20b");
    EXPECT_EQ(run("/last/a%20b").body_, "uri=/show/a b args=");
    auto url = run("/url/");
    EXPECT_EQ(url.status, 302);
    EXPECT_EQ(url.location, "https://example.org/x");
    EXPECT_EQ(run("/chain/z").body_, "uri=/show/c-z args=");
}

TEST_F(RewriteTest, ArgumentsAreKeptAddedOrDropped) {
    use(R"(
        location /show/ { return 200 "$uri?$args"; }
        location /keep { rewrite ^ /show/k last; }
        location /add { rewrite ^ /show/a?n=1 last; }
        location /drop { rewrite ^ /show/d? last; }
        location /only { rewrite ^ /show/o?n=1? last; })");
    EXPECT_EQ(run("/keep?a=1").body_, "/show/k?a=1");
    EXPECT_EQ(run("/add?a=1").body_, "/show/a?n=1&a=1");
    EXPECT_EQ(run("/add").body_, "/show/a?n=1");
    EXPECT_EQ(run("/drop?a=1").body_, "/show/d?");
    EXPECT_EQ(run("/only?a=1").body_, "/show/o?n=1");
}

TEST_F(RewriteTest, SetMakesVariablesForLaterDirectives) {
    use(R"(
        set $site "main";
        location = /set { set $a hello; set $B "$a $site"; add_header X-A $a; return 200 $b; }
        location = /args { set $args "q=new"; return 200 "$args $arg_q"; }
        location = /unset { return 200 "[$later]"; set $later x; })");
    auto r = run("/set");
    EXPECT_EQ(r.body_, "hello main");  // names ignore case, as nginx's do
    EXPECT_EQ(r.headers["X-A"], "hello");
    EXPECT_EQ(run("/args?q=old").body_, "q=new new");
    EXPECT_EQ(run("/unset").body_, "[]");
}

TEST_F(RewriteTest, IfConditions) {
    use(R"(
        location = /var { if ($arg_x) { return 200 yes; } return 200 no; }
        location = /eq { if ($arg_a = b) { return 200 eq; } if ($arg_a != b) { return 200 ne; } }
        location = /spaced { if ( $arg_a = "" ) { return 200 empty; } return 200 full; }
        location = /re { if ($http_user_agent ~* ^curl/(\d+)) { return 200 "v$1"; } return 200 no; }
        location = /nre { if ($arg_a !~ ^\d+$) { return 200 nan; } return 200 num; }
        location = /file { if (-f $document_root/$arg_p) { return 200 f; }
                           if (-d $document_root/$arg_p) { return 200 d; }
                           if (!-e $document_root/$arg_p) { return 200 none; } }
        location = /exec { if (-x $document_root/$arg_p) { return 200 x; } return 200 nx; })");
    EXPECT_EQ(run("/var?x=1").body_, "yes");
    EXPECT_EQ(run("/var?x=0").body_, "no");
    EXPECT_EQ(run("/var").body_, "no");
    EXPECT_EQ(run("/eq?a=b").body_, "eq");
    EXPECT_EQ(run("/eq?a=c").body_, "ne");
    EXPECT_EQ(run("/spaced").body_, "empty");
    EXPECT_EQ(run("/spaced?a=1").body_, "full");
    EXPECT_EQ(run("/re", "User-Agent: CURL/8\r\n").body_, "v8");
    EXPECT_EQ(run("/re", "User-Agent: wget\r\n").body_, "no");
    EXPECT_EQ(run("/nre?a=x").body_, "nan");
    EXPECT_EQ(run("/nre?a=12").body_, "num");
    EXPECT_EQ(run("/file?p=a.txt").body_, "f");
    EXPECT_EQ(run("/file?p=sub").body_, "d");
    EXPECT_EQ(run("/file?p=nope").body_, "none");
    EXPECT_EQ(run("/exec?p=run.sh").body_, "x");
    EXPECT_EQ(run("/exec?p=a.txt").body_, "nx");
}

TEST_F(RewriteTest, BreakAndIfBlocks) {
    use(R"(
        location /show/ { return 200 $uri; }
        location /brk/ { rewrite ^/brk/(.*)$ /$1; break; return 500; }
        location /if/ { if ($arg_go) { rewrite ^/if/(.*)$ /show/$1 last; } return 200 stayed; }
        location /tf/ { if ($arg_x) { set $y 1; } try_files $uri /a.txt; })");
    EXPECT_EQ(run("/brk/a.txt").body_, "a\n");
    EXPECT_EQ(run("/if/q?go=1").body_, "/show/q");
    EXPECT_EQ(run("/if/q").body_, "stayed");
    EXPECT_EQ(run("/tf/none").body_, "a\n");
    EXPECT_EQ(run("/tf/none?x=1").status, 404);  // nginx: a matched `if` has no try_files
}

TEST_F(RewriteTest, ServerScriptRunsBeforeLocationMatching) {
    use(R"(
        rewrite ^/old/(.*)$ /show/$1 last;
        if ($http_x_block) { return 403; }
        location /show/ { return 200 $uri; }
        location /old/ { return 500; })");
    EXPECT_EQ(run("/old/x").body_, "/show/x");
    EXPECT_EQ(run("/show/y", "X-Block: 1\r\n").status, 403);
}

TEST_F(RewriteTest, TooManyUriChangesEndIn500) {
    use(R"(
        location /loop { rewrite ^ /loop last; }
        location /n/ { rewrite ^/n/\d(.*)$ /n/$1 last; return 200 $uri; })");
    EXPECT_EQ(run("/loop").status, 500);
    EXPECT_EQ(run("/n/1234567890").body_, "/n/");  // ten changes are allowed
    EXPECT_EQ(run("/n/12345678901").status, 500);
}

TEST_F(RewriteTest, LoadErrorsNameTheLine) {
    EXPECT_NE(load_error("location / { if ($uri) { root /x; } }")
                  .find("\"root\" directive inside \"if\" is not supported yet"),
              std::string::npos);
    EXPECT_NE(load_error("rewrite ^(x /y;").find("nginx.conf:7: pcre2_compile() failed"),
              std::string::npos);
    EXPECT_NE(load_error("rewrite ^ /y bogus;").find("invalid parameter \"bogus\""),
              std::string::npos);
    EXPECT_NE(load_error("if ($uri) {}\nif ($uri <> x) {}").find("unexpected \"<>\""),
              std::string::npos);
    EXPECT_NE(load_error("if (-q $uri) {}").find("invalid condition"), std::string::npos);
    EXPECT_NE(load_error("if ($uri ~ \"(\") {}").find("pcre2_compile"), std::string::npos);
    EXPECT_NE(load_error("set $uri x;").find("duplicate \"uri\" variable"), std::string::npos);
}

TEST_F(RewriteTest, CapturesReadOneDigit) {
    use(R"(
        location ~ ^/ten/(a)(b)(c)(d)(e)(f)(g)(h)(i)(j)$ { return 200 "[$10][$9][${uri}1]"; }
        location = /rw { rewrite ^/(r)(w)$ /show/$10-$2 last; }
        location /show/ { return 200 "$uri"; })");
    EXPECT_EQ(run("/ten/abcdefghij").body_, "[a0][i][/ten/abcdefghij1]");
    EXPECT_EQ(run("/rw").body_, "/show/r0-w");
}

TEST_F(RewriteTest, NamedCapturesBecomeVariables) {
    use(R"(
        location ~ ^/loc/(?<first>[a-z]+)/(?P<second>\d+)$ { return 200 "$first $second $1 $2"; }
        location /rw/ { rewrite ^/rw/(?<word>\w+)$ /show/$word last; }
        location /show/ { return 200 "uri=$uri word=$word"; }
        location /if/ { if ($uri ~ ^/if/(?<Tail>.*)$) { return 200 "[$tail]"; } return 404; }
        location /keep/ {
            if ($uri ~ ^/keep/(?<kept>.*)$) { }
            if ($uri ~ ^/nomatch(?<kept>.*)) { }
            return 200 "kept=[$kept] 1=[$1]";
        }
        location ~ ^/opt/(?<opt>x)?(y)$ { return 200 "[$opt][$2]"; })");
    EXPECT_EQ(run("/loc/abc/123").body_, "abc 123 abc 123");
    EXPECT_EQ(run("/rw/hello").body_, "uri=/show/hello word=hello");
    EXPECT_EQ(run("/if/x/y").body_, "[x/y]");  // variable names ignore case
    // A regex that misses empties $1… but leaves named-capture variables as they were.
    EXPECT_EQ(run("/keep/zz").body_, "kept=[zz] 1=[]");
    EXPECT_EQ(run("/opt/y").body_, "[][y]");
}

TEST_F(RewriteTest, RegexServerNameCaptures) {
    auto config = load(R"(
        server_name ~^(?<sub>[a-z]+)\.example\.test$ exact.example.test;
        location / { return 200 "sub=[$sub] 1=[$1]"; })");
    ASSERT_TRUE(config) << config.error().to_string();
    handler_ = std::make_unique<FrontHandler>(
        std::make_shared<const MainConfig>(std::move(config.value())));
    auto with_host = [&](const std::string& host) {
        RecordingExchange r("GET / HTTP/1.1\r\nHost: " + host + "\r\n\r\n");
        handler_->handle(r);
        return r.body_;
    };
    EXPECT_EQ(with_host("www.example.test"), "sub=[www] 1=[www]");
    EXPECT_EQ(with_host("exact.example.test"), "sub=[] 1=[]");  // the exact name chose it
}

TEST_F(RewriteTest, UnknownVariablesStillFailTheLoad) {
    EXPECT_NE(load_error(R"(location ~ ^/(?<known>x)$ { return 200 "$unknown"; })")
                  .find("unknown \"unknown\" variable"),
              std::string::npos);
    EXPECT_EQ(load_error(R"(location ~ ^/(?<known>x)$ { return 200 "$known"; })"), "");
}

}  // namespace
}  // namespace strata::web
