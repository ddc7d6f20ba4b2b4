#include "strata/config/detail/variable_uses.h"

#include <algorithm>
#include <string_view>

namespace strata::config::detail {
namespace {

constexpr std::string_view kFileTests[] = {"-f", "!-f", "-d", "!-d", "-e", "!-e", "-x", "!-x"};

bool is_file_test(std::string_view word) {
    return std::find(std::begin(kFileTests), std::end(kFileTests), word) != std::end(kFileTests);
}

std::string without_parentheses(std::string_view word) {
    if (word.starts_with('(')) word.remove_prefix(1);
    if (word.ends_with(')')) word.remove_suffix(1);
    return std::string(word);
}

}  // namespace

Status VariableUses::compile(const std::string& value, const SourceLocation& where) {
    auto compiled = compile_value(value, nullptr, where);
    if (!compiled) return Err{compiled.error()};
    for (const ValuePart& part : compiled->parts) {
        if (part.kind == ValuePart::Kind::variable) uses_.push_back(Use{part.text, where});
    }
    return success();
}

// `if (cond) {}`: the tested variable or file name, and the right side of `=`/`!=`,
// hold variables; the right side of `~` is a regex, whose `$` is an anchor.
Status VariableUses::collect_if_condition(const Directive& directive) {
    const auto& args = directive.args;
    std::vector<std::string> values;
    const std::string first = without_parentheses(args[0]);
    if (is_file_test(first) && args.size() > 1) {
        values.push_back(without_parentheses(args[1]));
    } else {
        values.push_back(first);
        if (args.size() > 2 && (args[1] == "=" || args[1] == "!=")) {
            values.push_back(without_parentheses(args[2]));
        }
    }
    for (const std::string& value : values) {
        auto compiled = compile(value, directive.where);
        if (!compiled) return compiled;
    }
    return success();
}

Status VariableUses::collect(const Directive& directive, const DirectiveSpec& spec) {
    for (const std::string& arg : directive.args) {
        for (const std::string& name : regex_capture_names(arg))
            defined_.add_name(name);
    }
    if (directive.name == "set") defined_.add_name(std::string_view(directive.args[0]).substr(1));
    if (directive.name == "if") return collect_if_condition(directive);
    if (spec.values_from < 0) return success();
    for (std::size_t i = static_cast<std::size_t>(spec.values_from); i < directive.args.size();
         ++i) {
        if (i == 0 && spec.regex_first && directive.args[0].starts_with('~')) continue;
        auto compiled = compile(directive.args[i], directive.where);
        if (!compiled) return compiled;
    }
    return success();
}

Status VariableUses::check(const VariableRegistry& known) const {
    for (const Use& use : uses_) {
        if (!known.knows(use.name) && !defined_.knows(use.name)) {
            return fail(use.where, "unknown \"" + use.name + "\" variable");
        }
    }
    return success();
}

}  // namespace strata::config::detail
