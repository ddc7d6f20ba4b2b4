// The body nginx sends for a multi-range 206: the part headers and the closing delimiter
// as literal bytes, interleaved with the file ranges they frame, so the connection can
// write literals from memory and ranges with sendfile.
//
//   MultipartRanges body = build_multipart_byteranges(plan.ranges, size, "text/html", ++counter);
//   head: Content-Type: body.content_type, Content-Length: body.content_length
//   then for each segment: write segment.literal, or send segment.length bytes at segment.offset
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "strata/web/byte_ranges.h"

namespace strata::web {

// The boundary nginx uses: a per-server counter, zero-padded to 20 digits
// ("00000000000000000001"), the width of a 64-bit number.
std::string multipart_boundary(uint64_t counter);

struct BodySegment {
    std::string literal;  // bytes to send as they are; empty for a file range
    ByteRange file;       // the file's bytes to send when literal is empty

    bool is_literal() const { return !literal.empty(); }
};

struct MultipartRanges {
    std::string content_type;  // "multipart/byteranges; boundary=<boundary>"
    std::vector<BodySegment> segments;
    uint64_t content_length = 0;  // literals plus ranges
};

// `part_content_type` is the response's own Content-Type (with any charset), repeated in
// every part; nginx leaves the line out when the response has none.
MultipartRanges build_multipart_byteranges(std::span<const ByteRange> ranges, uint64_t size,
                                           std::string_view part_content_type,
                                           uint64_t boundary_counter);

}  // namespace strata::web
