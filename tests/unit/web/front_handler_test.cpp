// The front server's phases through an in-process exchange: server choice, locations,
// return, try_files, index, error_page, alias, redirects.
#include "strata/web/front_handler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "recording_exchange.h"

namespace strata::web {
namespace {

namespace fs = std::filesystem;

// `return status text` as the configuration loads it: a one-step rewrite script.
RewriteScript returns(int status, std::string text) {
    RewriteStep step;
    step.kind = RewriteStep::Kind::respond;
    step.status = status;
    step.text = std::move(text);
    return {std::move(step)};
}

LocationConfig location(LocationKind kind, std::string uri) {
    LocationConfig l;
    l.pattern = {kind, std::move(uri), std::nullopt};
    if (kind == LocationKind::regex) l.pattern.regex = Regex::compile(l.pattern.uri, false).value();
    return l;
}

class FrontHandlerTest : public testing::Test {
  protected:
    void SetUp() override {
        prefix_ = fs::temp_directory_path() / ("strata-front-" + std::to_string(getpid()));
        fs::create_directories(prefix_ / "html/dir");
        fs::create_directories(prefix_ / "html/empty");
        fs::create_directories(prefix_ / "assets");
        write("html/index.html", "Hello World\n");
        write("html/dir/index.html", "dir index\n");
        write("html/404.html", "custom not found\n");
        write("html/style.css", "body{}\n");
        write("assets/logo.txt", "logo\n");
        config_ = std::make_shared<MainConfig>();
        config_->prefix = prefix_.string() + "/";
    }
    void TearDown() override { fs::remove_all(prefix_); }

    void write(const std::string& rel, const std::string& text) {
        std::ofstream(prefix_ / rel) << text;
    }

    // A server with `locations`, listening on :8080, its settings merged and defaulted.
    ServerConfig& add_server(std::vector<std::string> names,
                             std::vector<LocationConfig> locations) {
        ServerConfig s;
        for (const std::string& n : names) {
            auto parsed = parse_server_name(n).value();
            s.names.insert(s.names.end(), parsed.begin(), parsed.end());
        }
        s.first_name = names.empty() ? "" : names.front();
        ListenConfig l;
        l.address = net::parse_listen_address("8080").value();
        s.listens.push_back(l);
        s.locations = std::move(locations);
        config_->http.servers.push_back(std::move(s));
        return config_->http.servers.back();
    }

    RecordingExchange run(std::string request_line, std::string host = "localhost") {
        for (ServerConfig& s : config_->http.servers) {
            apply_defaults(s.settings);
            for (LocationConfig& l : s.locations)
                finish(l, s.settings);
        }
        FrontHandler handler(config_);
        RecordingExchange exchange(request_line + "\r\nHost: " + host + "\r\n\r\n");
        handler.handle(exchange);
        EXPECT_EQ(exchange.responses, 1) << request_line;
        return exchange;
    }

    static void finish(LocationConfig& l, const LocationSettings& parent) {
        merge(l.settings, parent);
        for (LocationConfig& child : l.children)
            finish(child, l.settings);
    }

    fs::path prefix_;
    std::shared_ptr<MainConfig> config_;
};

TEST_F(FrontHandlerTest, SeedTryFilesServesTheIndexThroughDirectoryAndFallback) {
    LocationConfig root = location(LocationKind::prefix, "/");
    root.try_files = {"$uri", "$uri/", "/index.html"};
    add_server({"localhost"}, {root});
    auto home = run("GET / HTTP/1.1");
    EXPECT_EQ(home.status, 200);
    EXPECT_EQ(home.body_, "Hello World\n");
    EXPECT_EQ(home.content_type, "text/html");
    EXPECT_EQ(home.headers["Accept-Ranges"], "bytes");
    EXPECT_EQ(run("GET /dir/ HTTP/1.1").body_, "dir index\n");
    auto missing = run("GET /no/such/page HTTP/1.1");
    EXPECT_EQ(missing.status, 200);
    EXPECT_EQ(missing.body_, "Hello World\n");
}

TEST_F(FrontHandlerTest, StaticFilesAndErrors) {
    add_server({"localhost"}, {location(LocationKind::prefix, "/")});
    EXPECT_EQ(run("GET /style.css HTTP/1.1").body_, "body{}\n");
    EXPECT_EQ(run("GET /nope HTTP/1.1").status, 404);
    EXPECT_EQ(run("GET /empty/ HTTP/1.1").status, 403);  // no index, autoindex off
    EXPECT_EQ(run("GET /missing-dir/ HTTP/1.1").status, 404);
    EXPECT_EQ(run("PUT /index.html HTTP/1.1").status, 405);
    EXPECT_EQ(run("POST /index.html HTTP/1.1").status, 405);
    EXPECT_EQ(run("POST /nope HTTP/1.1").status, 404);
    auto dir = run("GET /dir?x=1 HTTP/1.1", "example.com");
    EXPECT_EQ(dir.status, 301);
    EXPECT_EQ(dir.location, "http://example.com:8080/dir/?x=1");
}

TEST_F(FrontHandlerTest, ReturnWithTextRedirectsAnd444) {
    LocationConfig ok = location(LocationKind::exact, "/ok");
    ok.rewrites = returns(200, "uri=$uri args=$args\n");
    LocationConfig moved = location(LocationKind::prefix, "/old/");
    moved.rewrites = returns(301, "/new/$1");
    LocationConfig gone = location(LocationKind::prefix, "/gone");
    gone.rewrites = returns(410, "");
    LocationConfig drop = location(LocationKind::prefix, "/drop");
    drop.rewrites = returns(444, "");
    LocationConfig re = location(LocationKind::regex, "^/user/(\\d+)$");
    re.rewrites = returns(302, "https://example.org/u/$1");
    add_server({"localhost"}, {ok, moved, gone, drop, re});
    auto r = run("GET /ok?a=b HTTP/1.1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body_, "uri=/ok args=a=b\n");
    EXPECT_EQ(r.content_type, "text/plain");
    EXPECT_EQ(run("GET /old/x HTTP/1.1").location, "http://localhost:8080/new/");
    EXPECT_EQ(run("GET /user/42 HTTP/1.1").location, "https://example.org/u/42");
    EXPECT_EQ(run("GET /gone HTTP/1.1").status, 410);
    EXPECT_TRUE(run("GET /drop HTTP/1.1").closed_silently);
}

TEST_F(FrontHandlerTest, ErrorPageServesTheFileWithTheErrorStatus) {
    add_server({"localhost"}, {location(LocationKind::prefix, "/")});
    config_->http.servers[0].settings.error_pages =
        std::map<int, ErrorPage>{{404, {0, "/404.html"}}};
    auto r = run("GET /nope HTTP/1.1");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body_, "custom not found\n");
    EXPECT_EQ(r.headers.count("Accept-Ranges"), 0u);
}

// nginx turns the request into a GET for its error page: a POST gets the page, not 405.
TEST_F(FrontHandlerTest, ErrorPageOfAPostIsServedAsForAGet) {
    add_server({"localhost"}, {location(LocationKind::prefix, "/")});
    config_->http.servers[0].settings.error_pages =
        std::map<int, ErrorPage>{{404, {0, "/404.html"}}};
    auto r = run("POST /nope HTTP/1.1");
    EXPECT_EQ(r.status, 404);
    EXPECT_EQ(r.body_, "custom not found\n");
}

// A 400 ends the connection in nginx even when a page of the site answers it.
TEST_F(FrontHandlerTest, ErrorPageOfABadRequestStillClosesTheConnection) {
    add_server({"localhost"}, {location(LocationKind::prefix, "/")});
    config_->http.servers[0].settings.error_pages =
        std::map<int, ErrorPage>{{400, {0, "/404.html"}}, {404, {0, "/404.html"}}};
    auto bad = run("GET / HTTP/1.1", "bad/host");
    EXPECT_EQ(bad.status, 400);
    EXPECT_EQ(bad.body_, "custom not found\n");
    EXPECT_TRUE(bad.close);
    auto missing = run("GET /nope HTTP/1.1");
    EXPECT_EQ(missing.status, 404);
    EXPECT_FALSE(missing.close);
}

// nginx types `return`'s text by the URI's extension, default_type without one.
TEST_F(FrontHandlerTest, ReturnTextIsTypedByTheUriExtension) {
    LocationConfig page = location(LocationKind::exact, "/page.html");
    page.rewrites = returns(200, "<p>\n");
    LocationConfig plain = location(LocationKind::exact, "/plain");
    plain.rewrites = returns(200, "text\n");
    add_server({"localhost"}, {page, plain});
    EXPECT_EQ(run("GET /page.html HTTP/1.1").content_type, "text/html");
    EXPECT_EQ(run("GET /plain HTTP/1.1").content_type, "text/plain");
}

TEST_F(FrontHandlerTest, ErrorPageToNamedLocationAndOverride) {
    LocationConfig root = location(LocationKind::prefix, "/");
    LocationConfig fallback = location(LocationKind::named, "@fallback");
    fallback.rewrites = returns(200, "from fallback\n");
    add_server({"localhost"}, {root, fallback});
    config_->http.servers[0].settings.error_pages =
        std::map<int, ErrorPage>{{404, {200, "@fallback"}}};
    auto r = run("GET /nope HTTP/1.1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body_, "from fallback\n");
}

TEST_F(FrontHandlerTest, AliasReplacesTheLocationPrefix) {
    LocationConfig assets = location(LocationKind::prefix, "/static/");
    assets.alias =
        Alias{VariableText((prefix_ / "assets").string() + "/"), assets.pattern.uri.size()};
    add_server({"localhost"}, {location(LocationKind::prefix, "/"), assets});
    auto r = run("GET /static/logo.txt HTTP/1.1");
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.body_, "logo\n");
}

TEST_F(FrontHandlerTest, ServerChosenByHost) {
    LocationConfig a = location(LocationKind::prefix, "/");
    a.rewrites = returns(200, "default");
    LocationConfig b = location(LocationKind::prefix, "/");
    b.rewrites = returns(200, "example");
    add_server({"localhost"}, {a});
    add_server({"*.example.com"}, {b});
    EXPECT_EQ(run("GET / HTTP/1.1", "www.example.com:8080").body_, "example");
    EXPECT_EQ(run("GET / HTTP/1.1", "other.test").body_, "default");
    EXPECT_EQ(run("GET / HTTP/1.1", "bad..host").status, 400);
}

TEST_F(FrontHandlerTest, AddHeaderOnSuccessOrAlways) {
    LocationConfig root = location(LocationKind::prefix, "/");
    root.settings.add_headers =
        std::vector<AddedHeader>{{"X-Uri", "$uri", false}, {"X-Always", "yes", true}};
    add_server({"localhost"}, {root});
    auto ok = run("GET /index.html HTTP/1.1");
    EXPECT_EQ(ok.headers["X-Uri"], "/index.html");
    EXPECT_EQ(ok.headers["X-Always"], "yes");
    auto missing = run("GET /nope HTTP/1.1");
    EXPECT_EQ(missing.headers.count("X-Uri"), 0u);
    EXPECT_EQ(missing.headers["X-Always"], "yes");
}

TEST_F(FrontHandlerTest, InternalRedirectLoopEndsWith500) {
    LocationConfig root = location(LocationKind::prefix, "/");
    root.try_files = {"/nonexistent", "/loop"};
    add_server({"localhost"}, {root});
    EXPECT_EQ(run("GET /x HTTP/1.1").status, 500);
}

}  // namespace
}  // namespace strata::web
