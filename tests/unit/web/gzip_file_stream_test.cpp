#include "strata/web/gzip_file_stream.h"

#include <gtest/gtest.h>
#include <unistd.h>
#include <zlib.h>

#include <cstdlib>
#include <string>

#include "recording_exchange.h"

namespace strata::web {
namespace {

// An exchange whose output drains only when the test says so, like a slow client.
class SlowClientExchange final : public ParsedRequestExchange {
  public:
    SlowClientExchange() : ParsedRequestExchange("GET /f HTTP/1.1\r\nHost: t\r\n\r\n") {}
    void respond(const net::ResponseHead&, std::string_view) override { ADD_FAILURE(); }
    void respond_file(const net::ResponseHead&, int fd, off_t, uint64_t) override {
        ::close(fd);
        ADD_FAILURE();
    }
    void respond_error(int status) override { error = status; }
    void close_without_response() override { ADD_FAILURE(); }
    void begin_response(const net::ResponseHead& head, int64_t length) override {
        began = true;
        content_length = length;
        for (const http::Header& h : head.headers)
            if (h.name == "Content-Encoding") encoding = std::string(h.value);
    }
    void send_body(std::string_view bytes) override {
        EXPECT_FALSE(ended);
        sent += bytes;
        unsent += bytes.size();
    }
    void send_body_file(int fd, off_t, uint64_t) override {
        ::close(fd);
        ADD_FAILURE();
    }
    void end_response(bool whole) override {
        ended = true;
        complete = whole;
        observer = nullptr;
    }
    uint64_t unsent_bytes() const override { return unsent; }
    void set_observer(net::ExchangeObserver* o) override { observer = o; }

    // The client reads everything queued.
    void drain() {
        unsent = 0;
        if (observer) observer->on_output_sent();
    }

    net::ExchangeObserver* observer = nullptr;
    std::string sent, encoding;
    uint64_t unsent = 0;
    int64_t content_length = 0;
    int error = 0;
    bool began = false, ended = false, complete = false;
};

std::string gunzip(const std::string& packed) {
    z_stream z{};
    EXPECT_EQ(inflateInit2(&z, 16 + MAX_WBITS), Z_OK);
    z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(packed.data()));
    z.avail_in = static_cast<uInt>(packed.size());
    std::string out;
    char buf[65536];
    int rc;
    do {
        z.next_out = reinterpret_cast<Bytef*>(buf);
        z.avail_out = sizeof buf;
        rc = inflate(&z, Z_NO_FLUSH);
        out.append(buf, sizeof buf - z.avail_out);
    } while (rc == Z_OK);
    EXPECT_EQ(rc, Z_STREAM_END);
    inflateEnd(&z);
    return out;
}

// Random bytes: they do not compress, so what is sent tracks what was read.
std::string random_bytes(size_t size) {
    std::string s(size, '\0');
    unsigned seed = 12345;
    for (char& c : s)
        c = static_cast<char>(rand_r(&seed));
    return s;
}

int file_with(const std::string& content) {
    char name[] = "/tmp/strata-gzip-stream-XXXXXX";
    int fd = mkstemp(name);
    unlink(name);
    EXPECT_EQ(pwrite(fd, content.data(), content.size(), 0), static_cast<ssize_t>(content.size()));
    return fd;
}

class GzipFileStreamTest : public testing::Test {
  protected:
    void start(const std::string& content) {
        net::ResponseHead head;
        head.headers.push_back({"Content-Encoding", "gzip"});
        head.chunked = true;
        stream_gzipped_file(ctx_, head, FileBody(file_with(content), nullptr), content.size(),
                            GzipParams{});
    }

    SlowClientExchange exchange_;
    MainConfig main_;
    FileCache files_;
    RequestContext ctx_{exchange_, main_, files_};
};

TEST_F(GzipFileStreamTest, CompressesOnlyAsTheClientReads) {
    std::string content = random_bytes(4 * 1024 * 1024 + 3);
    start(content);
    ASSERT_TRUE(exchange_.began);
    EXPECT_EQ(exchange_.content_length, -1);  // chunked: the length is not known
    EXPECT_EQ(exchange_.encoding, "gzip");
    EXPECT_FALSE(exchange_.ended);
    // Stopped near the window, far from the 4 MiB a whole-file read would queue.
    EXPECT_LT(exchange_.unsent, 256u * 1024);
    int rounds = 0;
    while (!exchange_.ended && rounds++ < 10000) {
        EXPECT_LT(exchange_.unsent, 256u * 1024);
        exchange_.drain();
    }
    ASSERT_TRUE(exchange_.ended);
    EXPECT_TRUE(exchange_.complete);
    EXPECT_GT(rounds, 16);
    EXPECT_EQ(gunzip(exchange_.sent), content);
}

TEST_F(GzipFileStreamTest, AFastClientGetsItAllAtOnce) {
    std::string content(300 * 1024, 'z');  // compresses to little: never near the window
    start(content);
    ASSERT_TRUE(exchange_.ended);
    EXPECT_TRUE(exchange_.complete);
    EXPECT_EQ(gunzip(exchange_.sent), content);
}

TEST_F(GzipFileStreamTest, ClientGoneEndsTheResponseIncomplete) {
    start(random_bytes(2 * 1024 * 1024));
    ASSERT_FALSE(exchange_.ended);
    size_t sent = exchange_.sent.size();
    exchange_.observer->on_client_gone();
    EXPECT_TRUE(exchange_.ended);
    EXPECT_FALSE(exchange_.complete);
    EXPECT_EQ(exchange_.sent.size(), sent);
}

}  // namespace
}  // namespace strata::web
