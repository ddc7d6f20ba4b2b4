// The Range / If-Range decision for a response of known length, as nginx 1.22's range
// filter makes it. Pure: header values and the resource in, a plan out; the caller sends
// it (206 with Content-Range, multipart/byteranges, 416, or the whole 200).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/web/conditional.h"

namespace strata::web {

struct ByteRange {
    uint64_t offset = 0;
    uint64_t length = 0;  // never 0
    bool operator==(const ByteRange&) const = default;
};

// nginx's `max_ranges`: unset means unlimited; 0 turns ranges off altogether (no
// Accept-Ranges either).
inline constexpr uint32_t kUnlimitedRanges = UINT32_MAX;
struct RangeOptions {
    uint32_t max_ranges = kUnlimitedRanges;
};

struct RangeHeaders {
    std::optional<std::string_view> range;
    std::optional<std::string_view> if_range;
};
RangeHeaders range_headers(const http::RequestHead& request);  // first of each

enum class RangeKind : uint8_t {
    full,           // 200 with the whole body
    partial,        // 206, one range, Content-Range: bytes first-last/size
    multipart,      // 206 multipart/byteranges, ranges in request order, not merged
    unsatisfiable,  // 416 with Content-Range: bytes */size
};

struct RangePlan {
    RangeKind kind = RangeKind::full;
    std::vector<ByteRange> ranges;  // one for partial, several for multipart
    // nginx advertises "Accept-Ranges: bytes" only on a full answer, and not when
    // max_ranges is 0.
    bool accept_ranges = false;
};

// For a 200 response of `size` bytes (the caller applies it to nothing else).
RangePlan plan_byte_ranges(const RangeHeaders& headers, uint64_t size, const Validators& resource,
                           const RangeOptions& options = {});

// If-Range: an entity-tag (a value ending in '"') must equal the ETag byte for byte, a
// date must equal Last-Modified to the second; anything else falls back to the full body.
bool if_range_holds(std::string_view if_range, const Validators& resource);

// "bytes 0-4/12"
std::string content_range(const ByteRange& range, uint64_t size);
// "bytes */12"
std::string unsatisfied_content_range(uint64_t size);

}  // namespace strata::web
