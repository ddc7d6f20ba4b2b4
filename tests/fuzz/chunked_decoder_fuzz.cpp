// The chunked body decoder, fed whole and fed as a connection's buffer fills in three
// reads (consumed bytes leave the buffer, the rest stays for the next call). Properties:
// the same outcome, decoded bytes, body size and trailers either way; consumed never
// exceeds what was passed; data views point into the input; no more than max_body bytes.
//
// Input: [limits byte][split byte][split byte] chunked body bytes…
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "strata/http/chunked_decoder.h"

namespace strata::fuzz {
namespace {

using http::ChunkedDecoder;
using http::ChunkResult;
using http::ChunkStatus;

struct Outcome {
    ChunkStatus status = ChunkStatus::need_more;
    http::ParseError error = http::ParseError::none;
    std::string body;
    size_t consumed = 0;  // of the whole input
    std::vector<std::pair<std::string, std::string>> trailers;
};

// Decodes `input` as it becomes available up to each of `ends`: calls until the decoder
// wants more than is there, then makes more available.
Outcome decode(ChunkedDecoder& decoder, std::string_view input, std::initializer_list<size_t> ends,
               uint64_t max_body) {
    Outcome out;
    for (size_t end : ends) {
        for (;;) {
            std::string_view available = input.substr(out.consumed, end - out.consumed);
            ChunkResult r = decoder.decode(available);
            require(r.consumed <= available.size(), "consumed more than the input");
            require(points_into(r.data, available) && r.data.size() <= r.consumed,
                    "data outside the input");
            out.body.append(r.data);
            out.consumed += r.consumed;
            out.status = r.status;
            out.error = r.error;
            if (r.status != ChunkStatus::data) break;
        }
        if (out.status != ChunkStatus::need_more) break;
    }
    require(out.body.size() <= max_body && decoder.body_size() <= max_body, "body over max_body");
    if (out.status == ChunkStatus::done) {
        require(decoder.body_size() == out.body.size(), "body_size() != decoded bytes");
        for (const http::Header& h : decoder.trailers()) {
            require(points_into(h.name, input) && points_into(h.value, input),
                    "trailer outside the input");
            out.trailers.emplace_back(h.name, h.value);
        }
    }
    return out;
}

void run(FuzzInput in) {
    uint8_t limits = in.byte();
    static constexpr uint64_t kBodies[] = {http::kUnlimitedBody, 16, 0, http::kNginxMaxBody};
    uint64_t max_body = kBodies[limits & 3];
    size_t max_line = limits & 4 ? 16 : http::kNginxMaxFieldLine;
    size_t max_trailers = limits & 8 ? 1 : http::kGunicornMaxFields;
    uint8_t s1 = in.byte(), s2 = in.byte();
    const std::string input(in.rest());
    size_t k1 = split_point(s1, input.size());
    size_t k2 = std::max(k1, split_point(s2, input.size()));

    ChunkedDecoder whole_decoder(max_body, max_line, max_trailers);
    Outcome whole = decode(whole_decoder, input, {input.size()}, max_body);
    ChunkedDecoder split_decoder(max_body, max_line, max_trailers);
    decode(split_decoder, input, {input.size()}, max_body);
    split_decoder.reset();  // reused, as a connection reuses it for the next request
    Outcome split = decode(split_decoder, input, {k1, k2, input.size()}, max_body);

    require(whole.status == split.status, "outcome differs whole vs split");
    require(whole.error == split.error, "error differs whole vs split",
            http::describe(whole.error));
    require(whole.body == split.body, "decoded bytes differ whole vs split");
    require(whole.consumed == split.consumed, "consumed differs whole vs split");
    require(whole.trailers == split.trailers, "trailers differ whole vs split");
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::run(strata::fuzz::FuzzInput(data, size));
    return 0;
}
