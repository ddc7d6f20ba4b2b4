// The server↔app interface: the C++ analogue of PEP 3333. The server calls an app with a
// Request and a StartResponse, and drives the Body the app returns until its end, then
// closes it. Both the WSGI bridge (python/) and native C++ apps implement App; the
// server (gateway::AppHandler) is the only caller.
//
//   class Hello : public gateway::App {
//       std::unique_ptr<gateway::Body> call(const gateway::Request&, gateway::StartResponse& start)
//       override {
//           start.start("200 OK", {{"Content-Type", "text/plain"}});
//           return gateway::body_of("Hello, World!\n");
//       }
//   };
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "strata/gateway/request.h"

namespace strata::gateway {

struct ResponseHeader {
    std::string name;
    std::string value;
};
using ResponseHeaders = std::vector<ResponseHeader>;

// What start_response and write() are to a WSGI app. Valid during App::call and until
// the Body is closed; called only from the thread running the app.
class StartResponse {
  public:
    // PEP 3333's start_response(status, headers, exc_info). `status` is "200 OK".
    // Returns an empty string, or what is wrong: a malformed status or header, a
    // hop-by-hop header, a second call without `replace`, or (with `replace`) the
    // headers already sent — the caller re-raises its exception then.
    virtual std::string start(std::string_view status, ResponseHeaders headers,
                              bool replace = false) = 0;
    // PEP 3333's write(): body bytes ahead of the Body's. Returns false when the response
    // cannot take them: the client is gone, or start() was not called (then `error`
    // says so). Blocks while the client is slow to take earlier bytes.
    virtual bool write(std::string_view bytes) = 0;
    // Why the last write() failed.
    virtual std::string_view error() const = 0;

  protected:
    ~StartResponse() = default;
};

// One step of a body.
struct BodyPart {
    enum class Kind : uint8_t {
        bytes,  // `bytes`, valid until the next call; may be empty
        file,   // `length` bytes of `fd` from `offset`; the server owns and closes `fd`
        end,    // the body is complete
        error,  // the app failed (`message` says how; the app logged any traceback)
    };
    Kind kind = Kind::end;
    std::string_view bytes;
    int fd = -1;
    off_t offset = 0;
    uint64_t length = 0;
    std::string message;

    static BodyPart of_bytes(std::string_view b) { return {Kind::bytes, b, -1, 0, 0, {}}; }
    static BodyPart of_file(int f, off_t off, uint64_t len) {
        return {Kind::file, {}, f, off, len, {}};
    }
    static BodyPart end_of_body() { return {}; }
    static BodyPart failure(std::string why) { return {Kind::error, {}, -1, 0, 0, std::move(why)}; }
};

// The iterable a WSGI app returns.
class Body {
  public:
    virtual ~Body() = default;
    virtual BodyPart next() = 0;
    // Called exactly once, whatever happened: success, app error or client gone.
    virtual void close() {}
    // True when every remaining part is already in memory (a list of bytes), so next()
    // never waits: the server may gather the parts and send them in one go. Otherwise
    // each part goes out as soon as it comes (PEP 3333 forbids holding one back while
    // the app produces the next).
    virtual bool in_memory() const { return false; }
};

// A body already in memory: the common case for native apps.
std::unique_ptr<Body> body_of(std::string bytes);

class App {
  public:
    virtual ~App() = default;
    // Runs on an app thread. Returns the body, or nullptr when the app failed before
    // returning one (`error` says how; the app logged any traceback).
    virtual std::unique_ptr<Body> call(const Request& request, StartResponse& start,
                                       std::string& error) = 0;

    // Each app thread calls attach_thread() first and detach_thread() last; around every
    // wait (for a request, for a slow client) before_wait() and after_wait(). The WSGI
    // bridge holds its interpreter lock between them and lets it go while waiting.
    virtual void attach_thread() {}
    virtual void detach_thread() {}
    virtual void before_wait() {}
    virtual void after_wait() {}
};

}  // namespace strata::gateway
