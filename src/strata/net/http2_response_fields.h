// A response head as the name/value array nghttp2 takes for HEADERS. The array views
// the head's own text: nghttp2 copies the fields (and lower-cases the names) when the
// response is submitted, so nothing is copied here and nothing is allocated once the
// array has grown to the size heads usually have.
#pragma once

#include <nghttp2/nghttp2.h>

#include <cstdint>
#include <string_view>
#include <vector>

#include "strata/net/http_exchange.h"

namespace strata::net {

class Http2ResponseFields {
  public:
    // `content_length` < 0: none is sent. `server` and `date` are the defaults for a
    // head without its own.
    void build(const ResponseHead& head, int64_t content_length, std::string_view server,
               std::string_view date);
    const nghttp2_nv* data() const { return fields_.data(); }
    size_t size() const { return fields_.size(); }

  private:
    void add(std::string_view name, std::string_view value, uint8_t flags);
    void add_fixed(std::string_view name, std::string_view value);

    std::vector<nghttp2_nv> fields_;
    char status_[16];
    char length_[24];
};

}  // namespace strata::net
