// The environ a WSGI app sees, key by key, through a real app that returns it as JSON.
#include "strata/python/environ.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "python_test_support.h"
#include "strata/base/version.h"

namespace strata::python::testing {
namespace {

using nlohmann::json;

constexpr const char* kEnvironApp = R"(
import json

def application(environ, start_response):
    shown = {}
    for key, value in environ.items():
        if isinstance(value, str):
            shown[key] = value
        else:
            shown[key] = {"type": type(value).__name__, "repr": repr(value)}
    shown["wsgi.errors has write"] = hasattr(environ["wsgi.errors"], "write")
    shown["wsgi.file_wrapper is callable"] = callable(environ["wsgi.file_wrapper"])
    start_response("200 OK", [("Content-Type", "application/json")])
    return [json.dumps(shown).encode("ascii")]
)";

class EnvironTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() { write_module("environ_app", kEnvironApp); }

    json environ_for(const RequestSpec& spec, const WsgiOptions& options = {}) {
        std::unique_ptr<gateway::App> app = load("environ_app", options);
        if (!app) return json::object();
        Outcome out = run(*app, spec);
        EXPECT_TRUE(out.returned) << out.error;
        EXPECT_EQ(out.failure, "");
        return json::parse(out.body, nullptr, false);
    }
};

TEST_F(EnvironTest, HasEveryKeyOfAPlainRequest) {
    RequestSpec spec;
    spec.target = "/hello/world?x=1&y=%20";
    spec.headers = {{"Host", "example.com:8080"}, {"User-Agent", "curl/8"}};
    spec.server_name = "example.com";
    spec.server_port = "8080";
    json env = environ_for(spec);

    const std::pair<const char*, std::string> strings[] = {
        {"REQUEST_METHOD", "GET"},
        {"QUERY_STRING", "x=1&y=%20"},
        {"RAW_URI", "/hello/world?x=1&y=%20"},
        {"PATH_INFO", "/hello/world"},
        {"SCRIPT_NAME", ""},
        {"SERVER_PROTOCOL", "HTTP/1.1"},
        {"SERVER_NAME", "example.com"},
        {"SERVER_PORT", "8080"},
        {"REMOTE_ADDR", "127.0.0.1"},
        {"REMOTE_PORT", "51234"},
        {"HTTP_HOST", "example.com:8080"},
        {"HTTP_USER_AGENT", "curl/8"},
        {"SERVER_SOFTWARE", std::string(kServerToken)},
        {"wsgi.url_scheme", "http"},
    };
    for (const auto& [key, value] : strings) {
        ASSERT_TRUE(env.contains(key)) << key;
        EXPECT_TRUE(env[key].is_string()) << key;  // native str, as PEP 3333 wants
        EXPECT_EQ(env[key], value) << key;
    }
    const std::pair<const char*, std::string> others[] = {
        {"wsgi.version", "(1, 0)"},        {"wsgi.multithread", "False"},
        {"wsgi.multiprocess", "False"},    {"wsgi.run_once", "False"},
        {"wsgi.input_terminated", "True"},
    };
    for (const auto& [key, value] : others) {
        ASSERT_TRUE(env.contains(key)) << key;
        EXPECT_EQ(env[key]["repr"], value) << key;
    }
    EXPECT_EQ(env["wsgi.input"]["type"], "InputStream");
    EXPECT_EQ(env["wsgi.errors"]["type"], "ErrorStream");
    EXPECT_EQ(env["wsgi.errors has write"], true);
    EXPECT_EQ(env["wsgi.file_wrapper is callable"], true);
    EXPECT_FALSE(env.contains("CONTENT_TYPE"));
    EXPECT_FALSE(env.contains("CONTENT_LENGTH"));
    EXPECT_EQ(env.size(), std::size(strings) + std::size(others) + 5);  // no key unaccounted for
}

// PATH_INFO: percent-decoded bytes, each one code point (latin-1), as gunicorn does.
TEST_F(EnvironTest, DecodesPathInfoAsLatin1) {
    struct Case {
        std::string target;
        std::string path_info;  // as UTF-8 of the latin-1 code points
    };
    const Case cases[] = {
        {"/caf%C3%A9", "/caf\u00c3\u00a9"},  // 'cafÃ©': the UTF-8 bytes, one by one
        {"/caf%E9", "/caf\u00e9"},          {"/a%2Fb?q=%2F", "/a/b"},
        {"/broken%zz", "/broken%zz"},       {"/plus+sign", "/plus+sign"},
    };
    for (const Case& c : cases) {
        RequestSpec spec;
        spec.target = c.target;
        json env = environ_for(spec);
        EXPECT_EQ(env["PATH_INFO"], c.path_info) << c.target;
        EXPECT_EQ(env["RAW_URI"], c.target);
    }
}

TEST_F(EnvironTest, CutsScriptNameOffThePath) {
    struct Case {
        std::string request_script;  // the request's (gateway RequestSettings)
        std::string option_script;   // the app's default
        std::string target;
        std::string script_name;
        std::string path_info;
    };
    const Case cases[] = {
        {"/app", "", "/app/hello", "/app", "/hello"},
        {"/app", "", "/app", "/app", ""},
        {"", "/mount", "/mount/x%20y", "/mount", "/x y"},
        {"/app", "/mount", "/app/x", "/app", "/x"},  // the request's wins
        {"/app", "", "/other/path", "/app", "/other/path"},
        {"/app", "", "/appendix", "/app", "/appendix"},  // whole segments only
        {"/app", "", "/app/", "/app", "/"},
    };
    for (const Case& c : cases) {
        RequestSpec spec;
        spec.target = c.target;
        spec.script_name = c.request_script;
        WsgiOptions options;
        options.script_name = c.option_script;
        json env = environ_for(spec, options);
        EXPECT_EQ(env["SCRIPT_NAME"], c.script_name) << c.target;
        EXPECT_EQ(env["PATH_INFO"], c.path_info) << c.target;
    }
}

TEST_F(EnvironTest, JoinsRepeatedHeadersWithCommas) {
    RequestSpec spec;
    spec.headers = {{"X-Forwarded-For", "10.0.0.1"},
                    {"Accept", "text/html"},
                    {"x-forwarded-for", "10.0.0.2"},
                    {"X-FORWARDED-FOR", "10.0.0.3"},
                    {"accept", "*/*"}};
    json env = environ_for(spec);
    EXPECT_EQ(env["HTTP_X_FORWARDED_FOR"], "10.0.0.1,10.0.0.2,10.0.0.3");
    EXPECT_EQ(env["HTTP_ACCEPT"], "text/html,*/*");
}

TEST_F(EnvironTest, HeaderValuesAreLatin1) {
    RequestSpec spec;
    spec.headers = {{"X-Name", "caf\xe9"}, {"X-Utf8", "caf\xc3\xa9"}};
    json env = environ_for(spec);
    EXPECT_EQ(env["HTTP_X_NAME"], "caf\u00e9");
    EXPECT_EQ(env["HTTP_X_UTF8"], "caf\u00c3\u00a9");
}

TEST_F(EnvironTest, ContentHeadersHaveNoHttpTwins) {
    RequestSpec spec;
    spec.method = "POST";
    spec.headers = {{"Content-Type", "application/json"}, {"Content-Length", "2"}};
    spec.body = "{}";
    json env = environ_for(spec);
    EXPECT_EQ(env["CONTENT_TYPE"], "application/json");
    EXPECT_EQ(env["CONTENT_LENGTH"], "2");
    EXPECT_FALSE(env.contains("HTTP_CONTENT_TYPE"));
    EXPECT_FALSE(env.contains("HTTP_CONTENT_LENGTH"));
}

TEST_F(EnvironTest, ChunkedBodyHasNoContentLength) {
    RequestSpec spec;
    spec.method = "POST";
    spec.headers = {{"Content-Type", "text/plain"}, {"Transfer-Encoding", "chunked"}};
    spec.chunked = true;
    spec.body = "hello";
    json env = environ_for(spec);
    EXPECT_EQ(env["CONTENT_TYPE"], "text/plain");
    EXPECT_FALSE(env.contains("CONTENT_LENGTH"));
    EXPECT_EQ(env["HTTP_TRANSFER_ENCODING"], "chunked");
}

TEST_F(EnvironTest, UnixSocketHasNoRemotePort) {
    RequestSpec spec;
    spec.unix_socket = true;
    spec.server_name = "";
    spec.server_port = "";
    json env = environ_for(spec);
    EXPECT_EQ(env["REMOTE_ADDR"], "");
    EXPECT_FALSE(env.contains("REMOTE_PORT"));
    EXPECT_EQ(env["SERVER_NAME"], "");
    EXPECT_EQ(env["SERVER_PORT"], "");
}

TEST_F(EnvironTest, FollowsTheRequestAndTheOptions) {
    RequestSpec spec;
    spec.method = "DELETE";
    spec.protocol = "HTTP/1.0";
    spec.url_scheme = "https";
    spec.remote_addr = "::1";
    spec.remote_port = 65535;
    WsgiOptions options;
    options.threads = 4;
    options.workers = 2;
    json env = environ_for(spec, options);
    EXPECT_EQ(env["REQUEST_METHOD"], "DELETE");
    EXPECT_EQ(env["SERVER_PROTOCOL"], "HTTP/1.0");
    EXPECT_EQ(env["wsgi.url_scheme"], "https");
    EXPECT_EQ(env["REMOTE_ADDR"], "::1");
    EXPECT_EQ(env["REMOTE_PORT"], "65535");
    EXPECT_EQ(env["wsgi.multithread"]["repr"], "True");
    EXPECT_EQ(env["wsgi.multiprocess"]["repr"], "True");
}

// The cached per-field strings must follow the request when it changes.
TEST_F(EnvironTest, CachedValuesFollowEachRequest) {
    std::unique_ptr<gateway::App> app = load("environ_app");
    ASSERT_TRUE(app);
    for (int i = 0; i < 3; ++i) {
        RequestSpec spec;
        spec.method = i % 2 ? "POST" : "GET";
        spec.server_port = std::to_string(8000 + i);
        spec.remote_addr = "10.0.0." + std::to_string(i);
        json env = json::parse(run(*app, spec).body);
        EXPECT_EQ(env["REQUEST_METHOD"], spec.method);
        EXPECT_EQ(env["SERVER_PORT"], spec.server_port);
        EXPECT_EQ(env["REMOTE_ADDR"], spec.remote_addr);
    }
}

// Each request gets its own dict: what an app adds does not leak into the next one.
TEST_F(EnvironTest, IsFreshPerRequest) {
    write_module("environ_mutating_app", R"(
def application(environ, start_response):
    seen = environ.get("app.marker", "absent")
    version = repr(environ["wsgi.version"])
    environ["app.marker"] = "set"
    environ["wsgi.version"] = (9, 9)
    start_response("200 OK", [])
    return [seen.encode(), version.encode()]
)");
    std::unique_ptr<gateway::App> app = load("environ_mutating_app");
    ASSERT_TRUE(app);
    EXPECT_EQ(run(*app, RequestSpec{}).body, "absent(1, 0)");
    EXPECT_EQ(run(*app, RequestSpec{}).body, "absent(1, 0)");
}

}  // namespace
}  // namespace strata::python::testing
