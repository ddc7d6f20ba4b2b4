#include "strata/gateway/response_start.h"

#include <gtest/gtest.h>

#include <string>
#include <string_view>

namespace strata::gateway {
namespace {

using namespace std::literals;

// The error for a start_response() call, or "" when it was accepted.
std::string error_of(std::string_view status, ResponseHeaders headers = {}) {
    auto r = check_response_start(status, std::move(headers));
    return r ? std::string() : r.error();
}

ResponseStart accepted(std::string_view status, ResponseHeaders headers = {}) {
    auto r = check_response_start(status, std::move(headers));
    EXPECT_TRUE(r.ok()) << status << ": " << (r ? "" : r.error());
    return r ? std::move(r.value()) : ResponseStart{};
}

bool contains(std::string_view text, std::string_view part) {
    return text.find(part) != std::string_view::npos;
}

// --- status ---

struct StatusCase {
    std::string_view status;
    int code;  // 0: refused
};

TEST(CheckResponseStart, StatusForms) {
    const StatusCase cases[] = {
        {"200 OK", 200},
        {"404 Not Found", 404},
        {"299 Fine By Me", 299},
        {"599 x", 599},
        {"100 Continue", 0},       // interim: never a final response
        {"200", 200},              // no reason phrase: still a status
        {"200 ", 200},             // an empty reason phrase
        {"204 No\tContent", 204},  // HTAB is allowed in a field value
        {"500 \xe9t\xe9", 500},    // obs-text
        {"", 0},
        {"20", 0},
        {"2000 x", 0},
        {"200OK", 0},
        {"abc", 0},
        {"abc OK", 0},
        {"2x0 OK", 0},
        {"099 Low", 0},
        {"-20 OK", 0},
        {" 200 OK", 0},
        {"200 O\rK", 0},
        {"200 O\nK", 0},
        {"200 OK\r\n", 0},
        {"200 O\x01K", 0},
        {"200 O\x7fK", 0},
        {"200 O\0K"sv, 0},
    };
    for (const StatusCase& c : cases) {
        auto r = check_response_start(c.status, {});
        if (c.code == 0) {
            EXPECT_FALSE(r.ok()) << "accepted " << testing::PrintToString(std::string(c.status));
            if (!r) {
                EXPECT_TRUE(contains(r.error(), "invalid status")) << r.error();
            }
            continue;
        }
        ASSERT_TRUE(r.ok()) << testing::PrintToString(std::string(c.status)) << ": " << r.error();
        EXPECT_EQ(r->status, c.code) << c.status;
        // Kept as the app wrote it; a bare code gets the SP the status line needs.
        std::string text(c.status);
        if (text.size() == 3) text += " ";
        EXPECT_EQ(r->status_text, text) << c.status;
    }
}

TEST(CheckResponseStart, MalformedStatusErrorShowsTheFormAndTheValue) {
    std::string e = error_of("abc");
    EXPECT_TRUE(contains(e, "\"abc\"")) << e;
    EXPECT_TRUE(contains(e, "200 OK")) << e;  // says what a status looks like
    std::string control = error_of("200 O\nK");
    EXPECT_TRUE(contains(control, "control characters")) << control;
    EXPECT_TRUE(contains(control, "\\n")) << "the value is shown escaped: " << control;
}

// --- header names and values ---

TEST(CheckResponseStart, KeepsHeadersInTheAppsOrderWithRepeats) {
    ResponseStart s = accepted("200 OK", {{"Content-Type", "text/plain"},
                                          {"Set-Cookie", "a=1"},
                                          {"X-Empty", ""},
                                          {"Set-Cookie", "b=2"}});
    ASSERT_EQ(s.headers.size(), 4u);
    EXPECT_EQ(s.headers[0].name, "Content-Type");
    EXPECT_EQ(s.headers[1].value, "a=1");
    EXPECT_EQ(s.headers[2].name, "X-Empty");
    EXPECT_EQ(s.headers[2].value, "");
    EXPECT_EQ(s.headers[3].value, "b=2");
    EXPECT_EQ(s.content_length, -1);
    EXPECT_EQ(s.server, "");
}

TEST(CheckResponseStart, HeaderNamesMustBeTokens) {
    const std::string_view bad[] = {
        "",       "X Name",  "X:Name",    "X-Name:", "X\tName",
        "X\r\nY", "X(Name)", "\xe9t\xe9", "X\0Y"sv,  "X-Name\r\nX-Evil: 1",
        "[x]",    "a/b"};
    for (std::string_view name : bad) {
        std::string e = error_of("200 OK", {{std::string(name), "v"}});
        EXPECT_TRUE(contains(e, "invalid header name"))
            << "name " << testing::PrintToString(std::string(name)) << ": " << e;
    }
    const std::string_view good[] = {"X-Name", "x_name", "A!#$%&'*+-.^_`|~9", "ETag"};
    for (std::string_view name : good)
        EXPECT_EQ(error_of("200 OK", {{std::string(name), "v"}}), "") << name;
}

TEST(CheckResponseStart, HeaderValuesCarryNoControlCharacters) {
    const std::string_view bad[] = {"a\rb",  "a\nb",    "a\r\nSet-Cookie: evil=1", "a\0b"sv, "\x01",
                                    "a\x7f", "\x1b[31m"};
    for (std::string_view value : bad) {
        std::string e = error_of("200 OK", {{"X-Value", std::string(value)}});
        EXPECT_TRUE(contains(e, "invalid value for header \"X-Value\""))
            << testing::PrintToString(std::string(value)) << ": " << e;
    }
    const std::string_view good[] = {
        "", "plain", "tab\there", " spaced ", "caf\xc3\xa9", "quote\"d", "~!@#$%^&*()"};
    for (std::string_view value : good)
        EXPECT_EQ(error_of("200 OK", {{"X-Value", std::string(value)}}), "")
            << testing::PrintToString(std::string(value));
}

// --- hop-by-hop ---

TEST(CheckResponseStart, EveryHopByHopHeaderIsRefusedWithAHelpfulMessage) {
    const std::string_view names[] = {
        "Connection", "Keep-Alive",      "Proxy-Authenticate", "Proxy-Authorization",
        "TE",         "Trailer",         "Trailers",           "Transfer-Encoding",
        "Upgrade",    "Proxy-Connection"};
    for (std::string_view name : names) {
        std::string forms[] = {std::string(name), std::string(name), std::string(name)};
        for (char& c : forms[1])
            c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
        for (char& c : forms[2])
            c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
        for (const std::string& form : forms) {
            EXPECT_TRUE(is_hop_by_hop(form)) << form;
            std::string e = error_of("200 OK", {{"X-Fine", "1"}, {form, "close"}});
            EXPECT_TRUE(contains(e, "hop-by-hop header \"" + form + "\"")) << form << ": " << e;
            EXPECT_TRUE(contains(e, "PEP 3333")) << e;
            EXPECT_TRUE(contains(e, "server manages the connection")) << e;
        }
    }
}

TEST(CheckResponseStart, EndToEndHeadersAreNotHopByHop) {
    const std::string_view names[] = {"Content-Type",
                                      "Content-Length",
                                      "Connections",
                                      "X-Connection",
                                      "Keep-Alive-Ish",
                                      "Tee",
                                      "Upgrade-Insecure-Requests",
                                      "Proxy",
                                      "Transfer",
                                      "Server",
                                      "Trailer-X"};
    for (std::string_view name : names)
        EXPECT_FALSE(is_hop_by_hop(name)) << name;
}

// --- Content-Length ---

TEST(CheckResponseStart, ContentLengthIsTakenOutOfTheHeaders) {
    ResponseStart s =
        accepted("200 OK", {{"Content-Type", "text/plain"}, {"content-LENGTH", "14"}});
    EXPECT_EQ(s.content_length, 14);
    ASSERT_EQ(s.headers.size(), 1u);
    EXPECT_EQ(s.headers[0].name, "Content-Type");
    EXPECT_EQ(accepted("200 OK", {{"Content-Length", "0"}}).content_length, 0);
    EXPECT_EQ(accepted("200 OK", {{"Content-Length", "007"}}).content_length, 7);
    EXPECT_EQ(accepted("200 OK", {{"Content-Length", "999999999999999999"}}).content_length,
              999'999'999'999'999'999);
}

TEST(CheckResponseStart, MalformedContentLengthIsRefused) {
    const std::string_view bad[] = {"",
                                    "-1",
                                    "+1",
                                    "1.5",
                                    "0x10",
                                    "1,1",
                                    "abc",
                                    "1e3",
                                    "1000000000000000000",  // 19 digits: past the limit
                                    "99999999999999999999999"};
    for (std::string_view value : bad) {
        std::string e = error_of("200 OK", {{"Content-Length", std::string(value)}});
        EXPECT_TRUE(contains(e, "invalid Content-Length")) << "\"" << value << "\": " << e;
    }
}

// RFC 9110 §5.5: surrounding whitespace is not part of a value (gunicorn strips it too).
TEST(CheckResponseStart, ValuesLoseSurroundingWhitespaceAndDateIsTheServers) {
    auto r = check_response_start(
        "200 OK", {{"Content-Length", " 6\t"}, {"X-Padded", "  padded "}, {"Date", "then"}});
    ASSERT_TRUE(r.ok()) << r.error();
    EXPECT_EQ(r->content_length, 6);
    ASSERT_EQ(r->headers.size(), 1u);
    EXPECT_EQ(r->headers[0].value, "padded");
}

TEST(CheckResponseStart, RepeatedContentLengthMustAgree) {
    ResponseStart s = accepted("200 OK", {{"Content-Length", "5"}, {"content-length", "5"}});
    EXPECT_EQ(s.content_length, 5);
    EXPECT_TRUE(s.headers.empty());
    std::string e = error_of("200 OK", {{"Content-Length", "5"}, {"Content-Length", "6"}});
    EXPECT_TRUE(contains(e, "conflicting Content-Length")) << e;
    // A bad one after a good one is still bad.
    EXPECT_TRUE(contains(error_of("200 OK", {{"Content-Length", "5"}, {"Content-Length", "x"}}),
                         "invalid Content-Length"));
}

// --- Server ---

TEST(CheckResponseStart, ServerHeaderIsTakenOut) {
    ResponseStart s =
        accepted("200 OK", {{"X-Before", "1"}, {"SERVER", "my-app/1.0"}, {"X-After", "2"}});
    EXPECT_EQ(s.server, "my-app/1.0");
    ASSERT_EQ(s.headers.size(), 2u);
    EXPECT_EQ(s.headers[0].name, "X-Before");
    EXPECT_EQ(s.headers[1].name, "X-After");
}

TEST(CheckResponseStart, TheFirstBrokenRuleIsReported) {
    // The status is checked before any header.
    EXPECT_TRUE(contains(error_of("bad", {{"Connection", "close"}}), "invalid status"));
    // Headers in order: the first bad one names the error.
    std::string e = error_of("200 OK", {{"Upgrade", "h2c"}, {"Bad Name", "x"}});
    EXPECT_TRUE(contains(e, "hop-by-hop header \"Upgrade\"")) << e;
}

}  // namespace
}  // namespace strata::gateway

namespace strata::gateway {
namespace {

TEST(CheckResponseStartInterim, A1xxStatusIsNotAFinalResponse) {
    auto checked = check_response_start("103 Early Hints", {});
    ASSERT_FALSE(checked.ok());
    EXPECT_NE(checked.error().find("1xx"), std::string::npos);
}

}  // namespace
}  // namespace strata::gateway
