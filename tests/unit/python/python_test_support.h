// What the bridge's tests share: the directory on sys.path where they write app modules,
// a request builder, a recording start_response, a driver that runs an app to the end of
// its body, and log capture. The interpreter itself is started once per test process by
// the environment in python_environment_test.cpp.
#pragma once

#include <Python.h>
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <cstdint>
#include <filesystem>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "strata/base/log.h"
#include "strata/gateway/app.h"
#include "strata/gateway/request.h"
#include "strata/gateway/response_start.h"
#include "strata/python/app_loader.h"
#include "strata/python/gil.h"
#include "strata/python/py_ref.h"
#include "strata/python/python_error.h"

namespace strata::python::testing {

namespace fs = std::filesystem;

// The directory the environment put first on sys.path (via --pythonpath).
inline const fs::path& module_dir() {
    static const fs::path dir =
        fs::temp_directory_path() / ("strata-python-tests-" + std::to_string(getpid()));
    return dir;
}

inline std::string read_file(const fs::path& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

inline void write_file(const fs::path& path, const std::string& text) {
    std::ofstream out(path, std::ios::binary | std::ios::trunc);
    out << text;
}

// Runs Python statements in __main__; the exception's text on failure, else "".
inline std::string py_exec(const std::string& code) {
    GilGuard gil;
    PyObject* globals = PyModule_GetDict(PyImport_AddModule("__main__"));
    PyRef result(PyRun_String(code.c_str(), Py_file_input, globals, globals));
    return result ? std::string() : take_exception_text();
}

// repr() of a Python expression's value, evaluated in __main__.
inline std::string py_eval(const std::string& expression) {
    GilGuard gil;
    PyObject* globals = PyModule_GetDict(PyImport_AddModule("__main__"));
    PyRef result(PyRun_String(expression.c_str(), Py_eval_input, globals, globals));
    if (!result) return "raised: " + take_exception_text();
    PyRef repr(PyObject_Repr(result.get()));
    return str_of(repr.get());
}

// Writes <module_dir>/<name>.py and makes the import system see it.
inline void write_module(const std::string& name, const std::string& source) {
    write_file(module_dir() / (name + ".py"), source);
    std::string error = py_exec("import importlib\nimportlib.invalidate_caches()\n");
    ASSERT_EQ(error, "");
}

// load_app that fails the test (and returns nullptr) on an error.
inline std::unique_ptr<gateway::App> load(const std::string& spec,
                                          const WsgiOptions& options = {}) {
    auto app = load_app(spec, options);
    if (!app) {
        ADD_FAILURE() << "load_app(\"" << spec << "\") failed:\n" << app.error();
        return nullptr;
    }
    return std::move(app).value();
}

struct RequestSpec {
    std::string method = "GET";
    std::string target = "/";
    std::string protocol = "HTTP/1.1";
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;
    bool spool = false;  // the body in an unlinked temporary file, as a large upload
    bool chunked = false;
    std::string remote_addr = "127.0.0.1";
    uint16_t remote_port = 51234;
    bool unix_socket = false;
    std::string server_name = "localhost";
    std::string server_port = "8000";
    std::string url_scheme = "http";
    std::string script_name;
};

// Fills `out` as gateway::build_request would: views into head_bytes.
inline void fill_request(const RequestSpec& spec, gateway::Request& out) {
    std::string& head = out.head_bytes;
    head = spec.method + " " + spec.target + " " + spec.protocol + "\r\n";
    std::vector<std::pair<size_t, size_t>> at;  // offsets of each name and value
    for (const auto& [name, value] : spec.headers) {
        at.emplace_back(head.size(), head.size() + name.size() + 2);
        head += name + ": " + value + "\r\n";
    }
    out.method = std::string_view(head).substr(0, spec.method.size());
    out.target = std::string_view(head).substr(spec.method.size() + 1, spec.target.size());
    out.protocol = spec.protocol;
    size_t question = out.target.find('?');
    out.path = out.target.substr(0, question);
    out.query =
        question == std::string_view::npos ? std::string_view() : out.target.substr(question + 1);
    for (size_t i = 0; i < spec.headers.size(); ++i)
        out.headers.push_back(
            {std::string_view(head).substr(at[i].first, spec.headers[i].first.size()),
             std::string_view(head).substr(at[i].second, spec.headers[i].second.size())});
    out.body_chunked = spec.chunked;
    if (spec.spool) {
        char name[] = "/tmp/strata-python-body-XXXXXX";
        int fd = ::mkstemp(name);
        ::unlink(name);
        EXPECT_EQ(::write(fd, spec.body.data(), spec.body.size()),
                  static_cast<ssize_t>(spec.body.size()));
        out.body = gateway::RequestBody::in_file(fd, spec.body.size());
    } else if (!spec.body.empty()) {
        out.body = gateway::RequestBody::in_memory(spec.body);
    }
    out.remote_addr = spec.unix_socket ? "" : spec.remote_addr;
    out.remote_port = spec.unix_socket ? 0 : spec.remote_port;
    out.unix_socket = spec.unix_socket;
    out.server_name = spec.server_name;
    out.server_port = spec.server_port;
    out.url_scheme = spec.url_scheme;
    out.script_name = spec.script_name;
}

// A start_response that records what it is given, checks it as the server does, and can
// play a client that already has the headers, or one that is gone.
class RecordingStartResponse final : public gateway::StartResponse {
  public:
    std::string start(std::string_view new_status, gateway::ResponseHeaders new_headers,
                      bool replace) override {
        ++starts;
        auto checked = gateway::check_response_start(new_status, new_headers);
        if (!checked) return checked.error();
        if (started && !replace) return "start_response() was already called";
        if (replace && headers_sent) return "the response headers were already sent";
        started = true;
        status = std::string(new_status);
        headers = std::move(new_headers);
        return {};
    }
    bool write(std::string_view bytes) override {
        gil_held_in_write = PyGILState_Check() != 0;
        if (slow_client_of != nullptr) {
            // The server's wait for a slow client (AppHandler::wait_for_window).
            slow_client_of->before_wait();
            slow_client_of->after_wait();
        }
        if (!started) {
            error_ = "write() before start_response()";
            return false;
        }
        if (client_gone) {
            error_ = "the client closed the connection";
            return false;
        }
        headers_sent = true;
        written.append(bytes);
        return true;
    }
    std::string_view error() const override { return error_; }

    std::string header(std::string_view name) const {
        for (const auto& h : headers)
            if (h.name == name) return h.value;
        return "<none>";
    }

    int starts = 0;
    bool started = false;
    std::string status;
    gateway::ResponseHeaders headers;
    std::string written;
    bool headers_sent = false;  // set by a write(), or by a test
    bool client_gone = false;
    bool gil_held_in_write = true;
    // When set, every write() waits as the server does for a slow client.
    gateway::App* slow_client_of = nullptr;

  private:
    std::string error_;
};

struct FilePart {
    off_t offset = 0;
    uint64_t length = 0;
    std::string bytes;  // what the descriptor holds there
};

// What running an app to the end of its body gave.
struct Outcome {
    bool returned = false;  // call() gave a body
    std::string error;      // call()'s error when it did not
    std::string body;       // the bytes parts, joined
    std::vector<std::string> chunks;
    std::vector<FilePart> files;
    std::string failure;  // a failure part's message
};

inline Outcome run(gateway::App& app, const gateway::Request& request,
                   RecordingStartResponse& start) {
    Outcome out;
    std::unique_ptr<gateway::Body> body = app.call(request, start, out.error);
    if (!body) return out;
    out.returned = true;
    for (int parts = 0; parts < 100000; ++parts) {
        gateway::BodyPart part = body->next();
        if (part.kind == gateway::BodyPart::Kind::end) break;
        if (part.kind == gateway::BodyPart::Kind::error) {
            out.failure = part.message;
            break;
        }
        if (part.kind == gateway::BodyPart::Kind::bytes) {
            out.chunks.emplace_back(part.bytes);
            out.body.append(part.bytes);
            continue;
        }
        FilePart file{part.offset, part.length, std::string(part.length, '\0')};
        ssize_t got = ::pread(part.fd, file.bytes.data(), part.length, part.offset);
        file.bytes.resize(got > 0 ? static_cast<size_t>(got) : 0);
        ::close(part.fd);
        out.files.push_back(std::move(file));
    }
    body->close();
    return out;
}

// Convenience: a request from `spec` through `app`.
inline Outcome run(gateway::App& app, const RequestSpec& spec, RecordingStartResponse& start) {
    gateway::Request request;
    fill_request(spec, request);
    return run(app, request, start);
}

inline Outcome run(gateway::App& app, const RequestSpec& spec) {
    RecordingStartResponse start;
    return run(app, spec, start);
}

// The error log, sent to a file for the scope.
class LogCapture {
  public:
    LogCapture() : path_(module_dir() / ("log-" + std::to_string(counter()++) + ".txt")) {
        EXPECT_EQ(log::open_file(path_.string()), 0);
    }
    ~LogCapture() {
        log::set_fd(2);
        fs::remove(path_);
    }
    LogCapture(const LogCapture&) = delete;
    LogCapture& operator=(const LogCapture&) = delete;
    std::string text() const { return read_file(path_); }

  private:
    static int& counter() {
        static int n = 0;
        return n;
    }
    fs::path path_;
};

}  // namespace strata::python::testing
