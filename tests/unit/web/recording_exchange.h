// An Exchange for web/ tests: a parsed request from a given peer, and the response it
// gets recorded instead of written (status, head fields, headers, body bytes).
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <string>

#include "strata/http/request_parser.h"
#include "strata/net/http_exchange.h"

namespace strata::web {

// The request side of a test Exchange: a parsed request (no body) from a given peer.
class ParsedRequestExchange : public net::Exchange {
  public:
    explicit ParsedRequestExchange(std::string wire, const char* peer_ip = "192.0.2.7")
        : wire_(std::move(wire)) {
        http::RequestParser parser(http::ParserOptions{.require_host = false});
        EXPECT_EQ(parser.parse(wire_).status, http::ParseStatus::complete) << wire_;
        head_ = parser.head();
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(40000);
        inet_pton(AF_INET, peer_ip, &in.sin_addr);
        std::memcpy(&peer_.storage, &in, sizeof in);
        peer_.length = sizeof in;
    }
    const http::RequestHead& request() const override { return head_; }
    std::string_view body() const override { return {}; }
    uint64_t body_size() const override { return 0; }
    int take_body_file() override { return -1; }
    const net::PeerAddress& peer() const override { return peer_; }
    const net::ListenerInfo& listener() const override { return listener_; }
    std::string local_address() const override { return "127.0.0.1"; }
    const net::TlsInfo* tls() const override { return tls_; }
    void set_tls(const net::TlsInfo* tls) { tls_ = tls; }

    net::ListenerInfo listener_{0, 8080};  // tests set the listen port

  protected:
    ~ParsedRequestExchange() = default;  // used through its final subclasses only

    std::string wire_;
    http::RequestHead head_;
    net::PeerAddress peer_;
    const net::TlsInfo* tls_ = nullptr;
};

class RecordingExchange final : public ParsedRequestExchange {
  public:
    using ParsedRequestExchange::ParsedRequestExchange;

    void respond(const net::ResponseHead& head, std::string_view body) override {
        record(head);
        body_ = body;
    }
    void respond_file(const net::ResponseHead& head, int fd, off_t offset,
                      uint64_t length) override {
        record(head);
        // What the file holds there; tests that compare bodies catch a short read.
        body_.resize(length);
        ssize_t n = pread(fd, body_.data(), length, offset);
        body_.resize(n > 0 ? static_cast<size_t>(n) : 0);
        ::close(fd);
    }
    void respond_error(int code) override {
        net::ResponseHead head;
        head.status = code;
        record(head);
        body_ = "built-in error";
    }
    void close_without_response() override {
        ++responses;
        closed_silently = true;
    }
    void begin_response(const net::ResponseHead& head, int64_t) override {
        record(head);
        body_.clear();
    }
    void send_body(std::string_view bytes) override { body_ += bytes; }
    void send_body_file(int fd, off_t offset, uint64_t length) override {
        std::string part(length, '\0');
        ssize_t n = pread(fd, part.data(), length, offset);
        body_ += part.substr(0, n > 0 ? static_cast<size_t>(n) : 0);
        ::close(fd);
    }
    void end_response(bool) override {}
    uint64_t unsent_bytes() const override { return 0; }
    void set_observer(net::ExchangeObserver*) override {}

    int status = 0;
    int responses = 0;
    bool closed_silently = false;
    bool close = false;  // the last response ends the connection
    std::string content_type, location, body_;
    std::map<std::string, std::string> headers;

  private:
    void record(const net::ResponseHead& head) {
        ++responses;
        status = head.status;
        close = head.close;
        content_type = head.content_type;
        location = head.location;
        for (const http::Header& h : head.headers)
            headers[std::string(h.name)] = h.value;
    }
};

}  // namespace strata::web
