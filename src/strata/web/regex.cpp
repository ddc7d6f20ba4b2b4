#include "strata/web/regex.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

namespace strata::web {

struct Regex::Compiled {
    pcre2_code* code = nullptr;
    std::vector<std::pair<std::string, int>> names;
    ~Compiled() { pcre2_code_free(code); }
};

namespace {

// PCRE2's name table: fixed-size entries, each a 16-bit group number (big-endian)
// then the NUL-terminated name.
std::vector<std::pair<std::string, int>> read_name_table(const pcre2_code* code) {
    uint32_t count = 0, entry_size = 0;
    PCRE2_SPTR table = nullptr;
    pcre2_pattern_info(code, PCRE2_INFO_NAMECOUNT, &count);
    pcre2_pattern_info(code, PCRE2_INFO_NAMEENTRYSIZE, &entry_size);
    pcre2_pattern_info(code, PCRE2_INFO_NAMETABLE, &table);
    std::vector<std::pair<std::string, int>> names;
    for (uint32_t i = 0; i < count; ++i) {
        PCRE2_SPTR entry = table + i * entry_size;
        int group = (entry[0] << 8) | entry[1];
        names.emplace_back(reinterpret_cast<const char*>(entry + 2), group);
    }
    return names;
}

}  // namespace

Regex::Regex(std::string pattern, std::shared_ptr<Compiled> compiled, int captures)
    : pattern_(std::move(pattern)), compiled_(std::move(compiled)), capture_count_(captures) {}

Result<Regex, std::string> Regex::compile(std::string_view pattern, bool caseless) {
    int error = 0;
    PCRE2_SIZE offset = 0;
    uint32_t options = caseless ? PCRE2_CASELESS : 0;
    pcre2_code* code = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(pattern.data()), pattern.size(),
                                     options, &error, &offset, nullptr);
    if (!code) {
        PCRE2_UCHAR text[256];
        pcre2_get_error_message(error, text, sizeof text);
        std::string message = std::string("pcre2_compile() failed: ") +
                              reinterpret_cast<char*>(text) + " in \"" + std::string(pattern) +
                              "\"";
        if (offset < pattern.size())  // nginx names no place for an error at the end
            message += " at \"" + std::string(pattern.substr(offset)) + "\"";
        return Err{std::move(message)};
    }
    pcre2_jit_compile(code, PCRE2_JIT_COMPLETE);  // falls back to the interpreter if absent
    uint32_t captures = 0;
    pcre2_pattern_info(code, PCRE2_INFO_CAPTURECOUNT, &captures);
    auto compiled = std::make_shared<Compiled>();
    compiled->code = code;
    compiled->names = read_name_table(code);
    return Regex(std::string(pattern), std::move(compiled), static_cast<int>(captures));
}

const std::vector<std::pair<std::string, int>>& Regex::named_groups() const {
    return compiled_->names;
}

bool Regex::match(std::string_view subject, std::vector<std::string_view>* captures) const {
    pcre2_match_data* data = pcre2_match_data_create_from_pattern(compiled_->code, nullptr);
    int rc = pcre2_match(compiled_->code, reinterpret_cast<PCRE2_SPTR>(subject.data()),
                         subject.size(), 0, 0, data, nullptr);
    if (rc > 0 && captures) {
        PCRE2_SIZE* ovector = pcre2_get_ovector_pointer(data);
        captures->clear();
        for (int i = 0; i <= capture_count_; ++i) {
            PCRE2_SIZE start = ovector[2 * i], end = ovector[2 * i + 1];
            captures->push_back(i < rc && start != PCRE2_UNSET ? subject.substr(start, end - start)
                                                               : std::string_view());
        }
    }
    pcre2_match_data_free(data);
    return rc > 0;
}

}  // namespace strata::web
