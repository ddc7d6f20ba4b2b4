#include "strata/http/response_parser.h"

#include "strata/http/detail/request_line.h"
#include "strata/http/detail/status_line.h"

namespace strata::http {

using detail::find_line_end;
using detail::LineEnd;

ResponseParser::ResponseParser(std::string_view request_method, const ResponseLimits& limits)
    : limits_(limits) {
    reset(request_method);
}

ParseResult ResponseParser::fail(ParseError error) {
    error_ = error;
    head_.keep_alive = false;
    return {ParseStatus::error, 0, error};
}

ParseResult ResponseParser::parse(std::string_view input) {
    if (error_ != ParseError::none) return {ParseStatus::error, 0, error_};
    if (!in_headers_ && !detail::may_start_status_line(input))
        return fail(ParseError::bad_status_line);
    while (!complete_) {
        LineEnd end = find_line_end(input, scanned_);
        size_t seen = end.lf == std::string_view::npos ? input.size() : end.lf + 1;
        if (seen > limits_.head) return fail(ParseError::response_head_too_large);
        if (end.lf == std::string_view::npos) {
            scanned_ = input.size();
            return {ParseStatus::need_more};
        }
        if (!end.crlf)  // a bare LF ends no line (RFC 9112 §2.2)
            return fail(in_headers_ ? ParseError::bad_header_value : ParseError::bad_status_line);
        scanned_ = end.lf + 1;
        std::string_view line = input.substr(line_start_, end.lf - 1 - line_start_);
        if (ParseError e = on_line(line, line_start_); e != ParseError::none) return fail(e);
        line_start_ = scanned_;
    }
    rebind(input);
    head_.head_size = scanned_;
    return {ParseStatus::complete, scanned_};
}

ParseError ResponseParser::on_line(std::string_view line, size_t offset) {
    if (!in_headers_) return on_status_line(line, offset);
    if (line.empty()) return finish_head();
    return on_field_line(line, offset);
}

ParseError ResponseParser::on_status_line(std::string_view line, size_t offset) {
    detail::StatusLine parsed;
    if (ParseError e = detail::parse_status_line(line, parsed); e != ParseError::none) return e;
    head_.version = parsed.version;
    head_.status = parsed.status;
    reason_ = {static_cast<uint32_t>(offset + (parsed.reason.data() - line.data())),
               static_cast<uint32_t>(parsed.reason.size())};
    in_headers_ = true;
    return ParseError::none;
}

ParseError ResponseParser::on_field_line(std::string_view line, size_t offset) {
    if (fields_.size() >= limits_.fields) return ParseError::too_many_headers;
    detail::FieldSpan span;
    if (ParseError e = detail::parse_field_line(line, static_cast<uint32_t>(offset), span);
        e != ParseError::none)
        return e;
    std::string_view name = line.substr(0, span.name_length);
    std::string_view value = line.substr(span.value_offset - offset, span.value_length);
    if (ParseError e = on_framing_field(name, value); e != ParseError::none) return e;
    fields_.push_back(span);
    return ParseError::none;
}

// Looks at the few fields that decide framing and persistence.
ParseError ResponseParser::on_framing_field(std::string_view name, std::string_view value) {
    switch (name.size()) {
        case 10:
            if (!iequals(name, "connection")) break;
            detail::for_each_list_element(value, [&](std::string_view option) {
                if (iequals(option, "close")) framing_.connection_close = true;
                if (iequals(option, "keep-alive")) framing_.connection_keep_alive = true;
            });
            break;
        case 14:
            if (iequals(name, "content-length")) return on_content_length(value);
            break;
        case 17:
            if (iequals(name, "transfer-encoding")) return on_transfer_encoding(value);
            break;
    }
    return ParseError::none;
}

ParseError ResponseParser::on_content_length(std::string_view value) {
    ParseError error = detail::add_content_length(value, framing_.body);
    head_.has_content_length = framing_.body.has_length;
    head_.content_length = framing_.body.length;
    return error;
}

// A body in a coding other than chunked could not be passed on without decoding it.
ParseError ResponseParser::on_transfer_encoding(std::string_view value) {
    return detail::add_transfer_encoding(value, framing_.body);
}

ParseError ResponseParser::finish_head() {
    complete_ = true;
    // RFC 9112 §6.1: an HTTP/1.0 message with Transfer-Encoding has faulty framing.
    if (framing_.body.has_transfer_encoding && head_.version != Version::http11)
        return ParseError::bad_transfer_encoding;
    head_.interim = head_.status < 200 && head_.status != 101;
    head_.length_and_chunked = framing_.body.has_transfer_encoding && head_.has_content_length;
    head_.body = body_kind();
    head_.keep_alive = may_keep_alive();
    return ParseError::none;
}

// RFC 9112 §6.3, in its order.
ResponseBody ResponseParser::body_kind() const {
    uint16_t s = head_.status;
    if (head_request_ || s < 200 || s == 204 || s == 304) return ResponseBody::none;
    if (connect_request_ && s < 300) return ResponseBody::none;  // a tunnel follows
    if (framing_.body.has_transfer_encoding)
        return framing_.body.chunked ? ResponseBody::chunked : ResponseBody::until_close;
    if (head_.has_content_length)
        return head_.content_length > 0 ? ResponseBody::length : ResponseBody::none;
    return ResponseBody::until_close;
}

bool ResponseParser::may_keep_alive() const {
    bool wanted = head_.version == Version::http11
                      ? !framing_.connection_close
                      : framing_.connection_keep_alive && !framing_.connection_close;
    bool switched = head_.status == 101 || (connect_request_ && head_.status / 100 == 2);
    return wanted && !switched && !head_.length_and_chunked &&
           head_.body != ResponseBody::until_close;
}

void ResponseParser::rebind(std::string_view input) {
    const char* base = input.data();
    head_.reason = reason_.view(base);
    head_.headers.clear();
    for (const detail::FieldSpan& f : fields_)
        head_.headers.push_back(f.view(base));
}

void ResponseParser::next_response() {
    head_.headers.clear();  // keeps its capacity
    head_.version = Version::http11;
    head_.status = 0;
    head_.reason = {};
    head_.body = ResponseBody::none;
    head_.content_length = 0;
    head_.has_content_length = head_.interim = head_.length_and_chunked = false;
    head_.keep_alive = false;
    head_.head_size = 0;
    fields_.clear();
    reason_ = {};
    framing_ = {};
    scanned_ = line_start_ = 0;
    in_headers_ = complete_ = false;
    error_ = ParseError::none;
}

void ResponseParser::reset(std::string_view request_method) {
    head_request_ = request_method == "HEAD";
    connect_request_ = request_method == "CONNECT";
    next_response();
}

}  // namespace strata::http
