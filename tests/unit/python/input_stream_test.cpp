// wsgi.input over a body in memory and over one spooled to a file: every reading method
// gives the same bytes either way.
#include "strata/python/detail/input_stream.h"

#include <gtest/gtest.h>

#include "python_test_support.h"

namespace strata::python::testing {
namespace {

// Runs the operation named by the query string and answers with repr() of the result.
constexpr const char* kInputApp = R"(
kept = []

def application(environ, start_response):
    stream = environ["wsgi.input"]
    op = environ["QUERY_STRING"]
    if op == "read":
        result = [stream.read()]
    elif op == "read-none":
        result = [stream.read(None), stream.read(None)]
    elif op == "read-sizes":
        result = [stream.read(3), stream.read(0), stream.read(4), stream.read(100), stream.read()]
    elif op == "read-negative":
        result = [stream.read(2), stream.read(-1)]
    elif op == "readline":
        result = [stream.readline(), stream.readline(2), stream.readline(), stream.readline(),
                  stream.readline(), stream.readline()]
    elif op == "readline-none":
        result = [stream.readline(None), stream.readline(-5)]
    elif op == "readlines":
        result = stream.readlines()
    elif op == "readlines-hint":
        result = [stream.readlines(5), stream.readlines()]
    elif op == "iterate":
        result = [line for line in stream]
    elif op == "mixed":
        result = [stream.readline(), stream.read(2), next(iter(stream)), stream.readlines()]
    elif op == "bad-size":
        try:
            stream.read("3")
            result = "no error"
        except TypeError as e:
            result = str(e)
    elif op == "keep":
        kept.append(stream)
        result = "kept"
    elif op == "read-kept":
        result = [kept[0].read(), kept[0].readline(), kept[0].readlines()]
    start_response("200 OK", [])
    return [repr(result).encode()]
)";

struct Case {
    std::string op;
    std::string body;
    std::string expected;
};

const Case kCases[] = {
    {"read", "hello\nworld", "[b'hello\\nworld']"},
    {"read", "", "[b'']"},
    {"read-none", "abc", "[b'abc', b'']"},
    {"read-sizes", "abcdefghij", "[b'abc', b'', b'defg', b'hij', b'']"},
    {"read-negative", "abcdef", "[b'ab', b'cdef']"},
    {"readline", "one\ntwo\nthree", "[b'one\\n', b'tw', b'o\\n', b'three', b'', b'']"},
    {"readline-none", "a\nb\n", "[b'a\\n', b'b\\n']"},
    {"readlines", "one\ntwo\n\nlast", "[b'one\\n', b'two\\n', b'\\n', b'last']"},
    {"readlines", "", "[]"},
    {"readlines-hint", "abc\ndef\nghi\n", "[[b'abc\\n', b'def\\n'], [b'ghi\\n']]"},
    {"iterate", "x\ny\nz", "[b'x\\n', b'y\\n', b'z']"},
    {"mixed", "line1\nabline2\nrest\nend",
     "[b'line1\\n', b'ab', b'line2\\n', [b'rest\\n', b'end']]"},
    {"bad-size", "abc", "\"argument should be integer or None, not 'str'\""},
};

class InputStreamTest : public ::testing::TestWithParam<bool> {  // spooled?
  protected:
    static void SetUpTestSuite() { write_module("input_app", kInputApp); }
};

TEST_P(InputStreamTest, ReadsLikeAFile) {
    std::unique_ptr<gateway::App> app = load("input_app");
    ASSERT_TRUE(app);
    for (const Case& c : kCases) {
        RequestSpec spec;
        spec.method = "POST";
        spec.target = "/?" + c.op;
        spec.body = c.body;
        spec.spool = GetParam();
        Outcome out = run(*app, spec);
        EXPECT_EQ(out.body, c.expected) << c.op << " on " << ::testing::PrintToString(c.body);
    }
}

// Bigger than the spool window (16 KiB) and the GIL-free read size (64 KiB), with lines
// crossing window edges.
TEST_P(InputStreamTest, ReadsLargeBodiesWhole) {
    write_module("input_echo_app", R"(
def application(environ, start_response):
    stream = environ["wsgi.input"]
    how = environ["QUERY_STRING"]
    if how == "lines":
        data = b"".join(stream.readlines())
    elif how == "iterate":
        data = b"".join(stream)
    else:
        data = stream.read()
    start_response("200 OK", [])
    return [data]
)");
    std::string body;
    for (int i = 0; body.size() < 200 * 1024; ++i)
        body += "line " + std::to_string(i) + std::string(static_cast<size_t>(i % 97), 'x') + "\n";
    body += "no newline at the end";
    std::unique_ptr<gateway::App> app = load("input_echo_app");
    ASSERT_TRUE(app);
    for (const char* how : {"lines", "iterate", "read"}) {
        RequestSpec spec;
        spec.method = "POST";
        spec.target = std::string("/?") + how;
        spec.body = body;
        spec.spool = GetParam();
        Outcome out = run(*app, spec);
        EXPECT_EQ(out.body.size(), body.size()) << how;
        EXPECT_TRUE(out.body == body) << how;
    }
}

// An app that keeps wsgi.input past its request reads nothing, not freed memory.
TEST_P(InputStreamTest, ReadsNothingAfterItsRequest) {
    std::unique_ptr<gateway::App> app = load("input_app");
    ASSERT_TRUE(app);
    RequestSpec keep;
    keep.target = "/?keep";
    keep.body = "secret\nlines\n";
    keep.spool = GetParam();
    EXPECT_EQ(run(*app, keep).body, "'kept'");
    RequestSpec later;
    later.target = "/?read-kept";
    EXPECT_EQ(run(*app, later).body, "[b'', b'', []]");
    ASSERT_EQ(py_exec("import input_app\ninput_app.kept.clear()\n"), "");
}

INSTANTIATE_TEST_SUITE_P(MemoryAndSpooled, InputStreamTest, ::testing::Values(false, true),
                         [](const ::testing::TestParamInfo<bool>& param) {
                             return param.param ? "Spooled" : "InMemory";
                         });

}  // namespace
}  // namespace strata::python::testing
