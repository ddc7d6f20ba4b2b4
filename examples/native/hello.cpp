// A native C++ app on strata's gateway interface, serving itself with gunicorn's
// worker options:
//
//   ./hello --workers=2 --bind 127.0.0.1:8000
//   curl http://127.0.0.1:8000/           → Hello, World!
//   curl http://127.0.0.1:8000/echo?x=1   → the method, path and query it got
#include <memory>
#include <string>

#include "strata/gateway/app.h"
#include "strata/gateway/app_server.h"

namespace {

class Hello final : public strata::gateway::App {
  public:
    std::unique_ptr<strata::gateway::Body> call(const strata::gateway::Request& request,
                                                strata::gateway::StartResponse& start,
                                                std::string& /*error*/) override {
        if (request.path == "/echo") {
            std::string text = std::string(request.method) + " " + std::string(request.path) + " " +
                               std::string(request.query) + "\n";
            start.start("200 OK", {{"Content-Type", "text/plain"},
                                   {"Content-Length", std::to_string(text.size())}});
            return strata::gateway::body_of(std::move(text));
        }
        if (request.path != "/") {
            start.start("404 Not Found", {{"Content-Type", "text/plain"}});
            return strata::gateway::body_of("Not Found\n");
        }
        start.start("200 OK", {{"Content-Type", "text/plain"}, {"Content-Length", "14"}});
        return strata::gateway::body_of("Hello, World!\n");
    }
};

}  // namespace

int main(int argc, char** argv) {
    return strata::gateway::serve_from_command_line(argc, argv,
                                                    [] { return std::make_shared<Hello>(); });
}
