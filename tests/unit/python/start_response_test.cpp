// start_response and write() as an app calls them: what reaches the gateway, which
// mistakes raise what, exc_info's replace and re-raise.
#include "strata/python/detail/start_response.h"

#include <gtest/gtest.h>

#include "python_test_support.h"

namespace strata::python::testing {
namespace {

TEST(StartResponse, PassesStatusAndHeaders) {
    write_module("sr_basic_app", R"(
def application(environ, start_response):
    start_response("201 Created", [("Content-Type", "text/plain"), ("X-Name", "caf\u00e9")])
    return [b"made"]
)");
    auto app = load("sr_basic_app");
    ASSERT_TRUE(app);
    RecordingStartResponse start;
    Outcome out = run(*app, RequestSpec{}, start);
    EXPECT_EQ(out.body, "made");
    EXPECT_EQ(start.status, "201 Created");
    ASSERT_EQ(start.headers.size(), 2u);
    EXPECT_EQ(start.header("Content-Type"), "text/plain");
    EXPECT_EQ(start.header("X-Name"), "caf\xe9");  // latin-1 bytes
}

TEST(StartResponse, AcceptsKeywordArguments) {
    write_module("sr_keyword_app", R"(
def application(environ, start_response):
    start_response(status="202 Accepted", response_headers=[], exc_info=None)
    return [b""]
)");
    auto app = load("sr_keyword_app");
    ASSERT_TRUE(app);
    RecordingStartResponse start;
    Outcome out = run(*app, RequestSpec{}, start);
    EXPECT_EQ(out.failure, "");
    EXPECT_EQ(start.status, "202 Accepted");
}

// Each case calls start_response wrongly; the app answers with the exception raised.
TEST(StartResponse, RaisesOnMistakes) {
    write_module("sr_mistakes_app", R"(
import sys

CASES = {
    "bytes status": lambda sr: sr(b"200 OK", []),
    "bad status": lambda sr: sr("OK", []),
    "non latin-1 status": lambda sr: sr("200 \u2713", []),
    "headers not a list": lambda sr: sr("200 OK", {"A": "b"}),
    "header not a pair": lambda sr: sr("200 OK", [("A", "b", "c")]),
    "header list not tuple": lambda sr: sr("200 OK", [["A", "b"]]),
    "bytes header value": lambda sr: sr("200 OK", [("A", b"b")]),
    "non latin-1 value": lambda sr: sr("200 OK", [("A", "\u2713")]),
    "hop-by-hop header": lambda sr: sr("200 OK", [("Connection", "close")]),
    "control character": lambda sr: sr("200 OK", [("A", "b\r\nInjected: yes")]),
    "no headers": lambda sr: sr("200 OK"),
    "too many": lambda sr: sr("200 OK", [], None, 4),
    "unknown keyword": lambda sr: sr("200 OK", [], bogus=1),
    "called twice": lambda sr: (sr("200 OK", []), sr("500 Oops", [])),
}

def application(environ, start_response):
    case = CASES[environ["PATH_INFO"][1:].replace("_", " ")]
    try:
        case(start_response)
        result = "no error"
    except Exception as e:
        result = "%s: %s" % (type(e).__name__, e)
    return [result.encode("utf-8")]
)");
    struct Case {
        std::string name;
        std::string starts_with;
    };
    const Case cases[] = {
        {"bytes status", "TypeError: status must be str, not bytes"},
        {"bad status", "ValueError: invalid status \"OK\""},
        {"non latin-1 status", "ValueError: status '200 \xe2\x9c\x93' has characters that latin-1"},
        {"headers not a list", "TypeError: response_headers must be a list, not dict"},
        {"header not a pair", "TypeError: each response header must be a (name, value) tuple"},
        {"header list not tuple", "TypeError: each response header must be a (name, value) tuple"},
        {"bytes header value", "TypeError: header value must be str, not bytes"},
        {"non latin-1 value", "ValueError: header value '\xe2\x9c\x93' has characters"},
        {"hop-by-hop header", "ValueError: hop-by-hop header \"Connection\" is not allowed"},
        {"control character", "ValueError: invalid value for header \"A\": control characters"},
        {"no headers", "TypeError: start_response() needs status and response_headers"},
        {"too many", "TypeError: start_response() takes at most 3 arguments (4 given)"},
        {"unknown keyword",
         "TypeError: start_response() got an unexpected or repeated argument 'bogus'"},
        {"called twice", "AssertionError: Response headers already set!"},
    };
    auto app = load("sr_mistakes_app");
    ASSERT_TRUE(app);
    for (const Case& c : cases) {
        RequestSpec spec;
        spec.target = "/";
        for (char ch : c.name)
            spec.target.push_back(ch == ' ' ? '_' : ch);
        Outcome out = run(*app, spec);
        EXPECT_EQ(out.body.substr(0, c.starts_with.size()), c.starts_with) << c.name;
    }
}

constexpr const char* kExcInfoApp = R"(
import sys

def application(environ, start_response):
    start_response("200 OK", [("Content-Type", "text/html")])
    try:
        raise ValueError("the app failed")
    except ValueError:
        start_response("500 Internal Server Error", [("Content-Type", "text/plain")],
                       sys.exc_info())
    return [b"sorry"]
)";

TEST(StartResponse, ExcInfoReplacesHeadersNotYetSent) {
    write_module("sr_exc_info_app", kExcInfoApp);
    auto app = load("sr_exc_info_app");
    ASSERT_TRUE(app);
    RecordingStartResponse start;
    Outcome out = run(*app, RequestSpec{}, start);
    EXPECT_TRUE(out.returned) << out.error;
    EXPECT_EQ(start.starts, 2);
    EXPECT_EQ(start.status, "500 Internal Server Error");
    EXPECT_EQ(start.header("Content-Type"), "text/plain");
    EXPECT_EQ(out.body, "sorry");
}

// PEP 3333: once the headers are out, start_response(…, exc_info) re-raises exc_info.
TEST(StartResponse, ExcInfoReraisesOnceHeadersAreSent) {
    write_module("sr_reraise_app", kExcInfoApp);
    auto app = load("sr_reraise_app");
    ASSERT_TRUE(app);
    RecordingStartResponse start;
    start.headers_sent = true;
    LogCapture log;
    Outcome out = run(*app, RequestSpec{}, start);
    EXPECT_FALSE(out.returned);
    EXPECT_EQ(out.error, "the WSGI app raised ValueError: the app failed");
    std::string text = log.text();
    EXPECT_NE(text.find("Error handling request /"), std::string::npos) << text;
    // The traceback is the original one: it shows where the app raised.
    EXPECT_NE(text.find("raise ValueError(\"the app failed\")"), std::string::npos) << text;
    EXPECT_EQ(start.status, "200 OK");
}

TEST(StartResponse, ExcInfoStillChecksTheNewStatus) {
    write_module("sr_exc_info_bad_app", R"(
import sys

def application(environ, start_response):
    try:
        raise KeyError("x")
    except KeyError:
        try:
            start_response("bad", [], sys.exc_info())
        except ValueError as e:
            start_response("200 OK", [])
            return [str(e).encode()]
    return [b"no error"]
)");
    auto app = load("sr_exc_info_bad_app");
    ASSERT_TRUE(app);
    EXPECT_EQ(run(*app, RequestSpec{}).body.substr(0, 16), "invalid status \"");
}

TEST(StartResponse, WriteSendsBytes) {
    write_module("sr_write_app", R"(
def application(environ, start_response):
    write = start_response("200 OK", [("Content-Type", "text/plain")])
    write(b"written ")
    write(b"")
    write(b"early, ")
    errors = []
    for bad in ("str", bytearray(b"x"), None):
        try:
            write(bad)
        except TypeError as e:
            errors.append(str(e))
    return [b"then returned; ", "; ".join(errors).encode()]
)");
    auto app = load("sr_write_app");
    ASSERT_TRUE(app);
    RecordingStartResponse start;
    Outcome out = run(*app, RequestSpec{}, start);
    EXPECT_EQ(start.written, "written early, ");
    EXPECT_EQ(out.body,
              "then returned; write() argument must be bytes, not str; write() argument must "
              "be bytes, not bytearray; write() argument must be bytes, not NoneType");
}

// The server lets the GIL go while write() waits for a slow client (App::before_wait),
// which needs it held: write() must not have let it go already (that was a fatal
// "PyEval_SaveThread: ... the GIL is released" abort of the worker).
TEST(StartResponse, WriteKeepsTheGilForTheServersWait) {
    write_module("sr_slow_write_app", R"(
def application(environ, start_response):
    write = start_response("200 OK", [])
    for i in range(3):
        write(b"chunk %d " % i)
    return [b"done"]
)");
    auto app = load("sr_slow_write_app");
    ASSERT_TRUE(app);
    RecordingStartResponse start;
    start.slow_client_of = app.get();
    app->attach_thread();  // as an app thread: the GIL held from here on
    Outcome out = run(*app, RequestSpec{}, start);
    app->detach_thread();
    EXPECT_TRUE(start.gil_held_in_write);
    EXPECT_EQ(start.written, "chunk 0 chunk 1 chunk 2 ");
    EXPECT_EQ(out.body, "done");
}

TEST(StartResponse, WriteRaisesWhenTheClientIsGone) {
    write_module("sr_write_gone_app", R"(
def application(environ, start_response):
    write = start_response("200 OK", [])
    try:
        write(b"lost")
        return [b"no error"]
    except OSError as e:
        return [str(e).encode()]
)");
    auto app = load("sr_write_gone_app");
    ASSERT_TRUE(app);
    RecordingStartResponse start;
    start.client_gone = true;
    Outcome out = run(*app, RequestSpec{}, start);
    EXPECT_EQ(out.body, "write() failed: the client closed the connection");
}

// An app that keeps start_response past its request gets an exception, not a crash.
TEST(StartResponse, RaisesAfterItsRequest) {
    write_module("sr_kept_app", R"(
kept = []

def application(environ, start_response):
    if kept:
        old_start, old_write = kept[0]
        results = []
        for call in (lambda: old_start("200 OK", []), lambda: old_write(b"x")):
            try:
                call()
                results.append("no error")
            except RuntimeError as e:
                results.append(str(e))
        start_response("200 OK", [])
        return ["; ".join(results).encode()]
    kept.append((start_response, start_response("200 OK", [])))
    return [b"first"]
)");
    auto app = load("sr_kept_app");
    ASSERT_TRUE(app);
    EXPECT_EQ(run(*app, RequestSpec{}).body, "first");
    EXPECT_EQ(run(*app, RequestSpec{}).body,
              "the request this start_response belongs to is over; the request this "
              "start_response belongs to is over");
    ASSERT_EQ(py_exec("import sr_kept_app\nsr_kept_app.kept.clear()\n"), "");
}

}  // namespace
}  // namespace strata::python::testing
