// The multipart/byteranges body nginx 1.22.1 sends. The expected bytes are what
// `curl -H 'Range: bytes=0-1,3-4' http://nginx/a.txt` returned for a 27-byte text/plain
// file (Content-Length 198, boundary 00000000000000000001 on the server's first such
// response, counting up by one per response).
#include "strata/web/multipart_byteranges.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace strata::web {
namespace {

constexpr std::string_view kFile = "abcdefghijklmnopqrstuvwxyz\n";

// What the connection would send: literals as they are, ranges read from the file.
std::string assemble(const MultipartRanges& body) {
    std::string out;
    for (const BodySegment& s : body.segments)
        out += s.is_literal() ? s.literal : std::string(kFile.substr(s.file.offset, s.file.length));
    return out;
}

TEST(MultipartByteranges, MatchesNginxByteForByte) {
    std::vector<ByteRange> ranges = {{0, 2}, {3, 2}};
    MultipartRanges body = build_multipart_byteranges(ranges, kFile.size(), "text/plain", 1);
    EXPECT_EQ(body.content_type, "multipart/byteranges; boundary=00000000000000000001");
    EXPECT_EQ(body.content_length, 198u);
    EXPECT_EQ(assemble(body),
              "\r\n--00000000000000000001\r\n"
              "Content-Type: text/plain\r\n"
              "Content-Range: bytes 0-1/27\r\n"
              "\r\n"
              "ab"
              "\r\n--00000000000000000001\r\n"
              "Content-Type: text/plain\r\n"
              "Content-Range: bytes 3-4/27\r\n"
              "\r\n"
              "de"
              "\r\n--00000000000000000001--\r\n");
}

TEST(MultipartByteranges, SegmentsAlternateHeaderAndFileRange) {
    std::vector<ByteRange> ranges = {{3, 2}, {0, 2}, {3, 6}};
    MultipartRanges body = build_multipart_byteranges(ranges, 27, "text/plain", 7);
    ASSERT_EQ(body.segments.size(), 7u);
    EXPECT_FALSE(body.segments[1].is_literal());
    EXPECT_EQ(body.segments[1].file, (ByteRange{3, 2}));
    EXPECT_EQ(body.segments[3].file, (ByteRange{0, 2}));
    EXPECT_EQ(body.segments[5].file, (ByteRange{3, 6}));
    EXPECT_EQ(body.segments[6].literal, "\r\n--00000000000000000007--\r\n");
    EXPECT_EQ(assemble(body).size(), body.content_length);
}

// Content-Length nginx reported for other requests on the same 27-byte file.
struct LengthCase {
    std::vector<ByteRange> ranges;
    uint64_t content_length;
};

TEST(MultipartByteranges, ContentLengthsNginxReported) {
    const LengthCase cases[] = {
        {{{0, 6}, {3, 6}}, 206},  // bytes=0-5,3-8
        {{{0, 2}, {2, 2}}, 198},  // bytes=0-1,2-3
        {{{0, 5}, {6, 2}}, 201},  // bytes=0-4,6-7 (HEAD)
    };
    for (const LengthCase& c : cases)
        EXPECT_EQ(build_multipart_byteranges(c.ranges, 27, "text/plain", 1).content_length,
                  c.content_length);
}

TEST(MultipartByteranges, CharsetIsRepeatedAndNoTypeMeansNoLine) {
    std::vector<ByteRange> ranges = {{0, 1}, {2, 1}};
    MultipartRanges typed = build_multipart_byteranges(ranges, 27, "text/html; charset=utf-8", 2);
    EXPECT_EQ(typed.segments[0].literal,
              "\r\n--00000000000000000002\r\nContent-Type: text/html; charset=utf-8\r\n"
              "Content-Range: bytes 0-0/27\r\n\r\n");
    // nginx with `types {} default_type "";` sent bytes=0-1,3-4 in 146 bytes, no type lines.
    std::vector<ByteRange> probed = {{0, 2}, {3, 2}};
    EXPECT_EQ(build_multipart_byteranges(probed, 27, "", 1).content_length, 146u);
    MultipartRanges untyped = build_multipart_byteranges(ranges, 27, "", 2);
    EXPECT_EQ(untyped.segments[0].literal,
              "\r\n--00000000000000000002\r\nContent-Range: bytes 0-0/27\r\n\r\n");
}

TEST(MultipartByteranges, BoundaryIsTwentyDigits) {
    EXPECT_EQ(multipart_boundary(0), "00000000000000000000");
    EXPECT_EQ(multipart_boundary(12345), "00000000000000012345");
    EXPECT_EQ(multipart_boundary(UINT64_MAX), "18446744073709551615");
}

}  // namespace
}  // namespace strata::web
