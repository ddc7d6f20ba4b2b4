#include "strata/gateway/request_builder.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <sys/un.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <cstring>
#include <string>
#include <string_view>

#include "strata/http/request_parser.h"

namespace strata::gateway {
namespace {

// An Exchange over a parsed request from a given peer; only the request side is used
// (build_request never answers).
class FakeExchange final : public net::Exchange {
  public:
    explicit FakeExchange(std::string wire) : wire_(std::move(wire)) {
        http::RequestParser parser(http::ParserOptions{.require_host = false});
        http::ParseResult r = parser.parse(wire_);
        EXPECT_EQ(r.status, http::ParseStatus::complete) << wire_;
        head_ = parser.head();
        body_ = std::string_view(wire_).substr(r.consumed);
        body_size_ = body_.size();
        from_ipv4("192.0.2.7", 40000);
    }
    ~FakeExchange() {
        if (spool_ >= 0) ::close(spool_);
    }

    void from_ipv4(const char* ip, uint16_t port) {
        sockaddr_in in{};
        in.sin_family = AF_INET;
        in.sin_port = htons(port);
        ASSERT_EQ(inet_pton(AF_INET, ip, &in.sin_addr), 1);
        set_peer(&in, sizeof in);
    }
    void from_ipv6(const char* ip, uint16_t port) {
        sockaddr_in6 in{};
        in.sin6_family = AF_INET6;
        in.sin6_port = htons(port);
        ASSERT_EQ(inet_pton(AF_INET6, ip, &in.sin6_addr), 1);
        set_peer(&in, sizeof in);
    }
    void from_unix() {
        sockaddr_un un{};
        un.sun_family = AF_UNIX;
        set_peer(&un, sizeof(sa_family_t));  // an unnamed client socket
    }
    // The body moves to a spool file, as the connection does past its memory limit.
    void spool_body() {
        FILE* tmp = ::tmpfile();
        ASSERT_NE(tmp, nullptr);
        spool_ = ::dup(::fileno(tmp));
        ::fclose(tmp);
        ASSERT_EQ(::write(spool_, body_.data(), body_.size()), static_cast<ssize_t>(body_.size()));
        body_ = {};
    }
    // Overwrites every byte the parsed head pointed into.
    void scribble() { wire_.assign(wire_.size(), '#'); }
    // For heads laid out otherwise than a parsed one (HTTP/2's): views into wire().
    std::string& wire() { return wire_; }
    http::RequestHead& head() { return head_; }

    const http::RequestHead& request() const override { return head_; }
    std::string_view body() const override { return body_; }
    uint64_t body_size() const override { return body_size_; }
    int take_body_file() override {
        ++took_file;
        int fd = spool_;
        spool_ = -1;
        return fd;
    }
    const net::PeerAddress& peer() const override { return peer_; }
    const net::ListenerInfo& listener() const override { return listener_; }
    std::string local_address() const override { return local_; }
    const net::TlsInfo* tls() const override { return nullptr; }

    void respond(const net::ResponseHead&, std::string_view) override { unexpected(); }
    void respond_file(const net::ResponseHead&, int, off_t, uint64_t) override { unexpected(); }
    void respond_error(int) override { unexpected(); }
    void close_without_response() override { unexpected(); }
    void begin_response(const net::ResponseHead&, int64_t) override { unexpected(); }
    void send_body(std::string_view) override { unexpected(); }
    void send_body_file(int, off_t, uint64_t) override { unexpected(); }
    void end_response(bool) override { unexpected(); }
    uint64_t unsent_bytes() const override { return 0; }
    void set_observer(net::ExchangeObserver*) override { unexpected(); }

    net::ListenerInfo listener_{0, 8080};
    std::string local_ = "10.0.0.1";
    int took_file = 0;

  private:
    static void unexpected() { ADD_FAILURE() << "build_request answered the exchange"; }
    void set_peer(const void* address, socklen_t length) {
        peer_ = {};
        std::memcpy(&peer_.storage, address, length);
        peer_.length = length;
    }

    std::string wire_;
    http::RequestHead head_;
    std::string_view body_;
    uint64_t body_size_ = 0;
    int spool_ = -1;
    net::PeerAddress peer_;
};

std::string get(std::string_view target, std::string_view headers = "Host: example.com\r\n") {
    return "GET " + std::string(target) + " HTTP/1.1\r\n" + std::string(headers) + "\r\n";
}

RequestSettings defaults() {
    return RequestSettings{};
}

// --- the head ---

TEST(BuildRequest, CopiesTheHeadSoTheConnectionBufferMayChange) {
    FakeExchange ex(
        "POST /a/b%20c?x=1&y=2 HTTP/1.1\r\nHost: example.com\r\nX-One: 1\r\n"
        "x-empty:\r\nX-One: again\r\nContent-Length: 3\r\n\r\nabc");
    Request r;
    build_request(ex, defaults(), r);
    ex.scribble();  // the connection reuses its buffer for the next request
    EXPECT_EQ(r.method, "POST");
    EXPECT_EQ(r.target, "/a/b%20c?x=1&y=2");
    EXPECT_EQ(r.path, "/a/b%20c");
    EXPECT_EQ(r.query, "x=1&y=2");
    EXPECT_EQ(r.protocol, "HTTP/1.1");
    ASSERT_EQ(r.headers.size(), 5u);
    EXPECT_EQ(r.headers[0].name, "Host");
    EXPECT_EQ(r.headers[0].value, "example.com");
    EXPECT_EQ(r.headers[1].name, "X-One");
    EXPECT_EQ(r.headers[2].name, "x-empty");
    EXPECT_EQ(r.headers[2].value, "");
    EXPECT_EQ(r.headers[3].value, "again");
    EXPECT_EQ(r.headers[4].value, "3");
    EXPECT_EQ(r.find("x-one"), "1");  // the first of repeats
    EXPECT_EQ(r.find("X-Missing"), "");
    EXPECT_EQ(r.body.size(), 3u);
    EXPECT_FALSE(r.body_chunked);
    // Every view points into the request's own copy.
    const char* lo = r.head_bytes.data();
    const char* hi = lo + r.head_bytes.size();
    auto inside = [&](std::string_view v) {
        return v.empty() || (v.data() >= lo && v.data() + v.size() <= hi);
    };
    EXPECT_TRUE(inside(r.method) && inside(r.target) && inside(r.path) && inside(r.query));
    for (const http::Header& h : r.headers)
        EXPECT_TRUE(inside(h.name) && inside(h.value)) << h.name;
}

// An HTTP/2 head has its views in one buffer but not in request-line order: here the
// target before the method, and the Host name (made from :authority) after every value.
TEST(BuildRequest, CopiesAHeadWhoseViewsComeInAnyOrder) {
    FakeExchange ex(get("/"));
    ex.wire() = "localhost:8443/pathGETx-afirsthost";
    std::string_view text(ex.wire());
    http::RequestHead& head = ex.head();
    head.method = text.substr(19, 3);
    head.target = text.substr(14, 5);
    head.headers = {{text.substr(22, 3), text.substr(25, 5)},
                    {text.substr(30, 4), text.substr(0, 14)}};
    head.host = text.substr(0, 14);
    Request r;
    build_request(ex, defaults(), r);
    ex.scribble();
    EXPECT_EQ(r.method, "GET");
    EXPECT_EQ(r.target, "/path");
    ASSERT_EQ(r.headers.size(), 2u);
    EXPECT_EQ(r.headers[0].name, "x-a");
    EXPECT_EQ(r.headers[0].value, "first");
    EXPECT_EQ(r.headers[1].name, "host");
    EXPECT_EQ(r.headers[1].value, "localhost:8443");
}

TEST(BuildRequest, ProtocolFollowsTheRequestLine) {
    struct Case {
        std::string wire;
        std::string_view protocol;
    };
    const Case cases[] = {
        {get("/"), "HTTP/1.1"},
        {"GET / HTTP/1.0\r\n\r\n", "HTTP/1.0"},
        {"GET /\r\n", "HTTP/0.9"},
    };
    for (const Case& c : cases) {
        FakeExchange ex(c.wire);
        Request r;
        build_request(ex, defaults(), r);
        EXPECT_EQ(r.protocol, c.protocol) << c.wire;
    }
}

// --- path and query ---

TEST(SplitTarget, PathAndQuery) {
    struct Case {
        std::string_view target, path, query;
    };
    const Case cases[] = {
        {"/", "/", ""},
        {"/a/b", "/a/b", ""},
        {"/a?", "/a", ""},
        {"/a?b", "/a", "b"},
        {"/a?b?c=d", "/a", "b?c=d"},  // only the first '?' splits
        {"/%3F?q=%3F", "/%3F", "q=%3F"},
        {"/a/http://x/y", "/a/http://x/y", ""},  // "://" in an origin-form path
        {"http://example.com/p?q=1", "/p", "q=1"},
        {"http://example.com:8080/p/q", "/p/q", ""},
        {"https://user@example.com/x?y", "/x", "y"},
        {"http://example.com", "/", ""},
        {"http://example.com?q=1", "/", "q=1"},
        {"*", "*", ""},
    };
    for (const Case& c : cases) {
        auto [path, query] = split_target(c.target);
        EXPECT_EQ(path, c.path) << c.target;
        EXPECT_EQ(query, c.query) << c.target;
    }
}

TEST(BuildRequest, AbsoluteFormTargetKeepsItsTargetAndLosesTheAuthorityFromThePath) {
    FakeExchange ex(get("http://other.example:81/p?q", "Host: other.example:81\r\n"));
    Request r;
    build_request(ex, defaults(), r);
    ex.scribble();
    EXPECT_EQ(r.target, "http://other.example:81/p?q");
    EXPECT_EQ(r.path, "/p");
    EXPECT_EQ(r.query, "q");
    EXPECT_EQ(r.server_name, "other.example");
    EXPECT_EQ(r.server_port, "81");
}

// --- server name and port ---

TEST(BuildRequest, ServerNameAndPortComeFromHost) {
    struct Case {
        std::string_view host, name, port;
    };
    const Case cases[] = {
        {"example.com", "example.com", "80"},
        {"example.com:81", "example.com", "81"},
        {"EXAMPLE.com:8000", "EXAMPLE.com", "8000"},
        {"127.0.0.1:9000", "127.0.0.1", "9000"},
        {"[::1]:8080", "[::1]", "8080"},
        {"[::1]", "[::1]", "80"},
        {"[2001:db8::1]", "[2001:db8::1]", "80"},
        {"example.com:", "example.com", "80"},  // an empty port is the default one
    };
    for (const Case& c : cases) {
        FakeExchange ex(get("/", "Host: " + std::string(c.host) + "\r\n"));
        Request r;
        build_request(ex, defaults(), r);
        EXPECT_EQ(r.server_name, c.name) << c.host;
        EXPECT_EQ(r.server_port, c.port) << c.host;
    }
}

TEST(BuildRequest, HttpsDefaultPortIs443) {
    FakeExchange ex(get("/", "Host: secure.example\r\nX-Forwarded-Proto: https\r\n"));
    ex.from_ipv4("127.0.0.1", 5000);
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_EQ(r.url_scheme, "https");
    EXPECT_EQ(r.server_name, "secure.example");
    EXPECT_EQ(r.server_port, "443");
}

TEST(BuildRequest, WithoutHostTheAddressTheClientConnectedToIsUsed) {
    FakeExchange ex("GET /old HTTP/1.0\r\n\r\n");
    ex.local_ = "10.1.2.3";
    ex.listener_.port = 8123;
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_EQ(r.server_name, "10.1.2.3");
    EXPECT_EQ(r.server_port, "8123");
    EXPECT_EQ(r.protocol, "HTTP/1.0");
    EXPECT_TRUE(r.headers.empty());
}

TEST(BuildRequest, EmptyHostCountsAsNoHost) {
    FakeExchange ex("GET / HTTP/1.0\r\nHost:\r\n\r\n");
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_EQ(r.server_name, "10.0.0.1");
    EXPECT_EQ(r.server_port, "8080");
}

// gunicorn: on TCP the listener's own address, whatever Host says.
TEST(BuildRequest, ServerNameAndPortAreTheTcpListenersOwn) {
    FakeExchange ex(get("/", "Host: example.com:81\r\n"));
    ex.listener_.tag = 1;
    RequestSettings settings = defaults();
    settings.listeners = {{"/run/a.sock", "", true}, {"0.0.0.0", "8000", false}};
    Request r;
    build_request(ex, settings, r);
    EXPECT_EQ(r.server_name, "0.0.0.0");
    EXPECT_EQ(r.server_port, "8000");
}

// gunicorn: on a unix socket from Host, else the socket's path and no port.
TEST(BuildRequest, UnixListenerNamesComeFromHostOrThePath) {
    RequestSettings settings = defaults();
    settings.listeners = {{"/run/a.sock", "", true}};
    FakeExchange with_host(get("/", "Host: app.local\r\n"));
    with_host.from_unix();
    Request r1;
    build_request(with_host, settings, r1);
    EXPECT_EQ(r1.server_name, "app.local");
    EXPECT_EQ(r1.server_port, "80");

    FakeExchange bare("GET / HTTP/1.0\r\n\r\n");
    bare.from_unix();
    Request r2;
    build_request(bare, settings, r2);
    EXPECT_EQ(r2.server_name, "/run/a.sock");
    EXPECT_EQ(r2.server_port, "");
}

TEST(ListenerName, ReadsTheBoundAddress) {
    auto fd = net::open_listener(net::parse_listen_address("127.0.0.1:0").value(), {});
    ASSERT_TRUE(fd.ok());
    ListenerName name = listener_name(*fd);
    EXPECT_EQ(name.name, "127.0.0.1");
    EXPECT_EQ(name.port, std::to_string(net::bound_port(*fd)));
    EXPECT_FALSE(name.unix_socket);
    ::close(*fd);
}

// --- peers ---

TEST(BuildRequest, RemoteAddressAndPort) {
    FakeExchange v4(get("/"));
    v4.from_ipv4("198.51.100.9", 51234);
    Request r4;
    build_request(v4, defaults(), r4);
    EXPECT_EQ(r4.remote_addr, "198.51.100.9");
    EXPECT_EQ(r4.remote_port, 51234);
    EXPECT_FALSE(r4.unix_socket);

    FakeExchange v6(get("/"));
    v6.from_ipv6("2001:db8::7", 443);
    Request r6;
    build_request(v6, defaults(), r6);
    EXPECT_EQ(r6.remote_addr, "2001:db8::7");
    EXPECT_EQ(r6.remote_port, 443);
}

TEST(BuildRequest, UnixSocketPeerHasNoAddress) {
    FakeExchange ex(get("/", "Host: app.local\r\n"));
    ex.from_unix();
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_TRUE(r.unix_socket);
    EXPECT_EQ(r.remote_addr, "");
    EXPECT_EQ(r.remote_port, 0);
    EXPECT_EQ(r.server_name, "app.local");
    EXPECT_EQ(r.server_port, "80");
}

TEST(BuildRequest, UnixSocketWithoutHostHasNoServerName) {
    FakeExchange ex("GET / HTTP/1.0\r\n\r\n");
    ex.from_unix();
    ex.listener_.port = 0;
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_EQ(r.server_name, "");
    EXPECT_EQ(r.server_port, "0");
}

// --- url_scheme ---

TEST(BuildRequest, SecureSchemeHeadersCountOnlyFromTrustedPeers) {
    struct Case {
        std::string_view header;
        const char* peer;
        std::string_view scheme;
    };
    const Case cases[] = {
        {"X-Forwarded-Proto: https", "127.0.0.1", "https"},
        {"x-forwarded-proto: HTTPS", "127.0.0.1", "https"},
        {"X-Forwarded-Protocol: ssl", "127.0.0.1", "https"},
        {"X-Forwarded-Ssl: on", "127.0.0.1", "https"},
        {"X-Forwarded-Proto: http", "127.0.0.1", "http"},
        {"X-Forwarded-Ssl: off", "127.0.0.1", "http"},
        {"X-Forwarded-Proto: https", "192.0.2.7", "http"},  // not in forwarded_allow_ips
        {"X-Forwarded-Proto: https", "127.0.0.2", "http"},
        {"X-Other: https", "127.0.0.1", "http"},
    };
    for (const Case& c : cases) {
        FakeExchange ex(get("/", "Host: h\r\n" + std::string(c.header) + "\r\n"));
        ex.from_ipv4(c.peer, 1000);
        Request r;
        build_request(ex, defaults(), r);
        EXPECT_EQ(r.url_scheme, c.scheme) << c.header << " from " << c.peer;
    }
}

TEST(BuildRequest, ForwardedAllowIpsListAndWildcard) {
    RequestSettings listed;
    listed.forwarded_allow_ips = {"10.0.0.5", "192.0.2.7"};
    RequestSettings everyone;
    everyone.forwarded_allow_ips = {"*"};
    RequestSettings none;
    none.forwarded_allow_ips = {};
    RequestSettings no_headers;
    no_headers.secure_scheme_headers = {};
    RequestSettings custom;
    custom.secure_scheme_headers = {{"X-Scheme", "secure"}};

    auto scheme = [](const RequestSettings& settings, const char* peer, std::string header) {
        FakeExchange ex(get("/", "Host: h\r\n" + header + "\r\n"));
        ex.from_ipv4(peer, 1000);
        Request r;
        build_request(ex, settings, r);
        return r.url_scheme;
    };
    EXPECT_EQ(scheme(listed, "192.0.2.7", "X-Forwarded-Proto: https"), "https");
    EXPECT_EQ(scheme(listed, "127.0.0.1", "X-Forwarded-Proto: https"), "http");
    EXPECT_EQ(scheme(everyone, "203.0.113.1", "X-Forwarded-Proto: https"), "https");
    EXPECT_EQ(scheme(none, "127.0.0.1", "X-Forwarded-Proto: https"), "http");
    EXPECT_EQ(scheme(no_headers, "127.0.0.1", "X-Forwarded-Proto: https"), "http");
    EXPECT_EQ(scheme(custom, "127.0.0.1", "X-Scheme: secure"), "https");
    EXPECT_EQ(scheme(custom, "127.0.0.1", "X-Forwarded-Proto: https"), "http");
}

// gunicorn trusts a unix-socket peer's scheme headers whatever forwarded_allow_ips says:
// only a local proxy can connect there.
TEST(BuildRequest, UnixSocketPeersAreTrustedForTheScheme) {
    FakeExchange ex(get("/", "Host: h\r\nX-Forwarded-Proto: https\r\n"));
    ex.from_unix();
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_EQ(r.url_scheme, "https");
    EXPECT_EQ(r.server_port, "443");
}

TEST(BuildRequest, ScriptNameComesFromTheSettings) {
    RequestSettings settings;
    settings.script_name = "/app";
    FakeExchange ex(get("/app/x"));
    Request r;
    build_request(ex, settings, r);
    EXPECT_EQ(r.script_name, "/app");
    EXPECT_EQ(r.path, "/app/x");
}

// --- the body ---

TEST(BuildRequest, BodyInMemoryIsCopied) {
    FakeExchange ex("PUT /u HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world");
    Request r;
    build_request(ex, defaults(), r);
    ex.scribble();
    EXPECT_FALSE(r.body.spooled());
    EXPECT_EQ(r.body.size(), 11u);
    EXPECT_EQ(r.body.memory(), "hello world");
    char out[16];
    ASSERT_EQ(r.body.read(6, out, sizeof out), 5u);
    EXPECT_EQ(std::string_view(out, 5), "world");
}

TEST(BuildRequest, SpooledBodyFileIsTakenOver) {
    FakeExchange ex("POST /u HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789");
    ex.spool_body();
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_EQ(ex.took_file, 1);
    EXPECT_EQ(ex.take_body_file(), -1) << "the request owns the file now";
    EXPECT_TRUE(r.body.spooled());
    EXPECT_EQ(r.body.size(), 10u);
    EXPECT_EQ(r.body.memory(), "");
    char out[16];
    ASSERT_EQ(r.body.read(0, out, sizeof out), 10u);
    EXPECT_EQ(std::string_view(out, 10), "0123456789");
    ASSERT_EQ(r.body.read(8, out, 4), 2u);
    EXPECT_EQ(std::string_view(out, 2), "89");
}

TEST(BuildRequest, NoBodyIsAnEmptyBody) {
    FakeExchange ex(get("/"));
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_EQ(r.body.size(), 0u);
    EXPECT_FALSE(r.body.spooled());
    char out[4];
    EXPECT_EQ(r.body.read(0, out, sizeof out), 0u);
}

TEST(BuildRequest, ChunkedBodyIsMarked) {
    // The connection hands over the decoded body; the head still says chunked.
    FakeExchange ex("POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n");
    Request r;
    build_request(ex, defaults(), r);
    EXPECT_TRUE(r.body_chunked);
    EXPECT_EQ(r.find("Transfer-Encoding"), "chunked");
}

}  // namespace
}  // namespace strata::gateway
