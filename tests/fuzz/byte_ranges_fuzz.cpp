// The Range / If-Range decision. Properties: every planned range is non-empty and inside
// the body; a partial plan has one range, a multipart plan several, no more than
// max_ranges, adding up to no more than the body (nginx's amplification guard); only a
// full answer advertises Accept-Ranges; Content-Range names the range's own bytes.
//
// Input: [size: 8 bytes][flags] Range value [LF If-Range value]
#include <cstddef>
#include <cstdint>
#include <string>

#include "fuzz_support.h"
#include "strata/web/byte_ranges.h"

namespace strata::fuzz {
namespace {

using web::RangeKind;

constexpr std::string_view kEtag = "\"6b04eb9f-c\"";
constexpr std::time_t kLastModified = 784111777;  // Sun, 06 Nov 1994 08:49:37 GMT

void check_plan(const web::RangePlan& plan, uint64_t size, const web::RangeOptions& options) {
    require(plan.accept_ranges == (plan.kind == RangeKind::full && options.max_ranges != 0),
            "Accept-Ranges on the wrong answer");
    switch (plan.kind) {
        case RangeKind::full:
        case RangeKind::unsatisfiable:
            require(plan.ranges.empty(), "ranges on a full or unsatisfiable answer");
            return;
        case RangeKind::partial:
            require(plan.ranges.size() == 1, "partial answer without exactly one range");
            break;
        case RangeKind::multipart:
            require(plan.ranges.size() > 1, "multipart answer with fewer than two ranges");
            break;
    }
    require(plan.ranges.size() <= options.max_ranges, "more ranges than max_ranges");
    uint64_t total = 0;
    for (const web::ByteRange& r : plan.ranges) {
        require(r.length > 0, "empty range");
        require(r.offset < size && r.length <= size - r.offset, "range outside the body");
        total += r.length;
        std::string expected = "bytes " + std::to_string(r.offset) + "-" +
                               std::to_string(r.offset + r.length - 1) + "/" + std::to_string(size);
        require(web::content_range(r, size) == expected, "Content-Range", expected);
    }
    require(total <= size, "ranges add up to more than the body");
}

void run(FuzzInput in) {
    uint64_t size = in.u64();
    uint8_t flags = in.byte();
    if (flags & 1) size %= 1000;  // small bodies, where ranges overlap its end
    web::RangeOptions options;
    static constexpr uint32_t kMaxRanges[] = {web::kUnlimitedRanges, 0, 1, 2};
    options.max_ranges = kMaxRanges[(flags >> 1) & 3];
    web::Validators resource{flags & 8 ? std::string_view("W/\"6b04eb9f-c\"") : kEtag,
                             flags & 16 ? -1 : kLastModified};

    const std::string text(in.rest());
    std::string_view payload = text;
    size_t lf = payload.find('\n');
    web::RangeHeaders headers;
    headers.range = payload.substr(0, lf);
    if (lf != std::string_view::npos) headers.if_range = payload.substr(lf + 1);

    check_plan(web::plan_byte_ranges(headers, size, resource, options), size, options);
    require(web::unsatisfied_content_range(size) == "bytes */" + std::to_string(size),
            "unsatisfied Content-Range");
    if (headers.if_range) web::if_range_holds(*headers.if_range, resource);
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::run(strata::fuzz::FuzzInput(data, size));
    return 0;
}
