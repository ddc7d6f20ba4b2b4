#include "strata/web/rewrite.h"

#include <sys/stat.h>

#include <algorithm>
#include <array>

#include "strata/config/values.h"
#include "strata/http/request_head.h"
#include "strata/web/request_context.h"
#include "strata/web/static_content.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

using config::ConfigError;
using config::Directive;
using config::fail;
using config::Status;
using config::success;

using Step = RewriteStep;
using Condition = RewriteCondition;

bool starts_with(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

// nginx redirects instead of rewriting when the replacement names a scheme.
bool names_scheme(std::string_view s) {
    return starts_with(s, "http://") || starts_with(s, "https://") || starts_with(s, "$scheme");
}

Status add_rewrite(const Directive& d, RewriteScript& script) {
    Step step;
    step.where = d.where;
    auto regex = Regex::compile(d.args[0], false);
    if (!regex) return fail(d.where, regex.error());
    step.regex = std::move(regex.value());
    std::string replacement = d.args[1];
    if (!replacement.empty() && replacement.back() == '?') {  // "drop the original args"
        replacement.pop_back();
        step.keep_args = false;
    }
    size_t q = replacement.find('?');
    auto uri = config::compile_value(std::string_view(replacement).substr(0, q), nullptr, d.where);
    if (!uri) return Err{uri.error()};
    step.new_uri = std::move(uri.value());
    if (q != std::string::npos) {
        step.has_args = true;
        auto args =
            config::compile_value(std::string_view(replacement).substr(q + 1), nullptr, d.where);
        if (!args) return Err{args.error()};
        step.new_args = std::move(args.value());
    }
    if (names_scheme(replacement)) step.flag = Step::Flag::redirect;
    if (d.args.size() == 3) {
        const std::string& flag = d.args[2];
        if (flag == "last")
            step.flag = step.flag == Step::Flag::redirect ? step.flag : Step::Flag::last;
        else if (flag == "break")
            step.flag = step.flag == Step::Flag::redirect ? step.flag : Step::Flag::stop;
        else if (flag == "redirect")
            step.flag = Step::Flag::redirect;
        else if (flag == "permanent")
            step.flag = Step::Flag::permanent;
        else
            return fail(d.where, "invalid parameter \"" + flag + "\"");
    }
    script.push_back(std::move(step));
    return success();
}

// return code [text] | return URL
Status add_return(const Directive& d, RewriteScript& script) {
    Step step;
    step.kind = Step::Kind::respond;
    step.where = d.where;
    auto code = config::number_value(d.args[0]);
    if (!code) {
        if (!names_scheme(d.args[0]) || d.args.size() > 1)
            return fail(d.where, "invalid return code \"" + d.args[0] + "\"");
        step.status = 302;
        step.text = d.args[0];
    } else {
        if (*code > 999) return fail(d.where, "invalid return code \"" + d.args[0] + "\"");
        step.status = static_cast<int>(*code);
        if (d.args.size() > 1) step.text = d.args[1];
    }
    script.push_back(std::move(step));
    return success();
}

Status add_set(const Directive& d, RewriteScript& script) {
    Step step;
    step.kind = Step::Kind::set;
    step.where = d.where;
    for (char c : std::string_view(d.args[0]).substr(1))
        step.name.push_back(http::ascii_lower(c));
    // $args is the one built-in nginx lets `set` change that this server knows.
    if (step.name != "args" && is_known_variable(step.name))
        return fail(d.where, "the duplicate \"" + step.name + "\" variable");
    step.text = d.args[1];
    script.push_back(std::move(step));
    return success();
}

bool is_file_test(std::string_view word) {
    static constexpr std::array<std::string_view, 8> kTests = {"-f", "!-f", "-d", "!-d",
                                                               "-e", "!-e", "-x", "!-x"};
    return std::find(kTests.begin(), kTests.end(), word) != kTests.end();
}

// nginx's parentheses: the first word starts with "(" and the last ends with ")",
// either alone or attached to the condition's words.
Result<std::vector<std::string>, ConfigError> condition_words(const Directive& d) {
    std::vector<std::string> words = d.args;
    auto invalid = [&] {
        return Err{ConfigError{d.where, "invalid condition \"" + d.args[0] + "\""}};
    };
    if (words.front().empty() || words.front().front() != '(') return invalid();
    words.front().erase(0, 1);
    if (words.front().empty()) words.erase(words.begin());
    if (words.empty() || words.back().empty() || words.back().back() != ')') return invalid();
    words.back().pop_back();
    if (words.back().empty()) words.pop_back();
    if (words.empty()) return invalid();
    return words;
}

Status set_comparison(const Directive& d, const std::vector<std::string>& words, Condition& c) {
    const std::string& op = words[1];
    if (op == "=" || op == "!=") {
        c.kind = op == "=" ? Condition::Kind::equal : Condition::Kind::not_equal;
        c.operand = words[2];
        return success();
    }
    if (op != "~" && op != "~*" && op != "!~" && op != "!~*")
        return fail(d.where, "unexpected \"" + op + "\" in condition");
    c.kind = op.front() == '!' ? Condition::Kind::no_match : Condition::Kind::match;
    auto regex = Regex::compile(words[2], op.back() == '*');
    if (!regex) return fail(d.where, regex.error());
    c.regex = std::move(regex.value());
    return success();
}

Result<Condition, ConfigError> build_condition(const Directive& d) {
    auto words = condition_words(d);
    if (!words) return Err{words.error()};
    Condition c;
    const std::string& first = words->front();
    if (words->size() == 2 && is_file_test(first)) {
        c.kind = Condition::Kind::file_test;
        c.negated = first.front() == '!';
        c.file_test = first.back();
        c.subject = (*words)[1];
        return c;
    }
    if (first.size() < 2 || first.front() != '$' || (words->size() != 1 && words->size() != 3))
        return Err{ConfigError{d.where, "invalid condition \"" + first + "\""}};
    c.subject = first;
    if (words->size() == 3)
        if (Status s = set_comparison(d, *words, c); !s) return Err{s.error()};
    return c;
}

Status add_if(const Directive& d, RewriteScript& script) {
    Step step;
    step.kind = Step::Kind::condition;
    step.where = d.where;
    auto condition = build_condition(d);
    if (!condition) return Err{condition.error()};
    step.condition = std::move(condition.value());
    for (const Directive& c : d.block) {
        if (c.name == "proxy_pass") {  // the schema allows it in a location's `if` only
            step.location_directives.push_back(c);
            continue;
        }
        if (!is_rewrite_directive(c.name))
            return fail(c.where, "\"" + c.name + "\" directive inside \"if\" is not supported yet");
        if (Status s = add_rewrite_step(c, step.block); !s) return s;
    }
    script.push_back(std::move(step));
    return success();
}

// ---- request time ----

enum class Flow { next, stop };

// As nginx's: -x looks only at the owner's execute bit, and symlinks are followed
// unless disable_symlinks says otherwise (a refused path then tests as missing).
bool file_test_holds(const Condition& c, const std::string& path, RequestContext& ctx) {
    struct stat st {};
    SymlinkCheck check = symlink_check(ctx, path);
    if (check.rule != SymlinkRule::follow) {
        const FileInfo& info = ctx.files.lookup(path, check);
        if (info.error != 0) return c.negated;
        st = info.st;
    } else if (::stat(path.c_str(), &st) != 0) {
        return c.negated;
    }
    bool holds = c.file_test == 'e' || (c.file_test == 'f' && S_ISREG(st.st_mode)) ||
                 (c.file_test == 'd' && S_ISDIR(st.st_mode)) ||
                 (c.file_test == 'x' && (st.st_mode & S_IXUSR) != 0);
    return holds != c.negated;
}

// The regex of an `if` or a `rewrite`: a match sets $1… and the named groups' variables
// (even a regex without groups clears $1…); a miss empties $1… as in nginx, while
// named-group variables keep their values.
bool match_capturing(RequestContext& ctx, const Regex& regex, std::string_view subject) {
    std::vector<std::string_view> captures;
    if (!regex.match(subject, &captures)) {
        ctx.captures.clear();
        return false;
    }
    remember_captures(ctx, regex, captures);
    return true;
}

bool condition_holds(const Condition& c, RequestContext& ctx) {
    std::string subject = expand_variables(c.subject, ctx);
    switch (c.kind) {
        case Condition::Kind::variable:
            return !subject.empty() && subject != "0";
        case Condition::Kind::equal:
            return subject == expand_variables(c.operand, ctx);
        case Condition::Kind::not_equal:
            return subject != expand_variables(c.operand, ctx);
        case Condition::Kind::match:
            return match_capturing(ctx, *c.regex, subject);
        case Condition::Kind::no_match:
            return !match_capturing(ctx, *c.regex, subject);
        case Condition::Kind::file_test:
            return file_test_holds(c, subject, ctx);
    }
    return false;
}

// What nginx's args escaping turns into %XX: controls, space, # % & + ; ? and non-ASCII.
bool needs_escape(unsigned char c) {
    return c <= 0x20 || c >= 0x7f || c == '#' || c == '%' || c == '&' || c == '+' || c == ';' ||
           c == '?';
}

void append_escaped(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char ch : text) {
        auto c = static_cast<unsigned char>(ch);
        if (!needs_escape(c)) {
            out.push_back(ch);
            continue;
        }
        out.push_back('%');
        out.push_back(kHex[c >> 4]);
        out.push_back(kHex[c & 0xf]);
    }
}

// Whether the request's path came escaped (or with '+'): nginx then escapes the
// decoded captures it puts into a redirect or into args, so they keep their meaning.
bool uri_was_escaped(const RequestContext& ctx) {
    std::string_view target = ctx.exchange.request().target;
    std::string_view path = target.substr(0, target.find('?'));
    return path.find_first_of("%+") != std::string_view::npos;
}

std::string expand_replacement(const config::CompiledValue& value, const RequestContext& ctx,
                               bool escape_captures) {
    std::string out;
    for (const config::ValuePart& part : value.parts) {
        if (part.kind == config::ValuePart::Kind::literal) {
            out += part.text;
        } else if (part.kind == config::ValuePart::Kind::capture) {
            auto i = static_cast<size_t>(part.capture);
            std::string_view capture;
            if (i < ctx.captures.size()) capture = ctx.captures[i];
            if (escape_captures)
                append_escaped(out, capture);
            else
                out += capture;
        } else if (auto v = variable_value(part.text, ctx)) {
            out += *v;
        }
    }
    return out;
}

// nginx keeps the request's args after a rewrite unless the replacement ends with
// '?'; a replacement with its own args gets the old ones after "&".
Flow run_rewrite(const Step& step, RequestContext& ctx, RewriteOutcome& out) {
    if (!match_capturing(ctx, *step.regex, ctx.uri)) return Flow::next;
    bool redirect = step.flag == Step::Flag::redirect || step.flag == Step::Flag::permanent;
    bool escaped = uri_was_escaped(ctx);
    std::string uri = expand_replacement(step.new_uri, ctx, redirect && escaped);
    std::string args = step.has_args ? expand_replacement(step.new_args, ctx, escaped) : "";
    bool add_old = step.keep_args && !ctx.args.empty();
    if (redirect) {
        out.kind = RewriteOutcome::Kind::respond;
        out.status = step.flag == Step::Flag::permanent ? 301 : 302;
        out.has_text = true;
        out.text = uri + (step.has_args ? "?" + args : "");
        if (add_old) out.text += (step.has_args ? "&" : "?") + ctx.args;
        return Flow::stop;
    }
    if (step.has_args)
        ctx.args = add_old ? args + "&" + ctx.args : args;
    else if (!step.keep_args)
        ctx.args.clear();
    ctx.uri = std::move(uri);
    ctx.uri_unchanged = false;
    ctx.internal = true;
    if (step.flag == Step::Flag::stop) ctx.rewritten_here = true;
    out.kind = step.flag == Step::Flag::stop ? RewriteOutcome::Kind::proceed
                                             : RewriteOutcome::Kind::uri_changed;
    return step.flag == Step::Flag::none ? Flow::next : Flow::stop;
}

void run_set(const Step& step, RequestContext& ctx) {
    std::string value = expand_variables(step.text, ctx);
    if (step.name == "args") {
        ctx.args = std::move(value);
        ctx.uri_unchanged = false;  // nginx: the client's URI no longer says it
    } else {
        ctx.user_variables[step.name] = std::move(value);
    }
}

Flow run_steps(const RewriteScript& script, RequestContext& ctx, RewriteOutcome& out) {
    for (const Step& step : script) {
        Flow flow = Flow::next;
        switch (step.kind) {
            case Step::Kind::rewrite:
                flow = run_rewrite(step, ctx, out);
                break;
            case Step::Kind::respond:
                out = {RewriteOutcome::Kind::respond, step.status, expand_variables(step.text, ctx),
                       !step.text.empty()};
                flow = Flow::stop;
                break;
            case Step::Kind::set:
                run_set(step, ctx);
                break;
            case Step::Kind::stop:  // `break` also cancels a pending re-match
                out.kind = RewriteOutcome::Kind::proceed;
                flow = Flow::stop;
                break;
            case Step::Kind::condition:
                if (!condition_holds(step.condition, ctx)) break;
                if (step.if_location) ctx.location = step.if_location.get();
                flow = run_steps(step.block, ctx, out);
                break;
        }
        if (flow == Flow::stop) return flow;
    }
    return Flow::next;
}

}  // namespace

bool is_rewrite_directive(std::string_view name) {
    return name == "rewrite" || name == "return" || name == "set" || name == "break" ||
           name == "if" || name == "rewrite_log" || name == "uninitialized_variable_warn";
}

Status add_rewrite_step(const Directive& d, RewriteScript& script) {
    if (d.name == "rewrite") return add_rewrite(d, script);
    if (d.name == "return") return add_return(d, script);
    if (d.name == "set") return add_set(d, script);
    if (d.name == "if") return add_if(d, script);
    if (d.name == "break") {
        Step step;
        step.kind = Step::Kind::stop;
        step.where = d.where;
        script.push_back(std::move(step));
    }
    return success();  // rewrite_log, uninitialized_variable_warn: no effect here
}

RewriteOutcome run_rewrite_script(const RewriteScript& script, RequestContext& ctx) {
    RewriteOutcome out;
    run_steps(script, ctx, out);
    return out;
}

}  // namespace strata::web
