// gzip as nginx 1.22.1 does it. Every decision row was probed with curl against a real
// nginx (`gzip on; gzip_disable msie6;` plus locations for gzip_types, gzip_min_length,
// gzip_http_version, gzip_proxied any, gzip_vary, regex gzip_disable, `return 404/500`):
// "compress" = the response came back with Content-Encoding: gzip. The encoder's output
// is compared with the bytes nginx sent (Content-Encoding: gzip bodies, levels 1, 5, 9).
#include "strata/web/gzip_filter.h"

#include <gtest/gtest.h>
#include <zlib.h>

#include <string>
#include <vector>

namespace strata::web {
namespace {

// ---- Accept-Encoding -------------------------------------------------------------------

struct AcceptCase {
    const char* accept_encoding;
    bool gzip;
};

const AcceptCase kAcceptCases[] = {
    {"gzip", true},
    {"GZIP", true},
    {"gzip, deflate", true},
    {"gzip,deflate", true},
    {"deflate,gzip", true},
    {"deflate, gzip;q=0", false},
    {"gzip;q=1", true},
    {"gzip;Q=1", true},
    {"gzip;q=0.5", true},
    {"gzip;q=0.001", true},
    {"gzip;q=0.010", true},
    {"gzip;q=0.999", true},
    {"gzip;q=1.", true},
    {"gzip;q=1.000", true},
    {"gzip ;q=1", true},
    {"gzip; q=1", true},
    {"gzip  ;  q=1", true},
    {"gzip;q=1,br", true},
    {"gzip;q=0.5,", true},
    {"gzip;q=0.5 , br", true},
    {"gzip;q=0.5 ;x=1", true},  // after "q=… " nginx stops reading
    {"gzip;q=1.0 x", true},
    {"gzip , br", true},
    {"gzip  ,", true},
    {"gzip,", true},
    {"gzip,;q=0", true},
    {"gzip, deflate;q=0", true},
    {"br;q=1, gzip", true},
    {"br;q=0.5,gzip", true},
    {"br gzip", true},
    {"agzip, gzip", true},  // a "gzip" inside another token is skipped
    {"x-gzip, gzip", true},
    {"gzip;q=0", false},
    {"gzip; q=0", false},
    {"gzip ;q=0", false},
    {"gzip;  q=0", false},
    {"gzip;q=0.0", false},
    {"gzip;q=0.00", false},
    {"gzip;q=0.000", false},
    {"gzip;q=0.", false},
    {"gzip;q=0,deflate", false},
    {"br,gzip;q=0", false},
    {"gzip;q=0, gzip", false},  // only the first gzip token counts
    {"gzip;q=0,gzip;q=1", false},
    {"agzip, gzip;q=0", false},
    {"gzipx, gzip", false},
    {"gzip;q=0.0001", false},  // more than three decimals
    {"gzip;q=0.9999", false},
    {"gzip;q=1.001", false},
    {"gzip;q=1.0000", false},
    {"gzip;q=1.00x", false},
    {"gzip;q=2", false},
    {"gzip;q=01", false},
    {"gzip;q=00", false},
    {"gzip;q=.5", false},
    {"gzip;q=", false},
    {"gzip;q=x", false},
    {"gzip;q = 0.5", false},
    {"gzip; q =0.5", false},
    {"gzip;\tq=0.5", false},
    {"gzip;q=0.5\t", false},
    {"gzip;q=1.0;", false},
    {"gzip;q=0.5;x=1", false},
    {"gzip;level=1", false},
    {"gzip;x=1", false},
    {"gzip/1", false},
    {"gzip\t", false},
    {"gzipx", false},
    {"xgzip", false},
    {"x-gzip", false},
    {"br;gzip", false},
    {"deflate", false},
    {"identity", false},
    {"*", false},
    {"", false},
};

TEST(GzipFilter, AcceptEncodingAsNginxReadsIt) {
    for (const AcceptCase& c : kAcceptCases)
        EXPECT_EQ(accepts_gzip(c.accept_encoding), c.gzip) << c.accept_encoding;
}

// ---- gzip_disable msie6 ----------------------------------------------------------------

struct AgentCase {
    const char* user_agent;
    bool msie6;
};

const AgentCase kAgentCases[] = {
    {"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)", true},
    {"Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1; SV1)", false},
    {"Mozilla/4.0 (compatible; MSIE 5.5; Windows 98)", true},
    {"Mozilla/4.0 (compatible; MSIE 5.5; SV1)", true},  // SV1 only rescues 6.x
    {"Mozilla/4.0 (compatible; MSIE 4.01; Windows 95)", true},
    {"Mozilla/4.0 (compatible; MSIE 7.0; Windows NT 6.0)", false},
    {"MSIE 6.0", true},
    {"MSIE 6.", false},  // too short for nginx to look
    {"MSIE 6.0 Opera 9", false},
    {"Opera MSIE 5.5x", false},
    {"msie 6.0 foo", false},
    {"MSIE 3.0 xx", false},
    {"MSIE 6.x; SV1", false},
    {"SV1 MSIE 6.0; x", true},  // SV1 must come after the version
    {"MSIE 6.0SV1x", false},
    {"MSIE 10.0; x", false},
    {"MSIE 6,0; x", false},
    {"MSIE 6.0; Gecko", true},
    {"MSIE 6.0; Chrome/", true},
    {"", false},
};

TEST(GzipFilter, Msie6AsNginxDetectsIt) {
    for (const AgentCase& c : kAgentCases)
        EXPECT_EQ(is_msie6(c.user_agent), c.msie6) << c.user_agent;
}

// ---- the decision ----------------------------------------------------------------------

GzipOptions seed_options() {  // the seed config: gzip on; gzip_disable "msie6";
    GzipOptions options;
    options.enabled = true;
    options.disable_msie6 = true;
    return options;
}

struct DecisionCase {
    const char* what;
    GzipOptions options;
    GzipRequest request;
    GzipResponse response;
    GzipDecision expected;
};

GzipRequest gzip_client() {
    return {http::Version::http11, "gzip", "curl/7.88.1", false};
}

GzipResponse html(uint64_t length) {
    return {200, "text/html", length, false};
}

std::vector<DecisionCase> decision_cases() {
    GzipOptions off = seed_options();
    off.enabled = false;
    GzipOptions css = seed_options();
    css.types = {"text/css"};
    GzipOptions any_type = seed_options();
    any_type.all_types = true;
    GzipOptions no_min = seed_options();
    no_min.min_length = 0;
    GzipOptions http10 = seed_options();
    http10.http_version = http::Version::http10;
    GzipOptions vary = seed_options();
    vary.vary = true;
    vary.proxied_any = true;
    GzipOptions regex = seed_options();  // gzip_disable "curl/7" "~*bot"
    regex.disable_user_agent = [](std::string_view ua) {
        return ua.find("curl/7") != std::string_view::npos ||
               ua.find("bot") != std::string_view::npos || ua.find("Bot") != std::string_view::npos;
    };
    GzipRequest http10_client = gzip_client();
    http10_client.version = http::Version::http10;
    GzipRequest proxied = gzip_client();
    proxied.via = true;
    GzipRequest plain = {http::Version::http11, std::nullopt, "curl/7.88.1", false};
    GzipRequest msie6 = gzip_client();
    msie6.user_agent = "Mozilla/4.0 (compatible; MSIE 6.0; Windows NT 5.1)";
    GzipRequest no_agent = gzip_client();
    no_agent.user_agent = std::nullopt;
    GzipRequest x_agent = gzip_client();
    x_agent.user_agent = "x";
    return {
        {"108 KB html", seed_options(), gzip_client(), html(108623), {true, false}},
        {"gzip off", off, gzip_client(), html(108623), {false, false}},
        {"20 bytes: min length reached", seed_options(), gzip_client(), html(20), {true, false}},
        {"19 bytes: below min length", seed_options(), gzip_client(), html(19), {false, false}},
        {"19 bytes, min 0", no_min, gzip_client(), html(19), {true, false}},
        {"empty, min 0", no_min, gzip_client(), html(0), {true, false}},
        {"unknown length",
         seed_options(),
         gzip_client(),
         {200, "text/html", std::nullopt, false},
         {true, false}},
        {"html with charset",
         seed_options(),
         gzip_client(),
         {200, "text/html; charset=utf-8", 100, false},
         {true, false}},
        {"css not listed",
         seed_options(),
         gzip_client(),
         {200, "text/css", 108, false},
         {false, false}},
        {"css listed", css, gzip_client(), {200, "text/css", 108, false}, {true, false}},
        {"html always listed", css, gzip_client(), html(108623), {true, false}},
        {"gzip_types *", any_type, gzip_client(), {200, "text/plain", 27, false}, {true, false}},
        {"gzip_types *, short",
         any_type,
         gzip_client(),
         {200, "text/plain", 0, false},
         {false, false}},
        {"404 page", any_type, gzip_client(), {404, "text/html", 153, false}, {true, false}},
        {"403 page", any_type, gzip_client(), {403, "text/html", 153, false}, {true, false}},
        {"500 page", any_type, gzip_client(), {500, "text/html", 177, false}, {false, false}},
        {"304", any_type, gzip_client(), {304, "text/html", std::nullopt, false}, {false, false}},
        {"206", any_type, gzip_client(), {206, "text/html", 100, false}, {false, false}},
        {"already encoded",
         seed_options(),
         gzip_client(),
         {200, "text/html", 100, true},
         {false, false}},
        {"no Accept-Encoding", seed_options(), plain, html(108623), {false, false}},
        {"HTTP/1.0", seed_options(), http10_client, html(108623), {false, false}},
        {"HTTP/1.0, gzip_http_version 1.0", http10, http10_client, html(108623), {true, false}},
        {"Via, gzip_proxied off", seed_options(), proxied, html(108623), {false, false}},
        {"Via, gzip_proxied any", vary, proxied, html(108623), {true, true}},
        {"gzip_vary, client without gzip", vary, plain, html(108623), {false, true}},
        {"gzip_vary, too short", vary, gzip_client(), html(19), {false, false}},
        {"gzip_vary, type not listed",
         vary,
         gzip_client(),
         {200, "text/css", 7, false},
         {false, false}},
        {"MSIE 6", seed_options(), msie6, html(108623), {false, false}},
        {"regex disables curl", regex, gzip_client(), html(108623), {false, false}},
        {"regex, other agent", regex, x_agent, html(108623), {true, false}},
        {"regex, no User-Agent", regex, no_agent, html(108623), {true, false}},
    };
}

TEST(GzipFilter, DecidesAsNginxDoes) {
    for (const DecisionCase& c : decision_cases()) {
        GzipDecision d = decide_gzip(c.options, c.request, c.response);
        EXPECT_EQ(d.compress, c.expected.compress) << c.what;
        EXPECT_EQ(d.vary, c.expected.vary) << c.what;
    }
}

TEST(GzipFilter, ReadsTheRequestHeaders) {
    http::RequestHead request;
    request.version = http::Version::http10;
    request.headers = {{"accept-encoding", "gzip"}, {"USER-AGENT", "x"}, {"via", "1.1 p"}};
    GzipRequest r = gzip_request(request);
    EXPECT_EQ(r.version, http::Version::http10);
    EXPECT_EQ(r.accept_encoding, std::optional<std::string_view>("gzip"));
    EXPECT_EQ(r.user_agent, std::optional<std::string_view>("x"));
    EXPECT_TRUE(r.via);
    EXPECT_FALSE(gzip_request(http::RequestHead{}).accept_encoding);
}

// nginx sent ETag: W/"6b04ef7a-3e9" for a file whose ETag is "6b04ef7a-3e9".
TEST(GzipFilter, WeakensTheEtag) {
    EXPECT_EQ(weaken_etag("\"6b04ef7a-3e9\""), "W/\"6b04ef7a-3e9\"");
    EXPECT_EQ(weaken_etag("W/\"6b04ef7a-3e9\""), "W/\"6b04ef7a-3e9\"");
    EXPECT_EQ(weaken_etag("unquoted"), std::nullopt);
    EXPECT_EQ(weaken_etag(""), std::nullopt);
}

// ---- parameters and the encoder --------------------------------------------------------

struct ParamsCase {
    std::optional<uint64_t> length;
    int window_bits;
    int mem_level;
};

TEST(GzipFilter, ShrinksWindowForShortBodies) {
    const ParamsCase cases[] = {
        {std::nullopt, 15, 8}, {0, 15, 8},    {108623, 15, 8}, {16122, 15, 8},
        {16121, 14, 7},        {1001, 11, 4}, {20, 9, 2},      {1, 9, 2},
    };
    for (const ParamsCase& c : cases) {
        GzipParams p = gzip_params(GzipOptions{}, c.length);
        EXPECT_EQ(p.window_bits, c.window_bits) << c.length.value_or(-1);
        EXPECT_EQ(p.mem_level, c.mem_level) << c.length.value_or(-1);
        EXPECT_EQ(p.level, 1);
    }
}

std::string compress(std::string_view body, int level, size_t chunk) {
    GzipOptions options;
    options.comp_level = level;
    GzipEncoder encoder(gzip_params(options, body.size()));
    EXPECT_TRUE(encoder.ok());
    std::string out;
    for (size_t pos = 0; pos < body.size(); pos += chunk)
        EXPECT_TRUE(encoder.feed(body.substr(pos, chunk), out));
    EXPECT_TRUE(encoder.finish(out));
    return out;
}

std::string unhex(std::string_view hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
    return out;
}

// Words picked by a 64-bit LCG; the same text was written to a file and served by nginx.
std::string lcg_text() {
    const char* words[] = {"the",  "quick", "brown",  "fox",   "jumps", "over",
                           "lazy", "dog",   "strata", "nginx", "gzip",  "range"};
    uint64_t x = 42;
    std::string text;
    for (int i = 0; i < 30000; ++i) {
        x = x * 6364136223846793005u + 1442695040888963407u;
        if (i > 0) text += ' ';
        text += words[(x >> 33) % 12];
    }
    return text;
}

uint32_t crc_of(std::string_view bytes) {
    return static_cast<uint32_t>(
        crc32(0, reinterpret_cast<const Bytef*>(bytes.data()), static_cast<uInt>(bytes.size())));
}

TEST(GzipFilter, EncodesShortBodiesExactlyAsNginx) {
    std::string x1001 = std::string(1000, 'x') + "\n";
    EXPECT_EQ(compress(x1001, 1, 4096),
              unhex("1f8b0800000000000403aba81805a321301a02c33d04b8001700857be9030000"));
    EXPECT_EQ(compress("0123456789012345678\n", 1, 4096),
              unhex("1f8b08000000000004033330343236313533b7b03480b1b800c3db594314000000"));
}

struct LevelCase {
    int level;
    size_t size;
    uint32_t crc;
};

TEST(GzipFilter, EncodesLongBodiesExactlyAsNginxAtEveryChunking) {
    std::string text = lcg_text();
    ASSERT_EQ(text.size(), 160179u);
    const LevelCase cases[] = {
        {1, 32529, 0x01840724}, {5, 25384, 0x738c1e9f}, {9, 22166, 0x43548d88}};
    for (const LevelCase& c : cases) {
        for (size_t chunk : {size_t{1} << 20, size_t{32768}, size_t{1000}}) {
            std::string out = compress(text, c.level, chunk);
            EXPECT_EQ(out.size(), c.size) << c.level << " " << chunk;
            EXPECT_EQ(crc_of(out), c.crc) << c.level << " " << chunk;
        }
    }
}

TEST(GzipFilter, EmptyBodyIsAValidGzipStream) {
    std::string out = compress("", 1, 1);
    EXPECT_EQ(out.substr(0, 2), "\x1f\x8b");
    EXPECT_EQ(out.size(), 20u);  // 10-byte header, empty final block, 8-byte trailer
}

TEST(GzipFilter, EncoderMovesAndRejectsBadParameters) {
    GzipEncoder bad(GzipParams{1, 3, 8});
    EXPECT_FALSE(bad.ok());
    std::string out;
    EXPECT_FALSE(bad.feed("x", out));
    EXPECT_FALSE(bad.finish(out));
    GzipEncoder first(GzipParams{});
    GzipEncoder second(std::move(first));
    EXPECT_TRUE(second.ok());
    EXPECT_TRUE(second.feed("hello", out));
    EXPECT_TRUE(second.finish(out));
}

}  // namespace
}  // namespace strata::web
