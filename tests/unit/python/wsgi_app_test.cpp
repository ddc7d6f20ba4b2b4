// The bridge end to end: exceptions before a body, wsgi.errors, the app-thread
// protocol from several threads, gunicorn's request hooks, and a real Flask app.
#include "strata/python/wsgi_app.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <thread>

#include "python_test_support.h"

namespace strata::python::testing {
namespace {

TEST(WsgiApp, LogsAnExceptionBeforeTheBodyAndReturnsNull) {
    write_module("raising_app", R"(
def application(environ, start_response):
    return helper(environ)

def helper(environ):
    raise ValueError("boom at " + environ["PATH_INFO"])
)");
    auto app = load("raising_app");
    ASSERT_TRUE(app);
    LogCapture log;
    RecordingStartResponse start;
    RequestSpec spec;
    spec.target = "/some/path?q=1";
    Outcome out = run(*app, spec, start);
    EXPECT_FALSE(out.returned);
    EXPECT_EQ(out.error, "the WSGI app raised ValueError: boom at /some/path");
    EXPECT_EQ(start.starts, 0);
    std::string text = log.text();
    EXPECT_NE(text.find("[error]"), std::string::npos) << text;
    EXPECT_NE(text.find("Error handling request /some/path?q=1\nTraceback (most recent call "
                        "last):"),
              std::string::npos)
        << text;
    EXPECT_NE(text.find("in helper\n"), std::string::npos) << text;
    EXPECT_NE(text.find("ValueError: boom at /some/path"), std::string::npos) << text;
}

TEST(WsgiApp, ErrorsStreamWritesLinesToTheErrorLog) {
    write_module("errors_app", R"(
def application(environ, start_response):
    errors = environ["wsgi.errors"]
    errors.write("first line\nsecond ")
    errors.write("line\n")
    errors.writelines(["third\n", "unfinished"])
    errors.flush()
    try:
        errors.write(b"bytes")
        result = b"no error"
    except TypeError as e:
        result = str(e).encode()
    start_response("200 OK", [])
    return [result]
)");
    auto app = load("errors_app");
    ASSERT_TRUE(app);
    LogCapture log;
    EXPECT_EQ(run(*app, RequestSpec{}).body, "write() argument must be str, not bytes");
    std::string text = log.text();
    for (const char* line : {"first line\n", "second line\n", "third\n", "unfinished\n"})
        EXPECT_NE(text.find(std::string("#0: ") + line), std::string::npos) << line << text;
}

// A logging.StreamHandler on wsgi.errors (Flask's default) writes a record, traceback
// and all, in one call: it stays one log record, with one prefix.
TEST(WsgiApp, ErrorsStreamKeepsTheLinesOfOneWriteTogether) {
    write_module("errors_block_app", R"(
def application(environ, start_response):
    environ["wsgi.errors"].write("record head\n  detail one\n  detail two\nnext ")
    environ["wsgi.errors"].write("record\n")
    start_response("200 OK", [])
    return [b""]
)");
    auto app = load("errors_block_app");
    ASSERT_TRUE(app);
    LogCapture log;
    run(*app, RequestSpec{});
    std::string text = log.text();
    EXPECT_NE(text.find("#0: record head\n  detail one\n  detail two\n"), std::string::npos)
        << text;
    EXPECT_NE(text.find("#0: next record\n"), std::string::npos) << text;
}

TEST(WsgiApp, ServesFromSeveralAttachedThreads) {
    write_module("threads_app", R"(
import threading

def application(environ, start_response):
    start_response("200 OK", [])
    return [environ["PATH_INFO"].encode(), b" on ", threading.current_thread().name.encode()]
)");
    WsgiOptions options;
    options.threads = 4;
    auto app = load("threads_app", options);
    ASSERT_TRUE(app);
    constexpr int kThreads = 4;
    constexpr int kRequests = 50;
    std::vector<int> good(kThreads, 0);
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            app->attach_thread();
            for (int i = 0; i < kRequests; ++i) {
                RequestSpec spec;
                spec.target = "/t" + std::to_string(t) + "/" + std::to_string(i);
                // The request as the server would handle it: the GIL held from after_wait
                // to before_wait, none while "waiting".
                Outcome out = run(*app, spec);
                if (out.body.rfind(spec.target + " on ", 0) == 0) ++good[t];
                app->before_wait();
                std::this_thread::yield();
                app->after_wait();
            }
            app->before_wait();
            app->after_wait();
            app->detach_thread();
        });
    }
    for (std::thread& thread : threads)
        thread.join();
    for (int t = 0; t < kThreads; ++t)
        EXPECT_EQ(good[t], kRequests) << t;
    EXPECT_EQ(PyGILState_Check(), 0);
}

TEST(WsgiApp, RunsRequestHooksAroundTheRequest) {
    write_module("hooks_app", R"(
events = []

def pre_request(environ):
    events.append("pre " + environ["PATH_INFO"])

def post_request(environ):
    events.append("post " + environ["PATH_INFO"])

def application(environ, start_response):
    events.append("app")
    start_response("200 OK", [])
    return iter([b"body"])
)");
    PyRef pre;
    PyRef post;
    {
        GilGuard gil;
        PyRef module(PyImport_ImportModule("hooks_app"));
        ASSERT_TRUE(module);
        pre.reset(PyObject_GetAttrString(module.get(), "pre_request"));
        post.reset(PyObject_GetAttrString(module.get(), "post_request"));
    }
    WsgiOptions options;
    options.pre_request = pre.get();
    options.post_request = post.get();
    auto app = load("hooks_app", options);
    ASSERT_TRUE(app);
    RequestSpec spec;
    spec.target = "/hooked";
    EXPECT_EQ(run(*app, spec).body, "body");
    EXPECT_EQ(py_eval("__import__('hooks_app').events"), "['pre /hooked', 'app', 'post /hooked']");
    GilGuard gil;
    pre.reset();
    post.reset();
}

constexpr const char* kFlaskApp = R"(
from flask import Flask, jsonify, request

app = Flask(__name__)

@app.route("/hello/<name>")
def hello(name):
    return f"Hello, {name}!"

@app.post("/echo")
def echo():
    return jsonify(got=request.get_json(), agent=request.headers.get("User-Agent"),
                   args=request.args.to_dict(), script_root=request.script_root,
                   scheme=request.scheme, host=request.host)

@app.post("/form")
def form():
    upload = request.files["file"]
    return jsonify(name=request.form["name"], file=upload.filename,
                   size=len(upload.read()))
)";

TEST(WsgiApp, ServesAFlaskApp) {
    write_module("flask_app", kFlaskApp);
    auto app = load("flask_app:app");
    ASSERT_TRUE(app);

    RecordingStartResponse hello;
    RequestSpec get;
    get.target = "/hello/world";
    EXPECT_EQ(run(*app, get, hello).body, "Hello, world!");
    EXPECT_EQ(hello.status, "200 OK");
    EXPECT_EQ(hello.header("Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(hello.header("Content-Length"), "13");

    RecordingStartResponse missing;
    RequestSpec absent;
    absent.target = "/nowhere";
    run(*app, absent, missing);
    EXPECT_EQ(missing.status, "404 NOT FOUND");

    RecordingStartResponse echo;
    RequestSpec post;
    post.method = "POST";
    post.target = "/echo?x=1&y=two";
    post.body = R"({"n": [1, 2, 3]})";
    post.headers = {{"Host", "example.org:8443"},
                    {"User-Agent", "strata-test"},
                    {"Content-Type", "application/json"},
                    {"Content-Length", std::to_string(post.body.size())}};
    post.url_scheme = "https";
    post.script_name = "/api";
    post.target = "/api/echo?x=1&y=two";
    nlohmann::json reply = nlohmann::json::parse(run(*app, post, echo).body);
    EXPECT_EQ(echo.status, "200 OK");
    EXPECT_EQ(reply["got"], nlohmann::json::parse(R"({"n": [1, 2, 3]})"));
    EXPECT_EQ(reply["agent"], "strata-test");
    EXPECT_EQ(reply["args"], nlohmann::json::parse(R"({"x": "1", "y": "two"})"));
    EXPECT_EQ(reply["script_root"], "/api");
    EXPECT_EQ(reply["scheme"], "https");
    EXPECT_EQ(reply["host"], "example.org:8443");
}

TEST(WsgiApp, FlaskReadsAMultipartUploadFromASpooledBody) {
    write_module("flask_form_app", kFlaskApp);
    auto app = load("flask_form_app:app");
    ASSERT_TRUE(app);
    std::string file(100 * 1024, 'z');
    std::string body =
        "--XyZ\r\nContent-Disposition: form-data; name=\"name\"\r\n\r\nstrata\r\n"
        "--XyZ\r\nContent-Disposition: form-data; name=\"file\"; filename=\"big.bin\"\r\n"
        "Content-Type: application/octet-stream\r\n\r\n" +
        file + "\r\n--XyZ--\r\n";
    RequestSpec post;
    post.method = "POST";
    post.target = "/form";
    post.body = body;
    post.spool = true;
    post.headers = {{"Content-Type", "multipart/form-data; boundary=XyZ"},
                    {"Content-Length", std::to_string(body.size())}};
    RecordingStartResponse start;
    nlohmann::json reply = nlohmann::json::parse(run(*app, post, start).body);
    EXPECT_EQ(start.status, "200 OK");
    EXPECT_EQ(reply["name"], "strata");
    EXPECT_EQ(reply["file"], "big.bin");
    EXPECT_EQ(reply["size"], file.size());
}

}  // namespace
}  // namespace strata::python::testing
