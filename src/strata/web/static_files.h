// Serves files under a root directory: GET and HEAD, index.html for directories,
// nginx's statuses for what cannot be served. (Conditionals, ranges, gzip and the
// configuration-driven behaviour come with the front server.)
#pragma once

#include <string>

#include "strata/net/http_exchange.h"

namespace strata::web {

struct StaticFilesOptions {
    std::string root;
    std::string index = "index.html";
    std::string default_type = "application/octet-stream";
};

class StaticFiles final : public net::HttpHandler {
  public:
    explicit StaticFiles(StaticFilesOptions options);
    void handle(net::Exchange& exchange) override;

  private:
    void serve(net::Exchange& exchange, const std::string& path);
    void redirect_to_directory(net::Exchange& exchange, const std::string& path);

    StaticFilesOptions options_;
};

}  // namespace strata::web
