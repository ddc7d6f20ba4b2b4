// The body adapter: chunks from lists, tuples and generators; the messages for bodies
// that are not bytes or not iterable; exceptions while iterating; close() exactly once;
// wsgi.file_wrapper as a sendfile part or as blksize reads.
#include "strata/python/detail/response_body.h"

#include <gtest/gtest.h>

#include "python_test_support.h"

namespace strata::python::testing {
namespace {

constexpr const char* kBodiesApp = R"(
import io

closes = []

class Closing:
    def __init__(self, chunks, fail_after=None):
        self.chunks, self.fail_after = chunks, fail_after
    def __iter__(self):
        for i, chunk in enumerate(self.chunks):
            if i == self.fail_after:
                raise RuntimeError("failed mid-body")
            yield chunk
    def close(self):
        closes.append(len(self.chunks))

class BadClose:
    def __iter__(self):
        return iter([b"ok"])
    def close(self):
        raise OSError("close failed")

class BadIter:
    def __iter__(self):
        raise LookupError("no iterator for you")

def generator():
    yield b"gen-"
    yield b""
    yield b"erated"

BODIES = {
    "list": lambda env: [b"a", b"b", b"c"],
    "tuple": lambda env: (b"x", b"y"),
    "empty": lambda env: [],
    "generator": lambda env: generator(),
    "bytes subclass": lambda env: [type("B", (bytes,), {})(b"sub")],
    "str chunk": lambda env: ["Hello, World!\n"],
    "str after bytes": lambda env: [b"fine", "not fine"],
    "int chunk": lambda env: [b"ok", 42],
    "int": lambda env: 42,
    "bare bytes": lambda env: b"Hello",
    "bare bytearray": lambda env: bytearray(b"Hello"),
    "bare str": lambda env: "Hello",
    "none": lambda env: None,
    "closing": lambda env: Closing([b"1", b"2"]),
    "failing": lambda env: Closing([b"one", b"two", b"three"], fail_after=1),
    "failing first": lambda env: Closing([b"one"], fail_after=0),
    "bad close": lambda env: BadClose(),
    "bad iter": lambda env: BadIter(),
    "bytesio wrapper": lambda env: env["wsgi.file_wrapper"](io.BytesIO(b"hello world"), 4),
}

def application(environ, start_response):
    start_response("200 OK", [])
    return BODIES[environ["PATH_INFO"][1:].replace("_", " ")](environ)
)";

class ResponseBodyTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { write_module("bodies_app", kBodiesApp); }
    void SetUp() override {
        app_ = load("bodies_app");
        ASSERT_TRUE(app_);
        ASSERT_EQ(py_exec("import bodies_app\nbodies_app.closes.clear()\n"), "");
    }
    Outcome body(const std::string& name) {
        RequestSpec spec;
        spec.target = "/";
        for (char c : name)
            spec.target.push_back(c == ' ' ? '_' : c);
        return run(*app_, spec);
    }
    std::unique_ptr<gateway::App> app_;
};

TEST_F(ResponseBodyTest, GivesChunksInOrder) {
    struct Case {
        std::string name;
        std::vector<std::string> chunks;
    };
    const Case cases[] = {
        {"list", {"a", "b", "c"}},
        {"tuple", {"x", "y"}},
        {"empty", {}},
        {"generator", {"gen-", "", "erated"}},
        {"bytes subclass", {"sub"}},
        {"closing", {"1", "2"}},
        {"bytesio wrapper", {"hell", "o wo", "rld"}},
    };
    for (const Case& c : cases) {
        Outcome out = body(c.name);
        EXPECT_TRUE(out.returned) << c.name;
        EXPECT_EQ(out.failure, "") << c.name;
        EXPECT_EQ(out.chunks, c.chunks) << c.name;
    }
    EXPECT_EQ(py_eval("__import__('bodies_app').closes"), "[2]");
}

// The gunicorn sample app returns str; this is the message its users will read.
TEST_F(ResponseBodyTest, RefusesStrChunksSayingHowToFixThem) {
    for (const char* name : {"str chunk", "str after bytes"}) {
        Outcome out = body(name);
        EXPECT_EQ(out.failure,
                  "the WSGI app's response contains a str chunk, but response chunks must be "
                  "bytes (PEP 3333): encode it, e.g. `return [body.encode(\"utf-8\")]`")
            << name;
    }
    EXPECT_EQ(body("str after bytes").body, "fine");
    EXPECT_EQ(body("int chunk").failure,
              "the WSGI app's response contains a chunk of type 'int', but response chunks "
              "must be bytes (PEP 3333), e.g. `return [b\"Hello\"]`");
}

TEST_F(ResponseBodyTest, RefusesWhatIsNotIterable) {
    EXPECT_EQ(body("int").failure,
              "the WSGI app returned a value of type 'int', which is not iterable: a WSGI app "
              "must return an iterable of bytes (PEP 3333), e.g. `return [b\"Hello\"]`");
    EXPECT_EQ(body("none").failure,
              "the WSGI app returned None, which is not iterable: a WSGI app must return an "
              "iterable of bytes (PEP 3333), e.g. `return [b\"Hello\"]`");
}

// `return body` for `return [body]`: iterable, but by ints or characters.
TEST_F(ResponseBodyTest, RefusesABodyReturnedWithoutAListSayingHowToFixIt) {
    EXPECT_EQ(body("bare bytes").failure,
              "the WSGI app returned a bytes object itself, but a WSGI app must return an "
              "iterable of bytes (PEP 3333) and iterating a bytes gives ints: wrap it in a "
              "list, e.g. `return [body]`");
    EXPECT_EQ(body("bare bytearray").failure,
              "the WSGI app returned a bytearray object itself, but a WSGI app must return an "
              "iterable of bytes (PEP 3333) and iterating a bytearray gives ints: wrap it in a "
              "list, e.g. `return [body]`");
    EXPECT_EQ(body("bare str").failure,
              "the WSGI app returned a str itself, but a WSGI app must return an iterable of "
              "bytes (PEP 3333): encode it and wrap it in a list, e.g. "
              "`return [body.encode(\"utf-8\")]`");
    EXPECT_EQ(body("bare bytes").chunks, std::vector<std::string>{});
}

TEST_F(ResponseBodyTest, LogsAnExceptionWhileIteratingAndStillClosesOnce) {
    LogCapture log;
    Outcome out = body("failing");
    EXPECT_EQ(out.chunks, std::vector<std::string>{"one"});
    EXPECT_EQ(out.failure, "the WSGI app's response raised RuntimeError: failed mid-body");
    EXPECT_EQ(py_eval("__import__('bodies_app').closes"), "[3]");
    std::string text = log.text();
    EXPECT_NE(text.find("[error]"), std::string::npos) << text;
    EXPECT_NE(text.find("Error handling request /failing"), std::string::npos) << text;
    EXPECT_NE(text.find("Traceback (most recent call last):"), std::string::npos) << text;
    EXPECT_NE(text.find("RuntimeError: failed mid-body"), std::string::npos) << text;

    out = body("failing first");
    EXPECT_TRUE(out.chunks.empty());
    EXPECT_EQ(out.failure, "the WSGI app's response raised RuntimeError: failed mid-body");
    EXPECT_EQ(py_eval("__import__('bodies_app').closes"), "[3, 1]");
}

TEST_F(ResponseBodyTest, LogsAnExceptionFromIterAndFromClose) {
    LogCapture log;
    EXPECT_EQ(body("bad iter").failure,
              "the WSGI app's response raised LookupError: no iterator for you");
    Outcome out = body("bad close");
    EXPECT_EQ(out.body, "ok");
    EXPECT_EQ(out.failure, "");
    std::string text = log.text();
    EXPECT_NE(text.find("LookupError: no iterator for you"), std::string::npos) << text;
    EXPECT_NE(text.find("Error closing the response of request /bad_close"), std::string::npos)
        << text;
    EXPECT_NE(text.find("OSError: close failed"), std::string::npos) << text;
}

// The server may close a body before it is exhausted (the client went away).
TEST_F(ResponseBodyTest, ClosesAnUnfinishedBody) {
    gateway::Request request;
    RequestSpec spec;
    spec.target = "/closing";
    fill_request(spec, request);
    RecordingStartResponse start;
    std::string error;
    std::unique_ptr<gateway::Body> response = app_->call(request, start, error);
    ASSERT_TRUE(response);
    gateway::BodyPart part = response->next();
    EXPECT_EQ(part.bytes, "1");
    response->close();
    EXPECT_EQ(response->next().kind, gateway::BodyPart::Kind::end);
    response.reset();
    EXPECT_EQ(py_eval("__import__('bodies_app').closes"), "[2]");
}

constexpr const char* kFileApp = R"(
import os, tempfile

path = os.path.join(tempfile.gettempdir(), "strata-file-wrapper-%d.txt" % os.getpid())
with open(path, "wb") as f:
    f.write(b"0123456789abcdefghij")
opened = []

def application(environ, start_response):
    how = environ["QUERY_STRING"]
    f = open(path, "rb")
    opened.append(f)
    if how == "seek":
        f.seek(5)
    elif how == "read-ahead":
        f.read(3)  # the buffered reader read far more from the descriptor
    elif how == "text":
        f.close()
        f = open(path, "r")
        opened.append(f)
    start_response("200 OK", [("Content-Type", "text/plain")])
    if how == "blksize":
        return environ["wsgi.file_wrapper"](f, blksize=7)
    return environ["wsgi.file_wrapper"](f)
)";

TEST(FileWrapper, SendsARegularFileAsAFilePart) {
    write_module("file_app", kFileApp);
    auto app = load("file_app");
    ASSERT_TRUE(app);
    struct Case {
        std::string how;
        off_t offset;
        std::string bytes;
    };
    const Case cases[] = {
        {"", 0, "0123456789abcdefghij"},        {"seek", 5, "56789abcdefghij"},
        {"read-ahead", 3, "3456789abcdefghij"}, {"blksize", 0, "0123456789abcdefghij"},
        {"text", 0, "0123456789abcdefghij"},  // as gunicorn: sendfile sends the raw bytes
    };
    for (const Case& c : cases) {
        RequestSpec spec;
        spec.target = "/?" + c.how;
        Outcome out = run(*app, spec);
        EXPECT_EQ(out.failure, "") << c.how;
        EXPECT_TRUE(out.chunks.empty()) << c.how;
        ASSERT_EQ(out.files.size(), 1u) << c.how;
        EXPECT_EQ(out.files[0].offset, c.offset) << c.how;
        EXPECT_EQ(out.files[0].length, c.bytes.size()) << c.how;
        EXPECT_EQ(out.files[0].bytes, c.bytes) << c.how;
    }
    // close() reached the files (the part's descriptor was a duplicate).
    EXPECT_EQ(py_eval("all(f.closed for f in __import__('file_app').opened)"), "True");
    ASSERT_EQ(py_exec("import os, file_app\nos.unlink(file_app.path)\n"), "");
}

}  // namespace
}  // namespace strata::python::testing
