// The request parser over gunicorn's valid request corpus: many small, odd heads
// instead of one typical one. The JSON comes from tests/unit/http/corpus_to_json.py,
// generated at build time (STRATA_CORPUS_JSON; the environment variable of the same
// name overrides the built-in path).
#include <benchmark/benchmark.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

#include "strata/http/request_parser.h"

#ifndef STRATA_CORPUS_JSON
#define STRATA_CORPUS_JSON ""
#endif

namespace {

using strata::http::ParseResult;
using strata::http::ParserOptions;
using strata::http::ParseStatus;
using strata::http::RequestParser;
using strata::http::UnderscoreHeaders;

struct CorpusHead {
    std::string name;
    std::string wire;  // the whole case; the parser must stop at the end of the head
    ParserOptions options;
    size_t head_size = 0;
    std::string method;
    std::string target;
};

struct Corpus {
    std::vector<CorpusHead> heads;
    std::vector<std::string> excluded;  // valid in gunicorn, not parsed here (see why below)
    std::string error;                  // non-empty: nothing to measure
};

std::string from_hex(std::string_view hex) {
    std::string out;
    out.reserve(hex.size() / 2);
    for (size_t i = 0; i + 1 < hex.size(); i += 2)
        out.push_back(static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16)));
    return out;
}

// gunicorn's settings that have a parser option; the rest (proxy_protocol, folding,
// odd methods...) are features the parser may not have, which the setup parse finds.
ParserOptions options_for(const nlohmann::json& settings) {
    ParserOptions options;
    options.limits = strata::http::Limits::gunicorn();
    options.require_host = false;  // gunicorn accepts HTTP/1.1 without Host
    if (settings.contains("limit_request_line"))
        options.limits.request_line = settings["limit_request_line"].get<size_t>();
    if (settings.contains("limit_request_field_size"))
        options.limits.field_line = settings["limit_request_field_size"].get<size_t>();
    if (settings.value("header_map", "drop") == "dangerous")
        options.underscores = UnderscoreHeaders::keep;
    return options;
}

// Where the head ends, found without the parser: after optional empty lines, the first
// CRLF CRLF. Agreeing with it is what makes a setup parse count as correct.
size_t head_end(std::string_view wire) {
    size_t start = 0;
    while (wire.substr(start, 2) == "\r\n")
        start += 2;
    size_t blank = wire.find("\r\n\r\n", start);
    return blank == std::string_view::npos ? 0 : blank + 4;
}

bool parses_as_expected(RequestParser& parser, const CorpusHead& c) {
    parser.reset();
    ParseResult r = parser.parse(c.wire);
    return r.status == ParseStatus::complete && r.consumed == c.head_size &&
           parser.head().method == c.method && parser.head().target == c.target;
}

CorpusHead make_head(const nlohmann::json& item) {
    const nlohmann::json& first = item["requests"].at(0);
    CorpusHead c;
    c.name = item["name"].get<std::string>();
    c.wire = from_hex(item["wire"].get<std::string>());
    c.options = options_for(item["settings"]);
    c.head_size = head_end(c.wire);
    c.method = first["method"].get<std::string>();
    c.target = first["uri"]["raw"].get<std::string>();
    return c;
}

Corpus load_corpus() {
    const char* env = std::getenv("STRATA_CORPUS_JSON");
    const std::string path = env != nullptr ? env : STRATA_CORPUS_JSON;
    std::ifstream in(path);
    Corpus corpus;
    if (path.empty() || !in) {
        corpus.error = "corpus JSON not found: '" + path + "'";
        return corpus;
    }
    for (const nlohmann::json& item : nlohmann::json::parse(in)) {
        if (item["kind"] != "valid") continue;
        CorpusHead c = make_head(item);
        RequestParser parser(c.options);
        if (parses_as_expected(parser, c))
            corpus.heads.push_back(std::move(c));
        else
            corpus.excluded.push_back(c.name);
    }
    if (corpus.heads.empty()) corpus.error = "no corpus case parses";
    return corpus;
}

const Corpus& corpus() {
    static const Corpus loaded = [] {
        Corpus c = load_corpus();
        if (!c.excluded.empty()) {
            std::fprintf(stderr,
                         "corpus: %zu valid cases not parsed, left out:", c.excluded.size());
            for (const std::string& name : c.excluded)
                std::fprintf(stderr, " %s", name.c_str());
            std::fprintf(stderr, "\n");
        }
        return c;
    }();
    return loaded;
}

// One iteration parses every accepted head once, each with its own parser options.
void BM_ParseGunicornCorpus(benchmark::State& state) {
    const Corpus& c = corpus();
    if (!c.error.empty()) {
        state.SkipWithError(c.error.c_str());
        return;
    }
    std::vector<RequestParser> parsers;
    size_t bytes = 0;
    for (const CorpusHead& head : c.heads) {
        parsers.emplace_back(head.options);
        bytes += head.head_size;
    }
    for (auto _ : state) {
        for (size_t i = 0; i < c.heads.size(); ++i) {
            if (!parses_as_expected(parsers[i], c.heads[i])) {
                state.SkipWithError(("corpus case parsed wrong: " + c.heads[i].name).c_str());
                return;
            }
        }
    }
    const auto passes = static_cast<int64_t>(state.iterations());
    const auto heads = passes * static_cast<int64_t>(c.heads.size());
    state.SetBytesProcessed(passes * static_cast<int64_t>(bytes));
    state.counters["requests/s"] =
        benchmark::Counter(static_cast<double>(heads), benchmark::Counter::kIsRate);
    state.counters["cases"] = static_cast<double>(c.heads.size());
    state.counters["left_out"] = static_cast<double>(c.excluded.size());
}
BENCHMARK(BM_ParseGunicornCorpus);

}  // namespace
