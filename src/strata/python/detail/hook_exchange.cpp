#include "strata/python/detail/hook_exchange.h"

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>

#include "strata/python/py_ref.h"

namespace strata::python::detail {
namespace {

// What the response hooks read: what the app gave start_response, and the body so far.
struct ResponseRecord {
    std::optional<std::string> status;
    gateway::ResponseHeaders headers;
    uint64_t sent = 0;
    bool headers_sent = false;
};

// Passes start_response and write() on, noting what was accepted.
class RecordingStart final : public gateway::StartResponse {
  public:
    RecordingStart(gateway::StartResponse& inner, ResponseRecord& record)
        : inner_(inner), record_(record) {}

    std::string start(std::string_view status, gateway::ResponseHeaders headers,
                      bool replace) override {
        gateway::ResponseHeaders copy = headers;
        std::string error = inner_.start(status, std::move(headers), replace);
        if (error.empty()) {
            record_.status = std::string(status);
            record_.headers = std::move(copy);
        }
        return error;
    }
    bool write(std::string_view bytes) override {
        bool written = inner_.write(bytes);
        if (written) {
            record_.sent += bytes.size();
            record_.headers_sent = true;
        }
        return written;
    }
    std::string_view error() const override { return inner_.error(); }

  private:
    gateway::StartResponse& inner_;
    ResponseRecord& record_;
};

// One request's exchange; lives until its body is gone.
struct Exchange {
    explicit Exchange(gateway::StartResponse& inner) : start(inner, response) {}
    const gateway::Request* request = nullptr;  // only while the app call runs
    ResponseRecord response;
    RecordingStart start;
};

thread_local Exchange* t_current = nullptr;

// Makes `exchange` the thread's current one for a scope.
class CurrentExchange {
  public:
    explicit CurrentExchange(Exchange* exchange) : saved_(std::exchange(t_current, exchange)) {}
    ~CurrentExchange() { t_current = saved_; }
    CurrentExchange(const CurrentExchange&) = delete;
    CurrentExchange& operator=(const CurrentExchange&) = delete;

  private:
    Exchange* saved_;
};

class ObservedBody final : public gateway::Body {
  public:
    ObservedBody(std::unique_ptr<gateway::Body> inner, std::unique_ptr<Exchange> exchange)
        : exchange_(std::move(exchange)), inner_(std::move(inner)) {}
    ~ObservedBody() override {
        CurrentExchange current(exchange_.get());
        inner_.reset();  // a body dropped unclosed closes itself: post_request runs here
    }
    ObservedBody(const ObservedBody&) = delete;
    ObservedBody& operator=(const ObservedBody&) = delete;

    gateway::BodyPart next() override {
        gateway::BodyPart part = inner_->next();
        if (part.kind == gateway::BodyPart::Kind::bytes) count(part.bytes.size());
        if (part.kind == gateway::BodyPart::Kind::file) count(part.length);
        return part;
    }
    void close() override {
        CurrentExchange current(exchange_.get());
        inner_->close();
    }
    bool in_memory() const override { return inner_->in_memory(); }

  private:
    void count(uint64_t bytes) {
        exchange_->response.sent += bytes;
        exchange_->response.headers_sent = true;
    }

    std::unique_ptr<Exchange> exchange_;  // outlives inner_, which may still use its start
    std::unique_ptr<gateway::Body> inner_;
};

class ObservedApp final : public gateway::App {
  public:
    explicit ObservedApp(std::shared_ptr<gateway::App> inner) : inner_(std::move(inner)) {}

    std::unique_ptr<gateway::Body> call(const gateway::Request& request,
                                        gateway::StartResponse& start,
                                        std::string& error) override {
        auto exchange = std::make_unique<Exchange>(start);
        exchange->request = &request;
        std::unique_ptr<gateway::Body> body;
        {
            CurrentExchange current(exchange.get());
            body = inner_->call(request, exchange->start, error);
        }
        exchange->request = nullptr;
        if (!body) return nullptr;
        return std::make_unique<ObservedBody>(std::move(body), std::move(exchange));
    }
    void attach_thread() override { inner_->attach_thread(); }
    void detach_thread() override { inner_->detach_thread(); }
    void before_wait() override { inner_->before_wait(); }
    void after_wait() override { inner_->after_wait(); }

  private:
    std::shared_ptr<gateway::App> inner_;
};

PyObject* latin1(std::string_view text) {
    return PyUnicode_DecodeLatin1(text.data(), static_cast<Py_ssize_t>(text.size()), nullptr);
}

// [(name, value), ...] from anything with .name and .value string-likes.
template <class Headers>
PyRef header_list(const Headers& headers) {
    PyRef list(PyList_New(0));
    if (!list) return list;
    for (const auto& header : headers) {
        PyRef pair(Py_BuildValue("(NN)", latin1(header.name), latin1(header.value)));
        if (!pair || PyList_Append(list.get(), pair.get()) != 0) return PyRef();
    }
    return list;
}

PyRef peer_of(const gateway::Request& request) {
    if (request.unix_socket) return PyRef(PyUnicode_FromString(""));
    return PyRef(Py_BuildValue("(si)", request.remote_addr.c_str(), request.remote_port));
}

}  // namespace

std::shared_ptr<gateway::App> observe_exchanges(std::shared_ptr<gateway::App> app) {
    return std::make_shared<ObservedApp>(std::move(app));
}

PyObject* current_request_fields() {
    if (t_current == nullptr || t_current->request == nullptr) Py_RETURN_NONE;
    const gateway::Request& request = *t_current->request;
    PyRef headers = header_list(request.headers);
    PyRef peer = headers ? peer_of(request) : PyRef();
    if (!peer) return nullptr;
    return Py_BuildValue("(NNNNNOON)", latin1(request.method), latin1(request.target),
                         latin1(request.path), latin1(request.query), latin1(request.protocol),
                         headers.get(), peer.get(), latin1(request.url_scheme));
}

PyObject* current_response_fields() {
    if (t_current == nullptr) Py_RETURN_NONE;
    const ResponseRecord& response = t_current->response;
    PyRef status(response.status ? latin1(*response.status) : Py_NewRef(Py_None));
    PyRef headers = status ? header_list(response.headers) : PyRef();
    if (!headers) return nullptr;
    return Py_BuildValue("(OOKO)", status.get(), headers.get(),
                         static_cast<unsigned long long>(response.sent),
                         response.headers_sent ? Py_True : Py_False);
}

}  // namespace strata::python::detail
