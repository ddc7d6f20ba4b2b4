#include "strata/http/request_parser.h"

#include "strata/http/detail/char_class.h"
#include "strata/http/detail/request_line.h"

namespace strata::http {

using detail::find_line_end;
using detail::LineEnd;

ParseResult RequestParser::fail(ParseError error) {
    error_ = error;
    head_.keep_alive = false;
    return {ParseStatus::error, 0, error};
}

ParseResult RequestParser::parse(std::string_view input) {
    if (error_ != ParseError::none) return {ParseStatus::error, 0, error_};
    while (!complete_) {
        LineEnd end = find_line_end(input, scanned_);
        if (end.lf == std::string_view::npos) {
            scanned_ = input.size();
            if (ParseError e = check_partial_line(input.size() - line_start_);
                e != ParseError::none)
                return fail(e);
            return {ParseStatus::need_more};
        }
        if (!end.crlf) {  // a bare LF ends no line: RFC 9112 §2.2 lets us reject it
            // Too long is said first, as it is when the line arrives in pieces: the
            // answer must not depend on how the bytes were read.
            if (ParseError e = check_partial_line(end.lf - line_start_); e != ParseError::none)
                return fail(e);
            return fail(in_headers_ ? ParseError::bad_header_value : ParseError::bad_request_line);
        }
        scanned_ = end.lf + 1;
        if (ParseError e = on_line(input, line_start_, end.lf - 1); e != ParseError::none) {
            if (complete_ || e == ParseError::duplicate_header) line_start_ = scanned_;
            return fail(e);
        }
        line_start_ = scanned_;
    }
    rebind(input);
    head_.head_size = scanned_;
    return {ParseStatus::complete, scanned_};
}

// A line still arriving may end in its CR: allow one byte for it.
ParseError RequestParser::check_partial_line(size_t length) const {
    if (!in_headers_) {
        if (length > options_.limits.request_line + 1) return ParseError::request_line_too_long;
    } else if (length > field_line_limit_) {
        return ParseError::header_line_too_long;
    }
    return ParseError::none;
}

ParseError RequestParser::on_line(std::string_view input, size_t begin, size_t end) {
    std::string_view line = input.substr(begin, end - begin);
    if (!in_headers_) {
        if (line.empty() && begin < options_.limits.request_line) {
            leading_empty_bytes_ += 2;
            return ParseError::none;
        }
        return on_request_line(line, begin);
    }
    if (line.empty()) return finish_head();
    return on_field_line(line, begin);
}

ParseError RequestParser::on_request_line(std::string_view line, size_t offset) {
    if (line.size() > options_.limits.request_line) return ParseError::request_line_too_long;
    detail::RequestLine parsed;
    if (ParseError e = detail::parse_request_line(line, parsed); e != ParseError::none) return e;
    auto span = [&](std::string_view part) {
        return Span{static_cast<uint32_t>(offset + (part.data() - line.data())),
                    static_cast<uint32_t>(part.size())};
    };
    method_ = span(parsed.method);
    target_ = span(parsed.target);
    head_.version = parsed.version;
    in_headers_ = true;
    if (parsed.version == Version::http09) complete_ = true;  // no headers, no body
    return ParseError::none;
}

ParseError RequestParser::on_field_line(std::string_view line, size_t offset) {
    if (line.size() + 2 > field_line_limit_) return ParseError::header_line_too_long;
    if (++field_lines_ > options_.limits.fields) return ParseError::too_many_headers;
    detail::FieldSpan span;
    if (ParseError e = detail::parse_field_line(line, static_cast<uint32_t>(offset), span);
        e != ParseError::none)
        return e;
    std::string_view name = line.substr(0, span.name_length);
    if (name.find('_') != std::string_view::npos) {
        if (options_.underscores == UnderscoreHeaders::refuse)
            return ParseError::refused_header_name;
        if (options_.underscores == UnderscoreHeaders::drop) return ParseError::none;
    }
    std::string_view value = line.substr(span.value_offset - offset, span.value_length);
    if (ParseError e = on_framing_field(name, value, span); e != ParseError::none) return e;
    fields_.push_back(span);
    return ParseError::none;
}

// Looks at the few fields that decide framing and persistence. Dispatch on length
// first so most headers cost one comparison.
ParseError RequestParser::on_framing_field(std::string_view name, std::string_view value,
                                           const detail::FieldSpan& span) {
    switch (name.size()) {
        case 4:
            if (!iequals(name, "host")) break;
            if (framing_.has_host) return ParseError::duplicate_header;
            framing_.has_host = true;
            host_ = {span.value_offset, span.value_length};
            if (options_.host_field_limit)
                field_line_limit_ = options_.host_field_limit->field_line_after(value);
            break;
        case 6:
            if (iequals(name, "expect") && iequals(value, "100-continue"))
                head_.expect_continue = true;
            break;
        case 10:
            if (!iequals(name, "connection")) break;
            detail::for_each_list_element(value, [&](std::string_view option) {
                if (iequals(option, "close")) framing_.connection_close = true;
                if (iequals(option, "keep-alive")) framing_.connection_keep_alive = true;
            });
            break;
        case 12:
            if (!iequals(name, "content-type")) break;
            if (framing_.has_content_type) return ParseError::duplicate_header;
            framing_.has_content_type = true;
            break;
        case 14:
            if (iequals(name, "content-length")) refuse_value_later(on_content_length(value));
            break;
        case 17:
            if (iequals(name, "transfer-encoding")) refuse_value_later(on_transfer_encoding(value));
            break;
    }
    return ParseError::none;
}

void RequestParser::refuse_value_later(ParseError error) {
    if (framing_.refused_value == ParseError::none) framing_.refused_value = error;
}

ParseError RequestParser::on_content_length(std::string_view value) {
    ParseError error = detail::add_content_length(value, framing_.body);
    head_.content_length = framing_.body.length;
    return error;
}

// Unsupported codings are 501, as nginx answers.
ParseError RequestParser::on_transfer_encoding(std::string_view value) {
    return detail::add_transfer_encoding(value, framing_.body);
}

ParseError RequestParser::finish_head() {
    complete_ = true;
    if (framing_.refused_value != ParseError::none) return framing_.refused_value;
    Version v = head_.version;
    if (framing_.body.has_transfer_encoding) {
        // RFC 9112 §6.1: HTTP/1.0 cannot carry it safely; with Content-Length it smuggles.
        if (v != Version::http11 || !framing_.body.chunked)
            return ParseError::bad_transfer_encoding;
        if (framing_.body.has_length) return ParseError::length_and_chunked;
        head_.body = BodyKind::chunked;
    } else if (framing_.body.has_length) {
        if (head_.content_length > options_.limits.body) return ParseError::body_too_large;
        head_.body = head_.content_length > 0 ? BodyKind::length : BodyKind::none;
    }
    if (v == Version::http11 && !framing_.has_host && options_.require_host)
        return ParseError::missing_host;
    head_.has_host = framing_.has_host;
    head_.keep_alive = v == Version::http11
                           ? !framing_.connection_close
                           : framing_.connection_keep_alive && !framing_.connection_close;
    if (v != Version::http11) head_.expect_continue = false;
    return ParseError::none;
}

void RequestParser::rebind(std::string_view input) {
    const char* base = input.data();
    head_.method = method_.view(base);
    head_.target = target_.view(base);
    head_.host = host_.view(base);
    head_.headers.clear();
    for (const detail::FieldSpan& f : fields_)
        head_.headers.push_back(f.view(base));
}

void RequestParser::reset() {
    head_.headers.clear();
    head_.body = BodyKind::none;
    head_.content_length = 0;
    head_.has_host = false;
    head_.keep_alive = false;
    head_.expect_continue = false;
    head_.head_size = 0;
    head_.version = Version::http11;
    fields_.clear();
    method_ = target_ = host_ = {};
    framing_ = {};
    scanned_ = line_start_ = field_lines_ = leading_empty_bytes_ = 0;
    field_line_limit_ = options_.limits.field_line;
    in_headers_ = complete_ = false;
    error_ = ParseError::none;
}

}  // namespace strata::http
