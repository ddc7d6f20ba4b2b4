// Where the upstream's body goes while the client is slow: the client's output up to the
// memory limit, then the temporary file up to its limit, handed on in order as the
// client drains; without a file the relay stops asking for more.
#include "strata/web/proxy_body_relay.h"

#include <unistd.h>

#include <gtest/gtest.h>

#include "recording_exchange.h"

namespace strata::web {
namespace {

// A client that takes nothing until drain(): what was sent counts as unsent until then.
class SlowClient final : public ParsedRequestExchange {
  public:
    SlowClient() : ParsedRequestExchange("GET / HTTP/1.1\r\nHost: a\r\n\r\n") {}

    void respond(const net::ResponseHead&, std::string_view) override {}
    void respond_file(const net::ResponseHead&, int fd, off_t, uint64_t) override { ::close(fd); }
    void respond_error(int) override {}
    void close_without_response() override {}
    void begin_response(const net::ResponseHead&, int64_t) override {}
    void send_body(std::string_view bytes) override {
        received += bytes;
        unsent += bytes.size();
        ++memory_parts;
    }
    void send_body_file(int fd, off_t offset, uint64_t length) override {
        std::string part(length, '\0');
        EXPECT_EQ(::pread(fd, part.data(), length, offset), static_cast<ssize_t>(length));
        ::close(fd);
        received += part;
        unsent += length;
        ++file_parts;
    }
    void end_response(bool) override {}
    uint64_t unsent_bytes() const override { return unsent; }
    void set_observer(net::ExchangeObserver*) override {}

    void drain() { unsent = 0; }

    std::string received;
    uint64_t unsent = 0;
    int memory_parts = 0, file_parts = 0;
};

std::string piece(char c) {
    return std::string(1000, c);
}

TEST(ProxyBodyRelay, StraightThroughWhileTheClientKeepsUp) {
    SlowClient client;
    ProxyBodyRelay relay(client, {4000, 1 << 20, "/tmp"});
    for (char c : std::string("abc")) {
        ASSERT_TRUE(relay.wants_more());
        ASSERT_TRUE(relay.feed(piece(c)));
        client.drain();
    }
    EXPECT_EQ(client.received, piece('a') + piece('b') + piece('c'));
    EXPECT_EQ(relay.spilled(), 0u);
    EXPECT_EQ(relay.received(), 3000u);
}

TEST(ProxyBodyRelay, SpillsToTheFileAndHandsOnInOrder) {
    SlowClient client;
    ProxyBodyRelay relay(client, {2500, 1 << 20, "/tmp"});
    std::string sent;
    for (char c : std::string("abcdefgh")) {
        ASSERT_TRUE(relay.wants_more());  // the file has room: the upstream is read on
        ASSERT_TRUE(relay.feed(piece(c)));
        sent += piece(c);
    }
    EXPECT_EQ(client.memory_parts, 2);  // 2000 bytes fit in memory; the rest went to the file
    EXPECT_EQ(relay.spilled(), 6000u);
    EXPECT_LT(client.received.size(), sent.size());
    client.drain();
    relay.on_output_sent();  // the client caught up: the rest of the file goes on at once
    EXPECT_EQ(client.received, sent);
    EXPECT_LE(client.file_parts, 2);  // ranges of the file, not a piece per read
}

TEST(ProxyBodyRelay, AfterSpillingNothingOvertakesTheFile) {
    SlowClient client;
    ProxyBodyRelay relay(client, {1500, 1 << 20, "/tmp"});
    ASSERT_TRUE(relay.feed(piece('a')));
    ASSERT_TRUE(relay.feed(piece('b')));  // over the memory limit: to the file
    client.drain();                       // room again, but 'b' waits in the file
    ASSERT_TRUE(relay.feed(piece('c')));  // so 'c' follows it there
    relay.hand_over_all();
    EXPECT_EQ(client.received, piece('a') + piece('b') + piece('c'));
}

TEST(ProxyBodyRelay, WithoutAFileTheClientSetsThePace) {
    SlowClient client;
    ProxyBodyRelay relay(client, {2000, 0, "/tmp"});
    ASSERT_TRUE(relay.feed(piece('a')));
    ASSERT_TRUE(relay.feed(piece('b')));
    EXPECT_FALSE(relay.wants_more());
    client.drain();
    EXPECT_TRUE(relay.wants_more());
    EXPECT_EQ(relay.spilled(), 0u);
}

TEST(ProxyBodyRelay, AFullFileStopsTheUpstream) {
    SlowClient client;
    ProxyBodyRelay relay(client, {1000, 2000, "/tmp"});
    ASSERT_TRUE(relay.feed(piece('a')));
    ASSERT_TRUE(relay.feed(piece('b')));
    ASSERT_TRUE(relay.feed(piece('c')));
    EXPECT_FALSE(relay.wants_more());
    client.drain();
    relay.on_output_sent();
    EXPECT_FALSE(relay.wants_more());  // the file is handed on but spent
    EXPECT_EQ(client.received, piece('a') + piece('b') + piece('c'));
}

TEST(ProxyBodyRelay, UnwritableDirectoryFails) {
    SlowClient client;
    ProxyBodyRelay relay(client, {10, 1 << 20, "/nonexistent/dir"});
    EXPECT_FALSE(relay.feed(piece('a')));
}

}  // namespace
}  // namespace strata::web
