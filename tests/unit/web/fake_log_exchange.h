// An Exchange for the access-log tests: a parsed request from a given peer, and the
// last response recorded instead of written.
#pragma once

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <unistd.h>

#include <cstring>
#include <string>

#include "strata/http/request_parser.h"
#include "strata/net/http_exchange.h"

namespace strata::web {

class FakeLogExchange final : public net::Exchange {
  public:
    explicit FakeLogExchange(std::string wire, const char* ip = "192.0.2.7")
        : wire_(std::move(wire)) {
        http::RequestParser parser(http::ParserOptions{.require_host = false});
        EXPECT_EQ(parser.parse(wire_).status, http::ParseStatus::complete);
        head_ = parser.head();
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(40000);
        inet_pton(AF_INET, ip, &in.sin_addr);
        std::memcpy(&peer_.storage, &in, sizeof in);
        peer_.length = sizeof in;
    }
    const http::RequestHead& request() const override { return head_; }
    std::string_view body() const override { return {}; }
    const net::PeerAddress& peer() const override { return peer_; }
    std::string local_address() const override { return "127.0.0.1"; }
    const net::ListenerInfo& listener() const override { return listener_; }

    void respond(const net::ResponseHead& head, std::string_view) override { status = head.status; }
    void respond_file(const net::ResponseHead& head, int fd, off_t, uint64_t) override {
        status = head.status;
        ::close(fd);
    }
    void respond_error(int code) override { status = code; }
    void close_without_response() override { closed = true; }

    int status = 0;
    bool closed = false;

  private:
    std::string wire_;
    http::RequestHead head_;
    net::PeerAddress peer_;
    net::ListenerInfo listener_{0, 8080};
};

}  // namespace strata::web
