// Conformance with gunicorn's HTTP/1.x request corpus (../shared/corpus/gunicorn-requests):
// every valid case must parse to exactly the expected requests, every invalid case must
// be rejected for a fitting reason. corpus_to_json.py turns the fixtures into the JSON
// read here; the corpus README is the specification of both the fixtures and of how
// gunicorn drives them.
//
// Each case is driven the way a connection drives the parser: an optional PROXY header,
// then request heads and their bodies until the input ends or a message closes the
// connection. Every case runs under several ways of cutting the input into reads,
// because an incremental parser's bugs live at the read boundaries.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdint>
#include <fstream>
#include <map>
#include <optional>
#include <random>
#include <sstream>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "strata/http/chunked_decoder.h"
#include "strata/http/proxy_protocol.h"
#include "strata/http/request_parser.h"

namespace strata::http {
namespace {

using nlohmann::json;

constexpr size_t kValidCases = 63;
constexpr size_t kInvalidCases = 74;

// ---------------------------------------------------------------------------
// The corpus, as corpus_to_json.py wrote it.

struct Field {
    std::string name;  // upper-cased, as gunicorn reports names
    std::string value;
    bool operator==(const Field&) const = default;
};

struct Target {
    std::string raw, path, query, fragment;
};

struct Message {
    std::string method;
    Target target;
    int major = 1, minor = 1;
    std::vector<Field> headers;
    std::string body;
    std::vector<Field> trailers;
};

struct Case {
    std::string name;  // "valid/001"
    bool valid = true;
    std::string wire;
    json settings;
    std::vector<Message> requests;  // valid cases
    std::string error;              // invalid cases: gunicorn's exception class
};

// JSON strings carry latin-1 text as code points U+0000..U+00FF; turn them back into bytes.
std::string latin1(const json& value) {
    const std::string utf8 = value.get<std::string>();
    std::string out;
    for (size_t i = 0; i < utf8.size(); ++i) {
        const auto lead = static_cast<unsigned char>(utf8[i]);
        if (lead < 0x80) {
            out += static_cast<char>(lead);
        } else if ((lead == 0xC2 || lead == 0xC3) && i + 1 < utf8.size()) {
            const auto next = static_cast<unsigned char>(utf8[++i]);
            out += static_cast<char>(((lead & 0x03) << 6) | (next & 0x3F));
        } else {
            throw std::runtime_error("string outside latin-1: " + utf8);
        }
    }
    return out;
}

std::string from_hex(const json& value) {
    const std::string hex = value.get<std::string>();
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    return out;
}

std::vector<Field> fields_from(const json& pairs) {
    std::vector<Field> out;
    for (const json& pair : pairs)
        out.push_back({latin1(pair.at(0)), latin1(pair.at(1))});
    return out;
}

Message message_from(const json& j) {
    const json& uri = j.at("uri");
    return {latin1(j.at("method")),
            {latin1(uri.at("raw")), latin1(uri.at("path")), latin1(uri.at("query")),
             latin1(uri.at("fragment"))},
            j.at("version").at(0).get<int>(),
            j.at("version").at(1).get<int>(),
            fields_from(j.at("headers")),
            from_hex(j.at("body")),
            fields_from(j.at("trailers"))};
}

Case case_from(const json& j) {
    Case c;
    c.name = j.at("name").get<std::string>();
    c.valid = j.at("kind").get<std::string>() == "valid";
    c.wire = from_hex(j.at("wire"));
    c.settings = j.at("settings");
    if (c.valid) {
        for (const json& request : j.at("requests"))
            c.requests.push_back(message_from(request));
    } else {
        c.error = j.at("error").get<std::string>();
    }
    return c;
}

// gtest prints a failing test's parameter; the name is what identifies a case.
void PrintTo(const Case& c, std::ostream* out) {
    *out << c.name;
}

struct Corpus {
    std::vector<Case> cases;
    std::string load_error;  // why the JSON could not be read; the count test shows it
};

Corpus load_corpus() {
    Corpus corpus;
    std::ifstream in(STRATA_CORPUS_JSON);
    if (!in) {
        corpus.load_error = "cannot open " STRATA_CORPUS_JSON;
        return corpus;
    }
    try {
        for (const json& j : json::parse(in))
            corpus.cases.push_back(case_from(j));
    } catch (const std::exception& e) {  // bad JSON must fail the count test, not abort discovery
        corpus.load_error = std::string(STRATA_CORPUS_JSON ": ") + e.what();
        corpus.cases.clear();
    }
    return corpus;
}

const Corpus& corpus() {
    static const Corpus loaded = load_corpus();
    return loaded;
}

// ---------------------------------------------------------------------------
// Cases Strata answers differently from gunicorn on purpose: gunicorn options Strata
// does not offer, a check that belongs to another layer, and an expectation RFC 9112
// forbids. Each is asserted to get Strata's answer; none is skipped.

struct PolicyCase {
    std::string_view name;
    bool accept;       // true: must parse without error; false: must fail with `error`
    ParseError error;  // when !accept
    std::string_view reason;
};

constexpr PolicyCase kPolicy[] = {
    {"valid/compat_obs_fold", false, ParseError::obsolete_folding,
     "needs permit_obsolete_folding; Strata always rejects obs-fold (RFC 9112 §5.2 allows it)"},
    {"valid/compat_obs_fold_huge", false, ParseError::obsolete_folding,
     "needs permit_obsolete_folding; Strata always rejects obs-fold"},
    {"invalid/013", false, ParseError::obsolete_folding,
     "gunicorn's LimitRequestHeaders comes from joining a folded line under "
     "permit_obsolete_folding; Strata rejects the fold itself"},
    {"valid/028", false, ParseError::bad_header_name,
     "needs strip_header_spaces; Strata always rejects whitespace before the colon "
     "(RFC 9112 §5.1 requires it)"},
    {"valid/031compat", false, ParseError::bad_method,
     "needs permit_unconventional_http_method; Strata's methods are upper-case tokens, "
     "as nginx's"},
    {"valid/031compat2", false, ParseError::bad_method,
     "needs permit_unconventional_http_method; Strata's methods are upper-case tokens, "
     "as nginx's"},
    {"valid/009", false, ParseError::bad_transfer_encoding,
     "Transfer-Encoding: identity (no chunked) beside Content-Length; RFC 9112 §6.3 says a "
     "request whose Transfer-Encoding does not end in chunked MUST get 400, and §6.1 lets "
     "a server reject Content-Length with Transfer-Encoding"},
    {"valid/025", false, ParseError::unsupported_transfer_encoding,
     "gzip before chunked: gunicorn passes the still-compressed body on; Strata answers "
     "501 for any coding but chunked, as nginx does (RFC 9112 §6.1 allows it)"},
    {"valid/025_line", false, ParseError::unsupported_transfer_encoding,
     "\"gzip,chunked\": 501 for any coding but chunked, as nginx does"},
    {"valid/rfc9112_smuggle_gzip_chunked_01", false, ParseError::unsupported_transfer_encoding,
     "\"gzip, chunked\": 501 for any coding but chunked, as nginx does"},
    {"invalid/019", true, ParseError::none,
     "InvalidSchemeHeaders (X-Forwarded-Proto vs X-Forwarded-Ssl with "
     "forwarded_allow_ips='*') is the WSGI layer's check; the HTTP is valid"},
};

const PolicyCase* policy_for(std::string_view name) {
    for (const PolicyCase& p : kPolicy)
        if (p.name == name) return &p;
    return nullptr;
}

// gunicorn's options that Strata does not offer; a case may set them only if it is in kPolicy.
constexpr std::string_view kUnofferedSettings[] = {"permit_obsolete_folding", "strip_header_spaces",
                                                   "permit_unconventional_http_method",
                                                   "casefold_http_method", "forwarded_allow_ips"};

// Fixture faults rather than parser behaviour.
struct CorpusQuirk {
    std::string_view name;
    std::string_view reason;
};

constexpr CorpusQuirk kShortBodyAtEnd[] = {
    {"valid/099",
     "Content-Length says 17914 but only 8599 body bytes follow; gunicorn's length reader "
     "stops quietly at end of input, a connection sees a client that went away. The head "
     "and the bytes that did arrive must still match."},
};

bool short_body_allowed(std::string_view name) {
    return std::any_of(std::begin(kShortBodyAtEnd), std::end(kShortBodyAtEnd),
                       [&](const CorpusQuirk& q) { return q.name == name; });
}

// ---------------------------------------------------------------------------
// gunicorn's settings → Strata's parser options.

struct CaseOptions {
    ParserOptions options;
    bool proxy_protocol = false;  // gunicorn's "auto": a v1 or v2 header may come first
};

void apply_setting(const std::string& name, const json& value, CaseOptions& setup,
                   std::vector<std::string>& problems) {
    Limits& limits = setup.options.limits;
    if (name == "limit_request_line" && value.is_number_integer() && value.get<int>() > 0) {
        limits.request_line = value.get<size_t>();
    } else if (name == "limit_request_field_size" && value.is_number_integer() &&
               value.get<int>() >= 0) {
        // gunicorn documents 0 as "unlimited" but its parser falls back to its default
        // (8190); invalid/limit_header_default_01 depends on that.
        limits.field_line = value.get<size_t>() == 0 ? kGunicornMaxFieldLine : value.get<size_t>();
    } else if (name == "limit_request_fields" && value.is_number_integer() &&
               value.get<int>() > 0) {
        limits.fields = value.get<size_t>();
    } else if (name == "header_map" && value == "drop") {
        setup.options.underscores = UnderscoreHeaders::drop;
    } else if (name == "header_map" && value == "refuse") {
        setup.options.underscores = UnderscoreHeaders::refuse;
    } else if (name == "header_map" && value == "dangerous") {
        setup.options.underscores = UnderscoreHeaders::keep;
    } else if (name == "proxy_protocol" && value.is_boolean()) {
        setup.proxy_protocol = value.get<bool>();
    } else {
        problems.push_back("setting " + name + "=" + value.dump() + " has no Strata equivalent");
    }
}

bool unoffered(std::string_view name) {
    return std::find(std::begin(kUnofferedSettings), std::end(kUnofferedSettings), name) !=
           std::end(kUnofferedSettings);
}

// Options for one case; anything the harness cannot map is a problem, never ignored.
CaseOptions setup_for(const Case& c, std::vector<std::string>& problems) {
    CaseOptions setup;
    setup.options.limits = Limits::gunicorn();
    // gunicorn accepts HTTP/1.1 without Host; Strata's server requires it (RFC 9112 §3.2),
    // but the corpus follows gunicorn, so the parser's check is off here.
    setup.options.require_host = false;
    setup.options.underscores = UnderscoreHeaders::drop;
    for (const auto& [name, value] : c.settings.items()) {
        if (unoffered(name)) {
            if (!policy_for(c.name))
                problems.push_back("sets " + name +
                                   ", which Strata does not offer: list it in kPolicy");
            continue;
        }
        apply_setting(name, value, setup, problems);
    }
    return setup;
}

// ---------------------------------------------------------------------------
// The request-target split the way gunicorn reports it: Python's urlsplit, except that a
// target starting with "//" is all path (gunicorn splits "." + target and drops the dot).

bool is_scheme_char(char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '+' ||
           c == '-' || c == '.';
}

// urlsplit takes everything before the first ':' as a scheme when it starts with a letter
// and holds only scheme characters; hence "example.com:443" has the path "443".
std::string_view drop_scheme(std::string_view rest) {
    const size_t colon = rest.find(':');
    if (colon == std::string_view::npos || colon == 0) return rest;
    const char first = rest[0];
    if (!((first >= 'a' && first <= 'z') || (first >= 'A' && first <= 'Z'))) return rest;
    const std::string_view scheme = rest.substr(0, colon);
    if (!std::all_of(scheme.begin(), scheme.end(), is_scheme_char)) return rest;
    return rest.substr(colon + 1);
}

std::string_view drop_authority(std::string_view rest) {
    if (rest.substr(0, 2) != "//") return rest;
    const size_t end = rest.find_first_of("/?#", 2);
    return end == std::string_view::npos ? std::string_view{} : rest.substr(end);
}

Target split_target(std::string_view raw) {
    std::string_view rest = raw;
    if (rest.substr(0, 2) != "//") rest = drop_authority(drop_scheme(rest));
    Target t{std::string(raw), {}, {}, {}};
    if (const size_t hash = rest.find('#'); hash != std::string_view::npos) {
        t.fragment = rest.substr(hash + 1);
        rest = rest.substr(0, hash);
    }
    if (const size_t question = rest.find('?'); question != std::string_view::npos) {
        t.query = rest.substr(question + 1);
        rest = rest.substr(0, question);
    }
    t.path = rest;
    return t;
}

// ---------------------------------------------------------------------------
// A connection's view of the parser: buffered bytes in, requests or an error out.

enum class Stage { proxy, head, length_body, chunked_body, closed, failed };

std::string_view stage_name(Stage stage) {
    switch (stage) {
        case Stage::proxy:
            return "PROXY header";
        case Stage::head:
            return "request head";
        case Stage::length_body:
            return "Content-Length body";
        case Stage::chunked_body:
            return "chunked body";
        case Stage::closed:
            return "closed";
        case Stage::failed:
            return "failed";
    }
    return "?";
}

struct Observed {
    std::vector<Message> requests;  // a request cut short by the end of input comes last
    ParseError error = ParseError::none;
    Stage error_stage = Stage::head;
    std::string harness_error;                // the parser broke its own contract
    std::optional<Stage> input_ended_inside;  // end of input in the middle of a message
};

std::string upper(std::string_view s) {
    std::string out(s);
    for (char& c : out)
        if (c >= 'a' && c <= 'z') c = static_cast<char>(c - 'a' + 'A');
    return out;
}

std::vector<Field> copy_fields(const std::vector<Header>& headers) {
    std::vector<Field> out;
    for (const Header& h : headers)
        out.push_back({upper(h.name), std::string(h.value)});
    return out;
}

Message copy_head(const RequestHead& head) {
    Message m;
    m.method = head.method;
    m.target = split_target(head.target);
    switch (head.version) {
        case Version::http09:
            m.major = 0, m.minor = 9;
            break;
        case Version::http10:
            m.major = 1, m.minor = 0;
            break;
        case Version::http11:
            m.major = 1, m.minor = 1;
            break;
        case Version::http2:  // the HTTP/1 parser never produces it
            m.major = 2, m.minor = 0;
            break;
    }
    m.headers = copy_fields(head.headers);
    return m;
}

enum class ProxyPrefix { absent, present, undecided };

// gunicorn's "auto" mode: a PROXY header is optional, so look before handing the bytes
// to parse_proxy_protocol (which, like nginx's listen … proxy_protocol, requires one).
ProxyPrefix proxy_prefix(std::string_view input) {
    constexpr std::string_view kV1 = "PROXY ";
    constexpr std::string_view kV2{"\r\n\r\n\0\r\nQUIT\n", 12};
    bool undecided = false;
    for (std::string_view signature : {kV1, kV2}) {
        const size_t n = std::min(input.size(), signature.size());
        if (input.substr(0, n) != signature.substr(0, n)) continue;
        if (n == signature.size()) return ProxyPrefix::present;
        undecided = true;
    }
    return undecided ? ProxyPrefix::undecided : ProxyPrefix::absent;
}

class Connection {
  public:
    Connection(const CaseOptions& setup, bool relocate)
        : parser_(setup.options),
          decoder_(setup.options.limits.body, setup.options.limits.field_line,
                   setup.options.limits.fields),
          stage_(setup.proxy_protocol ? Stage::proxy : Stage::head),
          relocate_(relocate) {}

    bool done() const { return stage_ == Stage::closed || stage_ == Stage::failed; }

    void receive(std::string_view bytes) {
        if (relocate_) {
            move_buffer(bytes);
        } else {
            buffer_.append(bytes);
        }
        while (step()) {
        }
    }

    Observed finish() {
        const bool idle = stage_ == Stage::head || stage_ == Stage::proxy;
        if (!done() && !(idle && buffer_.empty())) {
            if (stage_ != Stage::proxy && stage_ != Stage::head)
                observed_.requests.push_back(current_);
            observed_.input_ended_inside = stage_;
        }
        return observed_;
    }

  private:
    // Gives the unconsumed bytes a new home and frees the old one, so a view the parser
    // kept into the old buffer is a use-after-free the sanitizer reports.
    void move_buffer(std::string_view more = {}) {
        std::string moved;
        // Past the small-string buffer, so the bytes really leave the old address.
        moved.reserve(std::max<size_t>(buffer_.size() + more.size(), 64));
        moved.append(buffer_).append(more);
        buffer_.swap(moved);
    }

    void consume(size_t n) { buffer_.erase(0, n); }

    bool step() {
        switch (stage_) {
            case Stage::proxy:
                return step_proxy();
            case Stage::head:
                return step_head();
            case Stage::length_body:
                return step_length_body();
            case Stage::chunked_body:
                return step_chunked_body();
            case Stage::closed:
            case Stage::failed:
                return false;
        }
        return false;
    }

    bool step_proxy() {
        switch (proxy_prefix(buffer_)) {
            case ProxyPrefix::undecided:
                return false;
            case ProxyPrefix::absent:
                stage_ = Stage::head;
                return true;
            case ProxyPrefix::present:
                break;
        }
        ProxyInfo info;
        const ProxyParseResult r = parse_proxy_protocol(buffer_, info);
        if (r.status == ParseStatus::need_more) return false;
        if (r.status == ParseStatus::error) return fail(r.error);
        if (r.consumed == 0) return contract_broken("PROXY header complete with 0 bytes consumed");
        consume(r.consumed);
        stage_ = Stage::head;
        return true;
    }

    bool step_head() {
        const ParseResult r = parser_.parse(buffer_);
        if (r.status == ParseStatus::need_more) return false;
        if (r.status == ParseStatus::error) return fail(r.error);
        if (r.consumed == 0 || r.consumed > buffer_.size())
            return contract_broken("head complete with consumed=" + std::to_string(r.consumed));
        if (relocate_) {
            move_buffer();
            parser_.rebind(buffer_);
        }
        start_body(parser_.head());
        consume(r.consumed);
        return true;
    }

    void start_body(const RequestHead& head) {
        current_ = copy_head(head);
        keep_alive_ = head.keep_alive;
        switch (head.body) {
            case BodyKind::none:
                finish_message();
                break;
            case BodyKind::length:
                remaining_ = head.content_length;
                stage_ = Stage::length_body;
                if (remaining_ == 0) finish_message();
                break;
            case BodyKind::chunked:
                decoder_.reset();
                stage_ = Stage::chunked_body;
                break;
        }
    }

    bool step_length_body() {
        const size_t n = static_cast<size_t>(std::min<uint64_t>(remaining_, buffer_.size()));
        if (n == 0) return false;
        current_.body.append(buffer_, 0, n);
        consume(n);
        remaining_ -= n;
        if (remaining_ == 0) finish_message();
        return true;
    }

    bool step_chunked_body() {
        const ChunkResult r = decoder_.decode(buffer_);
        if (r.status == ChunkStatus::error) return fail(r.error);
        if (r.consumed > buffer_.size())
            return contract_broken("decoder consumed more than it was given");
        current_.body.append(r.data);
        if (r.status == ChunkStatus::done) current_.trailers = copy_fields(decoder_.trailers());
        consume(r.consumed);
        if (r.status == ChunkStatus::done) finish_message();
        if (r.status == ChunkStatus::data && r.consumed == 0)
            return contract_broken("decoder returned data without consuming anything");
        return r.status != ChunkStatus::need_more;
    }

    // gunicorn parses nothing after a message that closes the connection.
    void finish_message() {
        observed_.requests.push_back(std::move(current_));
        current_ = {};
        parser_.reset();
        stage_ = keep_alive_ ? Stage::head : Stage::closed;
    }

    bool fail(ParseError error) {
        observed_.error = error;
        observed_.error_stage = stage_;
        stage_ = Stage::failed;
        return false;
    }

    bool contract_broken(std::string what) {
        observed_.harness_error = std::move(what);
        stage_ = Stage::failed;
        return false;
    }

    RequestParser parser_;
    ChunkedDecoder decoder_;
    Stage stage_;
    bool relocate_;
    std::string buffer_;  // received, not yet consumed
    Message current_;
    bool keep_alive_ = false;
    uint64_t remaining_ = 0;
    Observed observed_;
};

// ---------------------------------------------------------------------------
// Ways of cutting the input into reads.

struct FeedPlan {
    std::string name;
    std::vector<size_t> reads;  // sizes, summing to the input's size
    bool relocate = false;      // move the buffer in memory before every parse
};

std::vector<size_t> repeat(size_t size, size_t read) {
    return std::vector<size_t>(size / read, read);
}

std::vector<size_t> line_reads(std::string_view wire) {
    std::vector<size_t> reads;
    size_t start = 0;
    for (size_t crlf = wire.find("\r\n"); crlf != std::string_view::npos;
         crlf = wire.find("\r\n", start)) {
        reads.push_back(crlf + 2 - start);
        start = crlf + 2;
    }
    if (start < wire.size()) reads.push_back(wire.size() - start);
    return reads;
}

// Fixed seeds keep failures reproducible; mt19937's output is fixed by the standard,
// unlike the distributions, so the sizes are taken modulo by hand.
std::vector<size_t> random_reads(size_t size, size_t max_read, uint32_t seed) {
    std::mt19937 rng(seed);
    std::vector<size_t> reads;
    for (size_t left = size; left > 0;) {
        const size_t n = std::min<size_t>(left, 1 + rng() % std::max<size_t>(max_read, 1));
        reads.push_back(n);
        left -= n;
    }
    return reads;
}

std::vector<FeedPlan> feed_plans(std::string_view wire) {
    const size_t size = wire.size();
    std::vector<FeedPlan> plans = {
        {"whole", {size}, false},
        {"byte_by_byte", repeat(size, 1), false},
        {"byte_by_byte_moving", repeat(size, 1), true},
        // The request-line limit must not fire on a prefix (valid/099 in gunicorn's suite).
        {"one_byte_then_rest", {1, size - 1}, false},
        {"line_by_line_moving", line_reads(wire), true},
    };
    for (uint32_t seed = 1; seed <= 4; ++seed)
        plans.push_back({"random_seed" + std::to_string(seed), random_reads(size, size / 10, seed),
                         seed % 2 == 0});
    plans.push_back({"random_small_seed5", random_reads(size, 4, 5), true});
    return plans;
}

Observed run(const Case& c, const CaseOptions& setup, const FeedPlan& plan) {
    Connection connection(setup, plan.relocate);
    size_t offset = 0;
    for (size_t n : plan.reads) {
        if (connection.done()) break;
        connection.receive(std::string_view(c.wire).substr(offset, n));
        offset += n;
    }
    return connection.finish();
}

// ---------------------------------------------------------------------------
// Comparing what the parser produced with what gunicorn expects.

std::string error_name(ParseError e) {
    switch (e) {
        case ParseError::none:
            return "none";
        case ParseError::bad_request_line:
            return "bad_request_line";
        case ParseError::bad_method:
            return "bad_method";
        case ParseError::bad_target:
            return "bad_target";
        case ParseError::bad_version:
            return "bad_version";
        case ParseError::unsupported_version:
            return "unsupported_version";
        case ParseError::bad_header_name:
            return "bad_header_name";
        case ParseError::bad_header_value:
            return "bad_header_value";
        case ParseError::obsolete_folding:
            return "obsolete_folding";
        case ParseError::refused_header_name:
            return "refused_header_name";
        case ParseError::missing_host:
            return "missing_host";
        case ParseError::duplicate_header:
            return "duplicate_header";
        case ParseError::bad_content_length:
            return "bad_content_length";
        case ParseError::length_and_chunked:
            return "length_and_chunked";
        case ParseError::bad_transfer_encoding:
            return "bad_transfer_encoding";
        case ParseError::unsupported_transfer_encoding:
            return "unsupported_transfer_encoding";
        case ParseError::request_line_too_long:
            return "request_line_too_long";
        case ParseError::header_line_too_long:
            return "header_line_too_long";
        case ParseError::too_many_headers:
            return "too_many_headers";
        case ParseError::body_too_large:
            return "body_too_large";
        case ParseError::bad_chunk_size:
            return "bad_chunk_size";
        case ParseError::bad_chunk_extension:
            return "bad_chunk_extension";
        case ParseError::missing_chunk_terminator:
            return "missing_chunk_terminator";
        case ParseError::forbidden_trailer:
            return "forbidden_trailer";
        case ParseError::bad_proxy_header:
            return "bad_proxy_header";
        case ParseError::bad_status_line:
            return "bad_status_line";
        case ParseError::bad_status_code:
            return "bad_status_code";
        case ParseError::response_head_too_large:
            return "response_head_too_large";
    }
    return "ParseError(" + std::to_string(static_cast<int>(e)) + ")";
}

// Printable, bounded rendering of bytes for failure messages.
std::string show(std::string_view bytes) {
    constexpr size_t kMax = 100;
    std::string out = "\"";
    for (size_t i = 0; i < bytes.size() && i < kMax; ++i) {
        const auto c = static_cast<unsigned char>(bytes[i]);
        if (c >= 0x20 && c < 0x7F && c != '"' && c != '\\') {
            out += static_cast<char>(c);
        } else {
            constexpr char kHex[] = "0123456789abcdef";
            out += "\\x";
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    out += bytes.size() > kMax ? "\"… (" + std::to_string(bytes.size()) + " bytes)" : "\"";
    return out;
}

std::string show(const std::vector<Field>& fields) {
    std::string out = "[";
    for (const Field& f : fields)
        out += (out.size() > 1 ? ", " : "") + show(f.name) + ": " + show(f.value);
    return out + "]";
}

std::string outcome(const Observed& o) {
    if (!o.harness_error.empty()) return "parser contract broken: " + o.harness_error;
    if (o.error != ParseError::none)
        return "error " + error_name(o.error) + " in the " +
               std::string(stage_name(o.error_stage)) + " of request #" +
               std::to_string(o.requests.size() + 1);
    if (o.input_ended_inside)
        return "input ended inside the " + std::string(stage_name(*o.input_ended_inside));
    return "accepted " + std::to_string(o.requests.size()) + " request(s)";
}

void compare(std::string_view what, const std::string& expected, const std::string& got,
             std::vector<std::string>& problems) {
    if (expected != got)
        problems.push_back(std::string(what) + ": expected " + show(expected) + ", got " +
                           show(got));
}

void compare_fields(std::string_view what, const std::vector<Field>& expected,
                    const std::vector<Field>& got, std::vector<std::string>& problems) {
    if (expected != got)
        problems.push_back(std::string(what) + ": expected " + show(expected) + ", got " +
                           show(got));
}

void compare_message(size_t index, const Message& e, const Message& g,
                     std::vector<std::string>& problems) {
    const std::string at = "request #" + std::to_string(index + 1) + " ";
    compare(at + "method", e.method, g.method, problems);
    compare(at + "target", e.target.raw, g.target.raw, problems);
    compare(at + "path", e.target.path, g.target.path, problems);
    compare(at + "query", e.target.query, g.target.query, problems);
    compare(at + "fragment", e.target.fragment, g.target.fragment, problems);
    if (e.major != g.major || e.minor != g.minor)
        problems.push_back(at + "version: expected " + std::to_string(e.major) + "." +
                           std::to_string(e.minor) + ", got " + std::to_string(g.major) + "." +
                           std::to_string(g.minor));
    compare_fields(at + "headers", e.headers, g.headers, problems);
    compare(at + "body", e.body, g.body, problems);
    compare_fields(at + "trailers", e.trailers, g.trailers, problems);
}

std::vector<std::string> check_valid(const Case& c, const Observed& o) {
    std::vector<std::string> problems;
    const bool short_body_ok =
        o.input_ended_inside == Stage::length_body && short_body_allowed(c.name);
    if (o.error != ParseError::none || !o.harness_error.empty() ||
        (o.input_ended_inside && !short_body_ok))
        problems.push_back(outcome(o));
    if (short_body_allowed(c.name) && o.input_ended_inside != Stage::length_body)
        problems.push_back("kShortBodyAtEnd lists this case but its body was complete: " +
                           outcome(o));
    if (o.requests.size() != c.requests.size())
        problems.push_back("expected " + std::to_string(c.requests.size()) + " request(s), got " +
                           std::to_string(o.requests.size()));
    for (size_t i = 0; i < std::min(o.requests.size(), c.requests.size()); ++i)
        compare_message(i, c.requests[i], o.requests[i], problems);
    return problems;
}

// Which Strata errors answer each gunicorn exception. Where gunicorn only sees the
// end of the input, a pure incremental parser reports need_more: that counts as
// rejection when `end_of_input` is set.
struct Allowed {
    std::vector<ParseError> errors;
    bool end_of_input = false;
};

const std::map<std::string, Allowed, std::less<>>& error_mapping() {
    using E = ParseError;
    static const std::map<std::string, Allowed, std::less<>> mapping = {
        {"NoMoreData", {{}, true}},
        {"InvalidRequestLine", {{E::bad_request_line, E::bad_target}}},
        // gunicorn's own harness accepts InvalidRequestLine for its C parser here.
        {"InvalidRequestMethod", {{E::bad_method, E::bad_request_line}}},
        {"InvalidHTTPVersion", {{E::bad_version, E::unsupported_version}}},
        {"InvalidHeaderName", {{E::bad_header_name, E::refused_header_name, E::forbidden_trailer}}},
        {"InvalidHeader",
         {{E::bad_header_value, E::duplicate_header, E::bad_content_length, E::length_and_chunked,
           E::bad_transfer_encoding}}},
        {"ObsoleteFolding", {{E::obsolete_folding}}},
        {"LimitRequestLine", {{E::request_line_too_long}}},
        {"LimitRequestHeaders", {{E::header_line_too_long, E::too_many_headers}}},
        {"InvalidChunkSize", {{E::bad_chunk_size}}},
        {"InvalidChunkExtension", {{E::bad_chunk_extension}}},
        {"ChunkMissingTerminator", {{E::missing_chunk_terminator}, true}},
        {"InvalidProxyLine", {{E::bad_proxy_header}}},
    };
    return mapping;
}

std::vector<std::string> check_invalid(const Case& c, const Observed& o) {
    const auto& mapping = error_mapping();
    const auto it = mapping.find(c.error);
    if (it == mapping.end()) return {"no Strata error is mapped to " + c.error};
    const Allowed& allowed = it->second;
    if (!o.harness_error.empty()) return {outcome(o)};
    const bool fits =
        std::find(allowed.errors.begin(), allowed.errors.end(), o.error) != allowed.errors.end();
    if (o.error != ParseError::none && fits) return {};
    if (o.error == ParseError::none && o.input_ended_inside && allowed.end_of_input) return {};
    return {"expected " + c.error + ", got " + outcome(o)};
}

std::vector<std::string> check_policy(const PolicyCase& p, const Observed& o) {
    if (p.accept) {
        if (o.error == ParseError::none && o.harness_error.empty() && !o.input_ended_inside &&
            !o.requests.empty())
            return {};
        return {"expected the parser to accept it, got " + outcome(o)};
    }
    if (o.error == p.error) return {};
    return {"expected " + error_name(p.error) + ", got " + outcome(o)};
}

std::vector<std::string> check(const Case& c, const Observed& o) {
    if (const PolicyCase* p = policy_for(c.name)) return check_policy(*p, o);
    return c.valid ? check_valid(c, o) : check_invalid(c, o);
}

// ---------------------------------------------------------------------------
// The tests.

std::vector<Case> all_cases() {
    return corpus().cases;
}

std::string test_name(const testing::TestParamInfo<Case>& info) {
    std::string name = info.param.name;
    for (char& ch : name)
        if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
    return name;
}

class CorpusConformance : public testing::TestWithParam<Case> {};

// Every feed plan runs; plans with the same problems are reported together.
TEST_P(CorpusConformance, Case) {
    const Case& c = GetParam();
    std::vector<std::string> setup_problems;
    const CaseOptions setup = setup_for(c, setup_problems);
    ASSERT_TRUE(setup_problems.empty()) << c.name << ": " << setup_problems.front();
    if (const PolicyCase* p = policy_for(c.name))
        RecordProperty("strata_policy", std::string(p->reason));

    std::map<std::vector<std::string>, std::vector<std::string>> plans_by_problems;
    for (const FeedPlan& plan : feed_plans(c.wire)) {
        std::vector<std::string> problems = check(c, run(c, setup, plan));
        if (!problems.empty()) plans_by_problems[problems].push_back(plan.name);
    }
    for (const auto& [problems, plans] : plans_by_problems) {
        std::ostringstream message;
        message << c.name << " (" << (c.valid ? "valid" : "invalid: " + c.error)
                << ") fails when fed";
        for (const std::string& plan : plans)
            message << ' ' << plan;
        for (const std::string& problem : problems)
            message << "\n  " << problem;
        ADD_FAILURE() << message.str();
    }
}

INSTANTIATE_TEST_SUITE_P(Gunicorn, CorpusConformance, testing::ValuesIn(all_cases()), test_name);

// A missing or truncated corpus must never pass by running nothing.
TEST(CorpusConformanceTotals, HasEveryCase) {
    const Corpus& loaded = corpus();
    ASSERT_TRUE(loaded.load_error.empty()) << loaded.load_error;
    const auto valid = std::count_if(loaded.cases.begin(), loaded.cases.end(),
                                     [](const Case& c) { return c.valid; });
    EXPECT_EQ(loaded.cases.size(), kValidCases + kInvalidCases);
    EXPECT_EQ(static_cast<size_t>(valid), kValidCases);
    EXPECT_EQ(loaded.cases.size() - static_cast<size_t>(valid), kInvalidCases);
}

// A stale table row would hide nothing, but it would mislead whoever reads the table.
TEST(CorpusConformanceTotals, TablesNameRealCases) {
    const auto& cases = corpus().cases;
    auto exists = [&](std::string_view name) {
        return std::any_of(cases.begin(), cases.end(),
                           [&](const Case& c) { return c.name == name; });
    };
    for (const PolicyCase& p : kPolicy)
        EXPECT_TRUE(exists(p.name)) << p.name;
    for (const CorpusQuirk& q : kShortBodyAtEnd)
        EXPECT_TRUE(exists(q.name)) << q.name;
}

// The urlsplit rules the comparison relies on, pinned by the README's own examples.
TEST(CorpusConformanceTotals, SplitsTargetsLikeGunicorn) {
    auto parts = [](std::string_view raw) {
        const Target t = split_target(raw);
        return t.path + "|" + t.query + "|" + t.fragment;
    };
    EXPECT_EQ(parts("/forums/1/topics/2375?page=1#posts-17408"),
              "/forums/1/topics/2375|page=1|posts-17408");
    EXPECT_EQ(parts("///keeping_slashes"), "///keeping_slashes||");
    EXPECT_EQ(parts("//a?b#c"), "//a|b|c");
    EXPECT_EQ(parts("example.com:443"), "443||");
    EXPECT_EQ(parts("[::1]:443"), "[::1]:443||");
    EXPECT_EQ(parts("*"), "*||");
    EXPECT_EQ(parts("http://example.com/foo?q=1"), "/foo|q=1|");
    EXPECT_EQ(parts("http://example.com"), "||");
    EXPECT_EQ(parts("/a:b"), "/a:b||");
}

}  // namespace
}  // namespace strata::http
