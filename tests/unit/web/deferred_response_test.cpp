// An app's response through the front server's filters, after the handler returned:
// the head as nginx would send an upstream's, add_header, gzip, error_page interception.
#include "strata/web/deferred_response.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include "recording_exchange.h"
#include "strata/config/parser.h"
#include "strata/web/config_builder.h"

namespace strata::web {
namespace {

std::string gunzip(const std::string& packed) {
    z_stream z{};
    inflateInit2(&z, 16 + MAX_WBITS);
    std::string out(1 << 16, '\0');
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    z.avail_in = static_cast<uInt>(packed.size());
    z.next_out = reinterpret_cast<Bytef*>(out.data());
    z.avail_out = static_cast<uInt>(out.size());
    int rc = inflate(&z, Z_FINISH);
    out.resize(z.total_out);
    inflateEnd(&z);
    return rc == Z_STREAM_END ? out : "(bad gzip)";
}

class DeferredResponseTest : public testing::Test {
  protected:
    void SetUp() override {
        auto tree = config::parse_text(
            "http { gzip on; server { listen 127.0.0.1:1; error_page 404 =410 @gone;"
            " location /app { add_header X-Front yes; }"
            " location @gone { return 410 \"gone page\\n\"; } } }",
            "test.conf");
        ASSERT_TRUE(tree.ok());
        auto built = build_main_config(tree.value(), "/tmp/");
        ASSERT_TRUE(built.ok()) << built.error().message;
        config_ = std::make_shared<MainConfig>(std::move(built).value());
    }

    // What the app's response becomes for `request`, sent with `send` through the
    // deferred exchange once the handler's own context is gone.
    template <class Send>
    RecordingExchange through(std::string request, bool intercept, Send send) {
        RecordingExchange exchange(request + "\r\nHost: x\r\n\r\n");
        DeferredResponse* deferred = nullptr;
        {
            RequestContext ctx(exchange, *config_, files_);
            ctx.server = &config_->http.servers[0];
            ctx.location = &ctx.server->locations[0];
            ctx.uri = "/app";
            deferred = &DeferredResponse::start(ctx, intercept);
        }
        send(*deferred);  // frees itself on the response's last call
        return exchange;
    }

    static net::ResponseHead app_head(int status, std::string_view type) {
        net::ResponseHead head;
        head.status = status;
        head.server = "gunicorn";
        head.headers = {{"Content-Type", type}, {"X-App", "1"}};
        return head;
    }

    std::shared_ptr<MainConfig> config_;
    FileCache files_;
};

TEST_F(DeferredResponseTest, TheHeadIsTheFrontServersWithTheAppsFields) {
    auto r = through("GET /app HTTP/1.1", false,
                     [](DeferredResponse& d) { d.respond(app_head(200, "text/plain"), "hello"); });
    EXPECT_EQ(r.responses, 1);
    EXPECT_EQ(r.status, 200);
    EXPECT_EQ(r.content_type, "text/plain");  // moved into the head, out of the fields
    EXPECT_EQ(r.headers.count("Content-Type"), 0u);
    EXPECT_EQ(r.headers["X-App"], "1");
    EXPECT_EQ(r.headers["X-Front"], "yes");  // the location's add_header
    EXPECT_EQ(r.body_, "hello");
}

TEST_F(DeferredResponseTest, AStreamedHtmlBodyIsGzippedForAClientThatAsks) {
    std::string plain;
    for (int i = 0; i < 100; ++i)
        plain += "<p>line " + std::to_string(i) + "</p>\n";
    auto r = through("GET /app HTTP/1.1\r\nAccept-Encoding: gzip", false, [&](DeferredResponse& d) {
        d.begin_response(app_head(200, "text/html"), static_cast<int64_t>(plain.size()));
        d.send_body(plain.substr(0, 500));
        d.send_body(plain.substr(500));
        d.end_response(true);
    });
    EXPECT_EQ(r.headers["Content-Encoding"], "gzip");
    EXPECT_EQ(gunzip(r.body_), plain);
}

TEST_F(DeferredResponseTest, AnAppThatEncodedItsBodyItselfIsLeftAlone) {
    auto r = through("GET /app HTTP/1.1\r\nAccept-Encoding: gzip", false, [](DeferredResponse& d) {
        net::ResponseHead head = app_head(200, "text/html");
        head.headers.push_back({"Content-Encoding", "br"});
        d.respond(head, std::string(100, 'x'));
    });
    EXPECT_EQ(r.headers["Content-Encoding"], "br");
    EXPECT_EQ(r.body_, std::string(100, 'x'));
}

TEST_F(DeferredResponseTest, AnAppErrorPassesThroughUnlessIntercepted) {
    auto passed = through("GET /app HTTP/1.1", false, [](DeferredResponse& d) {
        d.begin_response(app_head(404, "text/plain"), 9);
        d.send_body("not found");
        d.end_response(true);
    });
    EXPECT_EQ(passed.status, 404);
    EXPECT_EQ(passed.body_, "not found");
    auto intercepted = through("GET /app HTTP/1.1", true, [](DeferredResponse& d) {
        d.begin_response(app_head(404, "text/plain"), 9);
        EXPECT_EQ(d.unsent_bytes(), 0u);  // the app is never held back by what it sends now
        d.send_body("not found");
        d.end_response(true);
    });
    EXPECT_EQ(intercepted.responses, 1);
    EXPECT_EQ(intercepted.status, 410);  // error_page 404 =410 @gone
    EXPECT_EQ(intercepted.body_, "gone page\n");
}

TEST_F(DeferredResponseTest, AFailedAppGetsTheServersErrorPage) {
    auto r = through("GET /app HTTP/1.1", false, [](DeferredResponse& d) { d.respond_error(500); });
    EXPECT_EQ(r.status, 500);
    EXPECT_NE(r.body_.find("500 Internal Server Error"), std::string::npos);
}

}  // namespace
}  // namespace strata::web
