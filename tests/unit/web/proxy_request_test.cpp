// proxy_request_head against the bytes nginx sends upstream. The table is
// proxy_request_cases.json, which tests/e2e/test_proxy_request_nginx.py replays through
// a real nginx to a recording upstream: every expected head here is one nginx sent.
#include "strata/web/proxy_request.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "strata/http/chunked_decoder.h"
#include "strata/http/request_parser.h"

namespace strata::web {
namespace {

using nlohmann::json;

struct Case {
    std::string name, request, upstream, upstream_body;
    std::vector<std::pair<std::string, std::string>> set_headers;
    std::string method;
    http::Version version = http::Version::http10;
    bool pass_request_headers = true, pass_request_body = true;
    std::optional<std::string> set_body;
};

void PrintTo(const Case& c, std::ostream* os) {
    *os << c.name;
}

Case case_from(const json& j) {
    Case c;
    c.name = j.at("name");
    c.request = j.at("request");
    c.upstream = j.at("upstream");
    c.upstream_body = j.value("upstream_body", "");
    json s = j.value("settings", json::object());
    for (const json& pair : s.value("proxy_set_header", json::array()))
        c.set_headers.emplace_back(pair.at(0), pair.at(1));
    c.method = s.value("proxy_method", "");
    if (s.value("proxy_http_version", "1.0") == "1.1") c.version = http::Version::http11;
    c.pass_request_headers = s.value("proxy_pass_request_headers", true);
    c.pass_request_body = s.value("proxy_pass_request_body", true);
    if (s.contains("proxy_set_body")) c.set_body = s.at("proxy_set_body");
    return c;
}

std::vector<Case> load_cases() {
    std::ifstream in(STRATA_PROXY_REQUEST_CASES);
    std::vector<Case> cases;
    if (!in) return cases;  // CasesLoaded fails
    for (const json& j : json::parse(in))
        cases.push_back(case_from(j));
    return cases;
}

const std::vector<Case>& cases() {
    static const std::vector<Case> loaded = load_cases();
    return loaded;
}

TEST(ProxyRequestTable, CasesLoaded) {
    EXPECT_GE(cases().size(), 20u) << STRATA_PROXY_REQUEST_CASES;
}

// The client's body as strata's connection would have read it: Content-Length bytes,
// or the chunks decoded.
std::string read_body(const http::RequestHead& head, std::string_view rest) {
    if (head.body == http::BodyKind::length)
        return std::string(rest.substr(0, head.content_length));
    std::string body;
    if (head.body != http::BodyKind::chunked) return body;
    http::ChunkedDecoder decoder;
    for (;;) {
        http::ChunkResult r = decoder.decode(rest);
        body.append(r.data);
        rest.remove_prefix(r.consumed);
        if (r.status != http::ChunkStatus::data) {
            EXPECT_EQ(r.status, http::ChunkStatus::done);
            return body;
        }
    }
}

class ProxyRequest : public testing::TestWithParam<Case> {};

TEST_P(ProxyRequest, SendsWhatNginxSends) {
    const Case& c = GetParam();
    http::RequestParser parser;
    http::ParseResult parsed = parser.parse(c.request);
    ASSERT_EQ(parsed.status, http::ParseStatus::complete) << http::describe(parsed.error);
    const http::RequestHead& client = parser.head();
    std::string body = read_body(client, std::string_view(c.request).substr(parsed.consumed));
    bool framed = client.body == http::BodyKind::chunked || !client.find("Content-Length").empty();

    std::vector<ProxyHeader> set_headers;
    for (const auto& [name, value] : c.set_headers)
        set_headers.push_back({name, value});
    ProxyRequestSettings settings;
    settings.proxy_host = "backend";
    settings.method = c.method;
    settings.version = c.version;
    settings.pass_request_headers = c.pass_request_headers;
    settings.set_headers = set_headers;
    if (c.set_body) settings.set_body = *c.set_body;

    std::optional<uint64_t> body_length;
    if (framed) body_length = body.size();
    EXPECT_EQ(proxy_request_head(client, client.target, body_length, settings), c.upstream);
    // What the caller sends after the head.
    std::string sent = c.set_body ? *c.set_body : c.pass_request_body ? body : "";
    EXPECT_EQ(sent, c.upstream_body);
}

INSTANTIATE_TEST_SUITE_P(Nginx, ProxyRequest, testing::ValuesIn(cases()),
                         [](const testing::TestParamInfo<Case>& each) { return each.param.name; });

// Beyond the nginx table: inputs a configuration gives that the table does not vary.
http::RequestHead head_with(std::vector<http::Header> headers) {
    http::RequestHead head;
    head.method = "PUT";
    head.target = "/t";
    head.headers = std::move(headers);
    return head;
}

TEST(ProxyRequestHead, UsesTheGivenUriAndProxyHost) {
    http::RequestHead client = head_with({{"Host", "front"}, {"X", "1"}});
    ProxyRequestSettings settings;
    settings.proxy_host = "127.0.0.1:8080";
    EXPECT_EQ(proxy_request_head(client, "/app/t?q", std::nullopt, settings),
              "PUT /app/t?q HTTP/1.0\r\nHost: 127.0.0.1:8080\r\nConnection: close\r\nX: 1\r\n\r\n");
}

TEST(ProxyRequestHead, LargeBodyLength) {
    http::RequestHead client = head_with({});
    ProxyRequestSettings settings;
    settings.proxy_host = "b";
    EXPECT_EQ(proxy_request_head(client, "/t", UINT64_MAX, settings),
              "PUT /t HTTP/1.0\r\nHost: b\r\nConnection: close\r\n"
              "Content-Length: 18446744073709551615\r\n\r\n");
}

TEST(ProxyRequestHead, NamesMatchWhateverTheirCase) {
    http::RequestHead client =
        head_with({{"x-real-ip", "9.9.9.9"}, {"UPGRADE", "h2c"}, {"content-length", "3"}});
    ProxyHeader set[] = {{"X-Real-IP", "1.1.1.1"}, {"cOnNeCtIoN", ""}};
    ProxyRequestSettings settings;
    settings.proxy_host = "b";
    settings.set_headers = set;
    settings.version = http::Version::http11;
    EXPECT_EQ(proxy_request_head(client, "/t", 3, settings),
              "PUT /t HTTP/1.1\r\nX-Real-IP: 1.1.1.1\r\nHost: b\r\nContent-Length: 3\r\n\r\n");
}

}  // namespace
}  // namespace strata::web
