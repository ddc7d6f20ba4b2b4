// Perl-compatible regular expressions (PCRE2, JIT-compiled when available), for
// regex locations, server names and rewrites, with nginx's $1..$9 captures and named
// captures ((?<name>…)), which nginx makes variables.
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "strata/base/result.h"

namespace strata::web {

class Regex {
  public:
    // The error reads like nginx's: `pcre2_compile() failed: missing closing
    // parenthesis in "(foo"`.
    static Result<Regex, std::string> compile(std::string_view pattern, bool caseless);

    // Captures: [0] the whole match, [1..] groups; unset groups are empty views.
    bool match(std::string_view subject, std::vector<std::string_view>* captures = nullptr) const;
    const std::string& pattern() const { return pattern_; }
    int capture_count() const { return capture_count_; }
    // The named groups: name and group number, in the order PCRE2 lists them.
    const std::vector<std::pair<std::string, int>>& named_groups() const;

  private:
    struct Compiled;
    Regex(std::string pattern, std::shared_ptr<Compiled> compiled, int captures);

    std::string pattern_;
    std::shared_ptr<Compiled> compiled_;  // shared: configurations are copied, patterns not
    int capture_count_ = 0;
};

}  // namespace strata::web
