#include "strata/http/chunked_decoder.h"

#include <algorithm>

#include "strata/http/detail/char_class.h"
#include "strata/http/detail/field_line.h"

namespace strata::http {
namespace {

using detail::is;

// chunk-ext = *( BWS ";" BWS name [ BWS "=" BWS ( token / quoted-string ) ] )
bool check_extensions(std::string_view ext) {
    size_t i = 0;
    auto skip_ws = [&] {
        while (i < ext.size() && is(ext[i], detail::kWhitespace))
            ++i;
    };
    auto token = [&] {
        size_t start = i;
        while (i < ext.size() && is(ext[i], detail::kToken))
            ++i;
        return i > start;
    };
    auto quoted = [&] {
        for (++i; i < ext.size(); ++i) {
            if (ext[i] == '"') return ++i, true;
            if (ext[i] == '\\' && ++i == ext.size()) return false;
            if (!is(ext[i], detail::kFieldValue)) return false;
        }
        return false;
    };
    while (skip_ws(), i < ext.size()) {
        if (ext[i++] != ';') return false;
        skip_ws();
        if (!token()) return false;
        skip_ws();
        if (i < ext.size() && ext[i] == '=') {
            ++i;
            skip_ws();
            if (i < ext.size() && ext[i] == '"' ? !quoted() : !token()) return false;
        }
    }
    return true;
}

bool parse_chunk_size(std::string_view digits, uint64_t& size) {
    if (digits.empty()) return false;
    uint64_t value = 0;
    for (char c : digits) {
        if (!detail::is_hex(c) || value >> 60) return false;  // overflow is an attack
        int d = c <= '9' ? c - '0' : (c | 0x20) - 'a' + 10;
        value = value << 4 | static_cast<uint64_t>(d);
    }
    size = value;
    return true;
}

// Fields whose presence in a trailer would change framing or routing.
bool forbidden_in_trailer(std::string_view name) {
    return iequals(name, "content-length") || iequals(name, "transfer-encoding") ||
           iequals(name, "host");
}

}  // namespace

ChunkResult ChunkedDecoder::fail(ParseError error) {
    state_ = State::failed;
    error_ = error;
    return {ChunkStatus::error, 0, {}, error};
}

ChunkResult ChunkedDecoder::decode(std::string_view input) {
    switch (state_) {
        case State::size_line:
            return on_size_line(input);
        case State::data:
            return on_data(input);
        case State::data_crlf:
            return on_data_crlf(input);
        case State::trailer:
            return on_trailer(input);
        case State::done:
            return {ChunkStatus::done};
        case State::failed:
            break;
    }
    return {ChunkStatus::error, 0, {}, error_};
}

ChunkResult ChunkedDecoder::on_size_line(std::string_view input) {
    detail::LineEnd end = detail::find_line_end(input.substr(0, kMaxChunkLine), 0);
    if (end.lf == std::string_view::npos) {
        if (input.size() >= kMaxChunkLine) return fail(ParseError::bad_chunk_extension);
        return {ChunkStatus::need_more};
    }
    if (!end.crlf) return fail(ParseError::bad_chunk_size);
    std::string_view line = input.substr(0, end.lf - 1);
    size_t digits_end = 0;
    while (digits_end < line.size() && detail::is_hex(line[digits_end]))
        ++digits_end;
    std::string_view ext = line.substr(digits_end);
    // Whitespace after the size is only allowed before an extension.
    if (detail::trim_whitespace(ext).empty() && !ext.empty())
        return fail(ParseError::bad_chunk_size);
    if (!ext.empty() && detail::trim_whitespace(ext).front() != ';')
        return fail(ParseError::bad_chunk_size);
    uint64_t size = 0;
    if (!parse_chunk_size(line.substr(0, digits_end), size))
        return fail(ParseError::bad_chunk_size);
    if (!check_extensions(ext)) return fail(ParseError::bad_chunk_extension);
    if (size > max_body_ - total_) return fail(ParseError::body_too_large);
    total_ += size;
    remaining_ = size;
    state_ = size == 0 ? State::trailer : State::data;
    trailer_scanned_ = 0;
    return {ChunkStatus::data, end.lf + 1};
}

ChunkResult ChunkedDecoder::on_data(std::string_view input) {
    size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, input.size()));
    if (n == 0) return {ChunkStatus::need_more};
    remaining_ -= n;
    if (remaining_ == 0) state_ = State::data_crlf;
    return {ChunkStatus::data, n, input.substr(0, n)};
}

ChunkResult ChunkedDecoder::on_data_crlf(std::string_view input) {
    if (input.empty() || (input.size() == 1 && input[0] == '\r')) return {ChunkStatus::need_more};
    if (input[0] != '\r' || input[1] != '\n') return fail(ParseError::missing_chunk_terminator);
    state_ = State::size_line;
    return {ChunkStatus::data, 2};
}

// The trailer section stays unconsumed until its empty line arrives, so its fields can
// be handed out as views; lines are checked as they complete.
ChunkResult ChunkedDecoder::on_trailer(std::string_view input) {
    for (;;) {
        size_t line_start = trailer_scanned_;
        detail::LineEnd end = detail::find_line_end(input, line_start);
        if (end.lf == std::string_view::npos) {
            if (input.size() - line_start > max_trailer_line_ + 1)
                return fail(ParseError::header_line_too_long);
            return {ChunkStatus::need_more};
        }
        if (!end.crlf) {
            // Too long first, as when the line arrives in pieces (see the check above).
            if (end.lf - line_start > max_trailer_line_ + 1)
                return fail(ParseError::header_line_too_long);
            return fail(line_start == end.lf ? ParseError::missing_chunk_terminator
                                             : ParseError::bad_header_value);
        }
        trailer_scanned_ = end.lf + 1;
        std::string_view line = input.substr(line_start, end.lf - 1 - line_start);
        if (line.empty()) break;
        if (line.size() > max_trailer_line_) return fail(ParseError::header_line_too_long);
        if (trailer_fields_.size() >= max_trailers_) return fail(ParseError::too_many_headers);
        detail::FieldSpan span;
        if (ParseError e = detail::parse_field_line(line, static_cast<uint32_t>(line_start), span);
            e != ParseError::none)
            return fail(e);
        if (forbidden_in_trailer(line.substr(0, span.name_length)))
            return fail(ParseError::forbidden_trailer);
        trailer_fields_.push_back(span);
    }
    trailers_.clear();
    for (const detail::FieldSpan& f : trailer_fields_)
        trailers_.push_back(f.view(input.data()));
    state_ = State::done;
    return {ChunkStatus::done, trailer_scanned_};
}

void ChunkedDecoder::reset() {
    state_ = State::size_line;
    remaining_ = total_ = 0;
    trailer_scanned_ = 0;
    trailers_.clear();
    trailer_fields_.clear();
    error_ = ParseError::none;
}

}  // namespace strata::http
