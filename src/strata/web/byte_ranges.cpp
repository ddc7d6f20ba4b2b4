#include "strata/web/byte_ranges.h"

#include <fmt/format.h>

#include "strata/base/http_date.h"

namespace strata::web {
namespace {

constexpr std::string_view kBytesUnit = "bytes=";
// nginx refuses positions past the largest off_t.
constexpr uint64_t kMaxPosition = INT64_MAX;

enum class ParseStatus : uint8_t { ok, ignore, unsatisfiable };

// Reads the byte-range-set after "bytes=" with nginx's grammar: spaces (not tabs) allowed
// around numbers and dashes, elements separated by exactly one comma, no empty elements.
class RangeSetParser {
  public:
    RangeSetParser(std::string_view set, uint64_t size, uint32_t max_ranges)
        : set_(set), size_(size), max_ranges_(max_ranges) {}

    ParseStatus parse() {
        for (;;) {
            ParseStatus status = parse_element();
            if (status != ParseStatus::ok) return status;
            if (at_end()) break;
            ++pos_;  // the comma parse_element stopped at
        }
        if (ranges_.empty()) return ParseStatus::unsatisfiable;
        // Overlapping ranges adding up to more than the body are ignored rather than
        // served: nginx's guard against amplification.
        return total_ > size_ ? ParseStatus::ignore : ParseStatus::ok;
    }

    std::vector<ByteRange>& ranges() { return ranges_; }

  private:
    bool at_end() const { return pos_ >= set_.size(); }
    char peek() const { return at_end() ? '\0' : set_[pos_]; }
    static bool is_digit(char c) { return c >= '0' && c <= '9'; }

    void skip_spaces() {
        while (peek() == ' ')
            ++pos_;
    }

    std::optional<uint64_t> number() {
        if (!is_digit(peek())) return std::nullopt;
        uint64_t value = 0;
        while (is_digit(peek())) {
            uint64_t digit = static_cast<uint64_t>(peek() - '0');
            if (value > (kMaxPosition - digit) / 10) return std::nullopt;
            value = value * 10 + digit;
            ++pos_;
        }
        return value;
    }

    bool at_element_end() {
        skip_spaces();
        return at_end() || peek() == ',';
    }

    // One "first-last", "first-" or "-suffix"; [first, end) is kept when it is not empty.
    ParseStatus parse_element() {
        skip_spaces();
        uint64_t first = 0;
        uint64_t end = size_;
        if (peek() == '-') {
            ++pos_;
            auto suffix = number();
            if (!suffix || !at_element_end()) return ParseStatus::unsatisfiable;
            first = *suffix < size_ ? size_ - *suffix : 0;
        } else {
            auto start = number();
            skip_spaces();
            if (!start || peek() != '-') return ParseStatus::unsatisfiable;
            ++pos_;
            first = *start;
            if (!at_element_end()) {
                auto last = number();
                if (!last || !at_element_end()) return ParseStatus::unsatisfiable;
                end = *last >= size_ ? size_ : *last + 1;
            }
        }
        return keep(first, end);
    }

    ParseStatus keep(uint64_t first, uint64_t end) {
        if (first >= end) {
            // An empty range at 0 only happens for an empty body: nginx sends it whole.
            return first == 0 ? ParseStatus::ignore : ParseStatus::ok;
        }
        if (ranges_.size() == max_ranges_) return ParseStatus::ignore;
        ranges_.push_back({first, end - first});
        total_ += end - first;
        return ParseStatus::ok;
    }

    std::string_view set_;
    uint64_t size_;
    uint32_t max_ranges_;
    size_t pos_ = 0;
    uint64_t total_ = 0;
    std::vector<ByteRange> ranges_;
};

bool is_bytes_range(std::string_view range) {
    // nginx wants at least one byte after the unit: "bytes=" alone is ignored.
    return range.size() > kBytesUnit.size() &&
           http::iequals(range.substr(0, kBytesUnit.size()), kBytesUnit);
}

}  // namespace

RangeHeaders range_headers(const http::RequestHead& request) {
    RangeHeaders headers;
    for (const http::Header& h : request.headers) {
        if (!headers.range && http::iequals(h.name, "Range")) headers.range = h.value;
        if (!headers.if_range && http::iequals(h.name, "If-Range")) headers.if_range = h.value;
    }
    return headers;
}

// nginx compares an If-Range entity-tag byte for byte, so W/"x" would match a weak ETag;
// RFC 9110 §13.1.5 requires the strong comparison, under which a weak tag never matches.
// strata follows the RFC here: splicing ranges of two different representations corrupts
// what the client assembles. (A static file's ETag is strong, so nginx answers the same.)
bool if_range_holds(std::string_view if_range, const Validators& resource) {
    if (if_range.size() >= 2 && if_range.back() == '"') {
        return !resource.etag.empty() && !is_weak_etag(resource.etag) && if_range == resource.etag;
    }
    if (resource.last_modified == -1) return false;
    return parse_http_date(if_range) == resource.last_modified;
}

RangePlan plan_byte_ranges(const RangeHeaders& headers, uint64_t size, const Validators& resource,
                           const RangeOptions& options) {
    if (options.max_ranges == 0) return {RangeKind::full, {}, false};
    RangePlan full{RangeKind::full, {}, true};
    if (!headers.range || !is_bytes_range(*headers.range)) return full;
    if (headers.if_range && !if_range_holds(*headers.if_range, resource)) return full;
    RangeSetParser parser(headers.range->substr(kBytesUnit.size()), size, options.max_ranges);
    switch (parser.parse()) {
        case ParseStatus::ignore:
            return full;
        case ParseStatus::unsatisfiable:
            return {RangeKind::unsatisfiable, {}, false};
        case ParseStatus::ok:
            break;
    }
    RangeKind kind = parser.ranges().size() == 1 ? RangeKind::partial : RangeKind::multipart;
    return {kind, std::move(parser.ranges()), false};
}

std::string content_range(const ByteRange& range, uint64_t size) {
    return fmt::format("bytes {}-{}/{}", range.offset, range.offset + range.length - 1, size);
}

std::string unsatisfied_content_range(uint64_t size) {
    return fmt::format("bytes */{}", size);
}

}  // namespace strata::web
