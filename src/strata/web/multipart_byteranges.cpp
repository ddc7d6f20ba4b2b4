#include "strata/web/multipart_byteranges.h"

#include <fmt/format.h>

namespace strata::web {
namespace {

// "\r\n--B\r\nContent-Type: T\r\nContent-Range: bytes a-b/n\r\n\r\n": nginx opens every part,
// the first included, with CRLF.
std::string part_header(std::string_view boundary, std::string_view content_type,
                        const ByteRange& range, uint64_t size) {
    std::string header = fmt::format("\r\n--{}\r\n", boundary);
    if (!content_type.empty()) header += fmt::format("Content-Type: {}\r\n", content_type);
    header += fmt::format("Content-Range: {}\r\n\r\n", content_range(range, size));
    return header;
}

}  // namespace

std::string multipart_boundary(uint64_t counter) {
    return fmt::format("{:020}", counter);
}

MultipartRanges build_multipart_byteranges(std::span<const ByteRange> ranges, uint64_t size,
                                           std::string_view part_content_type,
                                           uint64_t boundary_counter) {
    std::string boundary = multipart_boundary(boundary_counter);
    MultipartRanges body;
    body.content_type = "multipart/byteranges; boundary=" + boundary;
    body.segments.reserve(ranges.size() * 2 + 1);
    for (const ByteRange& range : ranges) {
        body.segments.push_back({part_header(boundary, part_content_type, range, size), {}});
        body.segments.push_back({{}, range});
    }
    body.segments.push_back({fmt::format("\r\n--{}--\r\n", boundary), {}});
    for (const BodySegment& segment : body.segments)
        body.content_length += segment.is_literal() ? segment.literal.size() : segment.file.length;
    return body;
}

}  // namespace strata::web
