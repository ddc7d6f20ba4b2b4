#include "strata/cli/wsgi_command_line.h"

#include <fmt/core.h>

#include <algorithm>
#include <cctype>
#include <cstring>
#include <filesystem>

#include "strata/base/version.h"

namespace strata::cli {
namespace {

using python::Environment;
using python::SettingSpec;
using python::SettingValue;
using python::WsgiSettings;

constexpr std::string_view kProg = "strata wsgi";
constexpr std::string_view kUsage = "usage: strata wsgi [OPTIONS] [APP_MODULE]\n";

// ---------------------------------------------------------------------------------------------
// The parser's options: argparse's -h and -v, then every setting that has flags.

struct Option {
    enum class Builtin { none, help, version };
    std::string_view flag;
    const SettingSpec* spec = nullptr;  // null for -h/-v
    Builtin builtin = Builtin::none;
};

std::vector<Option> build_options() {
    std::vector<Option> options = {
        {"-h", nullptr, Option::Builtin::help},
        {"--help", nullptr, Option::Builtin::help},
        {"-v", nullptr, Option::Builtin::version},
        {"--version", nullptr, Option::Builtin::version},
    };
    for (const SettingSpec& spec : python::setting_specs())
        for (std::string_view flag : spec.cli.flags)
            if (!flag.empty()) options.push_back({flag, &spec, Option::Builtin::none});
    return options;
}

const std::vector<Option>& all_options() {
    static const std::vector<Option> options = build_options();
    return options;
}

bool takes_value(const Option& option) {
    return option.spec && (option.spec->cli.action == python::CliAction::store ||
                           option.spec->cli.action == python::CliAction::append);
}

bool strata_only(const Option& option) {
    return option.spec && option.spec->strata_only;
}

// argparse's name for an option in errors: every flag of its action, joined by '/'.
std::string action_name(const Option& option) {
    if (option.builtin == Option::Builtin::help) return "-h/--help";
    if (option.builtin == Option::Builtin::version) return "-v/--version";
    std::string name;
    for (std::string_view flag : option.spec->cli.flags)
        if (!flag.empty()) name += (name.empty() ? "" : "/") + std::string(flag);
    return name;
}

const Option* exact_option(std::string_view flag) {
    for (const Option& option : all_options())
        if (option.flag == flag) return &option;
    return nullptr;
}

// ---------------------------------------------------------------------------------------------
// Recognising options (argparse's _parse_optional and _get_option_tuples).

// An argument read as an option; `option` is null for an unknown one ("--bogus").
struct OptionUse {
    const Option* option = nullptr;
    std::string flag;                     // the flag as matched ("--workers")
    std::optional<std::string> attached;  // "--workers=3" → "3", "-w3" → "3"
};

// Options whose flag `arg` abbreviates. The strata-only flags are tried only when no
// gunicorn flag matches, so every abbreviation gunicorn accepts means the same here.
std::vector<OptionUse> prefix_matches(std::string_view arg, bool strata_flags) {
    std::vector<OptionUse> found;
    bool long_form = arg.size() > 1 && arg[1] == '-';
    std::string_view prefix = arg;
    std::optional<std::string> attached;
    if (long_form && arg.find('=') != std::string_view::npos) {
        prefix = arg.substr(0, arg.find('='));
        attached = std::string(arg.substr(arg.find('=') + 1));
    }
    for (const Option& option : all_options()) {
        if (strata_only(option) != strata_flags) continue;
        if (!long_form && option.flag == arg.substr(0, 2))
            found.push_back({&option, std::string(option.flag), std::string(arg.substr(2))});
        else if (option.flag.starts_with(prefix))
            found.push_back({&option, std::string(option.flag), attached});
    }
    return found;
}

// argparse's test for a negative number, which is an argument, not an option.
bool looks_negative_number(std::string_view arg) {
    auto digits = [](std::string_view s) {
        return std::all_of(s.begin(), s.end(), [](char c) { return c >= '0' && c <= '9'; });
    };
    std::string_view rest = arg.substr(1);
    size_t dot = rest.find('.');
    if (dot == std::string_view::npos) return !rest.empty() && digits(rest);
    return digits(rest.substr(0, dot)) && rest.size() > dot + 1 && digits(rest.substr(dot + 1));
}

std::string ambiguity(std::string_view arg, const std::vector<OptionUse>& matches) {
    std::string names;
    for (const OptionUse& m : matches)
        names += (names.empty() ? "" : ", ") + m.flag;
    return fmt::format("ambiguous option: {} could match {}", arg, names);
}

// An option, nothing (a positional argument), or argparse's "ambiguous option" error.
Result<std::optional<OptionUse>, std::string> read_option(std::string_view arg) {
    if (arg.empty() || arg[0] != '-') return std::optional<OptionUse>{};
    if (const Option* exact = exact_option(arg))
        return std::optional<OptionUse>{OptionUse{exact, std::string(arg), std::nullopt}};
    if (arg.size() == 1) return std::optional<OptionUse>{};
    if (size_t eq = arg.find('='); eq != std::string_view::npos)
        if (const Option* exact = exact_option(arg.substr(0, eq)))
            return std::optional<OptionUse>{
                OptionUse{exact, std::string(arg.substr(0, eq)), std::string(arg.substr(eq + 1))}};
    std::vector<OptionUse> matches = prefix_matches(arg, false);
    if (matches.empty()) matches = prefix_matches(arg, true);
    if (matches.size() > 1) return Err{ambiguity(arg, matches)};
    if (matches.size() == 1) return std::optional<OptionUse>{matches.front()};
    if (looks_negative_number(arg) || arg.find(' ') != std::string_view::npos)
        return std::optional<OptionUse>{};
    return std::optional<OptionUse>{OptionUse{nullptr, std::string(arg), std::nullopt}};
}

// ---------------------------------------------------------------------------------------------
// Walking the arguments (argparse's _parse_known_args, for this parser's shapes: options with
// zero or one value, and one positional taking any number).

// What one argument list asked for.
struct ParsedArguments {
    std::vector<std::optional<SettingValue>> values;  // by setting_specs() index
    std::vector<std::string> positionals;
};

// Why a walk stopped early: -h, -v, or a usage error (argparse's message).
struct Stop {
    Option::Builtin builtin = Option::Builtin::none;
    std::string error;
};

class ArgumentWalk {
  public:
    explicit ArgumentWalk(const std::vector<std::string>& args) : args_(args) {
        parsed_.values.resize(python::setting_specs().size());
    }

    Result<ParsedArguments, Stop> run();

  private:
    Result<std::monostate, Stop> classify();
    Result<size_t, Stop> consume_option(size_t index);
    size_t consume_positionals(size_t index);
    Result<std::monostate, Stop> take(const Option& option, const std::vector<std::string>& given);
    Result<std::monostate, Stop> store(const Option& option, const std::vector<std::string>& given);
    size_t next_option_index(size_t from) const;

    const std::vector<std::string>& args_;
    std::string pattern_;  // per argument: 'O' option, 'A' argument, '-' "--"
    std::vector<std::optional<OptionUse>> uses_;  // per argument, for the 'O's
    std::vector<std::string> extras_;
    bool positionals_taken_ = false;
    ParsedArguments parsed_;
};

Result<std::monostate, Stop> ArgumentWalk::classify() {
    for (size_t i = 0; i < args_.size(); ++i) {
        if (args_[i] == "--") {
            pattern_ += '-';
            pattern_.append(args_.size() - i - 1, 'A');  // everything after "--" is an argument
            uses_.resize(args_.size());
            return std::monostate{};
        }
        auto use = read_option(args_[i]);
        if (!use) return Err{Stop{Option::Builtin::none, use.error()}};
        pattern_ += use->has_value() ? 'O' : 'A';
        uses_.push_back(std::move(use).value());
    }
    return std::monostate{};
}

size_t ArgumentWalk::next_option_index(size_t from) const {
    size_t at = pattern_.find('O', from);
    return at == std::string::npos ? pattern_.size() : at;
}

// The positional takes the first run of arguments (and "--"s); later ones are extras.
size_t ArgumentWalk::consume_positionals(size_t index) {
    if (positionals_taken_) return index;
    size_t end = index;
    while (end < pattern_.size() && pattern_[end] != 'O')
        ++end;
    std::vector<std::string> run(args_.begin() + static_cast<std::ptrdiff_t>(index),
                                 args_.begin() + static_cast<std::ptrdiff_t>(end));
    auto separator = std::find(run.begin(), run.end(), "--");
    if (separator != run.end()) run.erase(separator);  // argparse drops the first "--"
    parsed_.positionals = std::move(run);
    positionals_taken_ = true;
    return end;
}

Result<ParsedArguments, Stop> ArgumentWalk::run() {
    if (auto classified = classify(); !classified) return Err{classified.error()};
    size_t last_option = pattern_.rfind('O');
    size_t index = 0;
    while (last_option != std::string::npos && index <= last_option) {
        size_t next = next_option_index(index);
        if (index != next) {
            size_t end = consume_positionals(index);
            if (end > index) {
                index = end;
                continue;
            }
            extras_.insert(extras_.end(), args_.begin() + static_cast<std::ptrdiff_t>(index),
                           args_.begin() + static_cast<std::ptrdiff_t>(next));
            index = next;
        }
        auto after = consume_option(index);
        if (!after) return Err{after.error()};
        index = *after;
    }
    index = consume_positionals(index);
    extras_.insert(extras_.end(), args_.begin() + static_cast<std::ptrdiff_t>(index), args_.end());
    if (!extras_.empty()) {
        std::string joined;
        for (const std::string& extra : extras_)
            joined += (joined.empty() ? "" : " ") + extra;
        return Err{Stop{Option::Builtin::none, "unrecognized arguments: " + joined}};
    }
    return std::move(parsed_);
}

Err<Stop> usage_error(const Option& option, const std::string& message) {
    return Err{Stop{Option::Builtin::none, "argument " + action_name(option) + ": " + message}};
}

// The next flag of a single-dash chain ("-DRw3": -D, then -R with "w3" left), or argparse's
// "ignored explicit argument" when a value-less flag has text attached that is no flag.
Result<OptionUse, Stop> chained_option(const OptionUse& use) {
    std::string ignored = "ignored explicit argument " + python::python_repr(*use.attached);
    if (use.flag[1] == '-' || use.attached->empty()) return usage_error(*use.option, ignored);
    std::string flag = "-" + use.attached->substr(0, 1);
    const Option* next = exact_option(flag);
    if (!next) return usage_error(*use.option, ignored);
    std::string rest = use.attached->substr(1);
    return OptionUse{next, flag, rest.empty() ? std::nullopt : std::optional(rest)};
}

// One option and its value: attached ("-w3", "--workers=3"), the next argument, or none.
// Actions are taken once the whole chain is read, in order, as argparse does.
Result<size_t, Stop> ArgumentWalk::consume_option(size_t index) {
    OptionUse use = *uses_[index];
    if (!use.option) {
        extras_.push_back(args_[index]);
        return index + 1;
    }
    std::vector<std::pair<const Option*, std::vector<std::string>>> actions;
    size_t stop = index + 1;
    while (use.attached && !takes_value(*use.option)) {
        actions.emplace_back(use.option, std::vector<std::string>{});
        auto next = chained_option(use);
        if (!next) return Err{next.error()};
        use = std::move(next).value();
    }
    std::vector<std::string> given;
    if (use.attached) {
        given.push_back(*use.attached);
    } else if (takes_value(*use.option)) {
        if (index + 1 >= pattern_.size() || pattern_[index + 1] != 'A')
            return usage_error(*use.option, "expected one argument");
        given.push_back(args_[index + 1]);
        stop = index + 2;
    }
    actions.emplace_back(use.option, std::move(given));
    for (const auto& [option, values] : actions)
        if (auto taken = take(*option, values); !taken) return Err{taken.error()};
    return stop;
}

Result<std::monostate, Stop> ArgumentWalk::take(const Option& option,
                                                const std::vector<std::string>& given) {
    if (option.builtin != Option::Builtin::none) return Err{Stop{option.builtin, ""}};
    return store(option, given);
}

// Stores what argparse's action would: the converted value, True, False, or one more item.
Result<std::monostate, Stop> ArgumentWalk::store(const Option& option,
                                                 const std::vector<std::string>& given) {
    const SettingSpec& spec = *option.spec;
    auto& slot = parsed_.values[static_cast<size_t>(&spec - python::setting_specs().data())];
    switch (spec.cli.action) {
        case python::CliAction::store_true:
            slot = SettingValue{true};
            break;
        case python::CliAction::store_false:
            slot = SettingValue{false};
            break;
        case python::CliAction::append: {
            std::vector<std::string> items;
            if (slot) items = std::get<std::vector<std::string>>(*slot);
            items.push_back(given.front());
            slot = SettingValue{std::move(items)};
            break;
        }
        default: {
            auto value = spec.from_argument(given.front());
            if (!value) return usage_error(option, value.error());
            slot = std::move(value).value();
        }
    }
    return std::monostate{};
}

// ---------------------------------------------------------------------------------------------
// Help text: argparse's HelpFormatter layout, with textwrap's line breaking.

bool wrap_space(char c) {
    return std::strchr(" \t\n\v\f\r", c) != nullptr && c != '\0';
}
bool word_char(char c) {
    auto byte = static_cast<unsigned char>(c);
    return std::isalnum(byte) || c == '_' || byte >= 0x80;
}
bool letter(char c) {
    return word_char(c) && !(c >= '0' && c <= '9');
}
bool word_punct(char c) {
    return word_char(c) || (c != '\0' && std::strchr("!\"'&.,?", c));
}

char at(std::string_view t, size_t i) {
    return i < t.size() ? t[i] : '\0';
}

// textwrap breaks after a hyphen between letters: "Keep-" + "Alive".
bool hyphen_break(std::string_view t, size_t hyphen) {
    bool behind =
        (hyphen >= 2 && letter(t[hyphen - 2]) && letter(t[hyphen - 1])) ||
        (hyphen >= 3 && letter(t[hyphen - 3]) && t[hyphen - 2] == '-' && letter(t[hyphen - 1]));
    char a = at(t, hyphen + 1), b = at(t, hyphen + 2), c = at(t, hyphen + 3);
    return behind && letter(a) && (letter(b) || (b == '-' && letter(c)));
}

// Two or more hyphens followed by a word character (textwrap's em-dash).
size_t em_dash_length(std::string_view t, size_t i) {
    size_t end = i;
    while (end < t.size() && t[end] == '-')
        ++end;
    return end - i >= 2 && word_char(at(t, end)) ? end - i : 0;
}

size_t word_chunk_end(std::string_view t, size_t start) {
    for (size_t p = start + 1; p < t.size(); ++p) {
        if (wrap_space(t[p])) return p;
        if (t[p] == '-' && hyphen_break(t, p)) return p + 1;
        if (word_punct(t[p - 1]) && em_dash_length(t, p) > 0) return p;
    }
    return t.size();
}

// textwrap's chunks (TextWrapper.wordsep_re): runs of spaces, em-dashes, and words split
// after their inner hyphens.
std::vector<std::string> wrap_chunks(std::string_view t) {
    std::vector<std::string> chunks;
    size_t i = 0;
    while (i < t.size()) {
        size_t end = i;
        if (wrap_space(t[i])) {
            while (end < t.size() && wrap_space(t[end]))
                ++end;
        } else if (i > 0 && word_punct(t[i - 1]) && em_dash_length(t, i) > 0) {
            end = i + em_dash_length(t, i);
        } else {
            end = word_chunk_end(t, i);
        }
        chunks.emplace_back(t.substr(i, end - i));
        i = end;
    }
    return chunks;
}

bool blank(const std::string& s) {
    return std::all_of(s.begin(), s.end(), [](char c) { return wrap_space(c); });
}

// textwrap's _handle_long_word: a word longer than a line is cut to the room left, after its
// last hyphen there when it has one. The cut may be empty when the line is already full.
std::string cut_long_word(std::string& chunk, size_t room) {
    size_t end = room;
    size_t hyphen = room == 0 ? std::string::npos : chunk.rfind('-', room - 1);
    if (hyphen != std::string::npos && hyphen > 0 && chunk.find_first_not_of('-') < hyphen)
        end = hyphen + 1;
    std::string piece = chunk.substr(0, end);
    chunk.erase(0, end);
    return piece;
}

// textwrap.wrap(text, width): greedy lines of chunks; a blank chunk is dropped at the start
// of a line and as a line's last chunk (only the last: "to the " + an empty cut keeps its
// space, as textwrap's does).
std::vector<std::string> wrap(std::string_view text, size_t width) {
    std::vector<std::string> chunks = wrap_chunks(text);
    std::reverse(chunks.begin(), chunks.end());
    std::vector<std::string> lines;
    while (!chunks.empty()) {
        if (!lines.empty() && blank(chunks.back())) chunks.pop_back();
        std::vector<std::string> pieces;
        size_t length = 0;
        while (!chunks.empty() && length + chunks.back().size() <= width) {
            length += chunks.back().size();
            pieces.push_back(std::move(chunks.back()));
            chunks.pop_back();
        }
        if (!chunks.empty() && chunks.back().size() > width)
            pieces.push_back(cut_long_word(chunks.back(), width - length));
        if (!pieces.empty() && blank(pieces.back())) pieces.pop_back();
        std::string line;
        for (const std::string& piece : pieces)
            line += piece;
        if (!pieces.empty()) lines.push_back(line);
    }
    return lines;
}

// argparse collapses every run of whitespace in a help string to one space.
std::string collapse_whitespace(std::string_view text) {
    std::string out;
    bool in_space = false;
    for (char c : text) {
        if (wrap_space(c)) {
            in_space = true;
            continue;
        }
        if (in_space && !out.empty()) out += ' ';
        in_space = false;
        out += c;
    }
    return out;
}

std::string invocation(const Option& first) {
    if (first.builtin == Option::Builtin::help) return "-h, --help";
    if (first.builtin == Option::Builtin::version) return "-v, --version";
    std::string text;
    for (std::string_view flag : first.spec->cli.flags) {
        if (flag.empty()) continue;
        if (!text.empty()) text += ", ";
        text += flag;
        if (takes_value(first)) text += " " + first.spec->display_metavar();
    }
    return text;
}

std::string help_of(const Option& first, const Environment& environment) {
    if (first.builtin == Option::Builtin::help) return "show this help message and exit";
    if (first.builtin == Option::Builtin::version) return "show program's version number and exit";
    return collapse_whitespace(first.spec->help_line(environment));
}

// shutil.get_terminal_size's columns: $COLUMNS when it is a positive number, else 80.
size_t terminal_columns(const Environment& environment) {
    auto columns = environment.find("COLUMNS");
    if (columns == environment.end()) return 80;
    size_t n = 0;
    for (char c : columns->second) {
        if (c < '0' || c > '9' || n > 100000) return 80;
        n = n * 10 + static_cast<size_t>(c - '0');
    }
    return n > 0 ? n : 80;
}

// One entry per action: the first Option of each (a setting's flags share one action).
std::vector<const Option*> help_entries() {
    std::vector<const Option*> entries;
    for (const Option& option : all_options()) {
        bool seen = std::any_of(entries.begin(), entries.end(), [&](const Option* e) {
            return e->spec == option.spec && e->builtin == option.builtin;
        });
        if (!seen) entries.push_back(&option);
    }
    return entries;
}

// One argparse help entry: invocation, then help wrapped in the help column.
std::string format_entry(const std::string& invoked, const std::string& help, size_t help_position,
                         size_t help_width) {
    size_t action_width = help_position >= 4 ? help_position - 4 : 0;
    std::string out = "  " + invoked;
    size_t indent_first = 0;
    if (invoked.size() <= action_width) {
        out += std::string(action_width - invoked.size() + 2, ' ');
    } else {
        out += "\n";
        indent_first = help_position;
    }
    std::vector<std::string> lines = wrap(help, help_width);
    for (size_t i = 0; i < lines.size(); ++i)
        out += std::string(i == 0 ? indent_first : help_position, ' ') + lines[i] + "\n";
    return out;
}

// ---------------------------------------------------------------------------------------------
// From parsed arguments to settings.

CommandLineExit stop_exit(const Stop& stop, const Environment& environment) {
    if (stop.builtin == Option::Builtin::help) return {0, wsgi_help_text(environment), false};
    if (stop.builtin == Option::Builtin::version) return {0, wsgi_version_text(), false};
    return {2, fmt::format("{}{}: error: {}\n", kUsage, kProg, stop.error), true};
}

// gunicorn's report of a bad value: "\nError: <message>\n", exit 1.
CommandLineExit value_error(const std::string& message) {
    return {1, fmt::format("\nError: {}\n", message), true};
}

Result<ParsedArguments, CommandLineExit> parse_arguments(const std::vector<std::string>& args,
                                                         const Environment& environment) {
    ArgumentWalk walk(args);
    auto parsed = walk.run();
    if (!parsed) return Err{stop_exit(parsed.error(), environment)};
    return std::move(parsed).value();
}

std::vector<SettingAssignment> assignments(const ParsedArguments& parsed) {
    std::vector<SettingAssignment> out;
    std::span<const SettingSpec> specs = python::setting_specs();
    for (size_t i = 0; i < parsed.values.size(); ++i)  // empty when nothing was parsed
        if (parsed.values[i]) out.push_back({std::string(specs[i].name), *parsed.values[i]});
    return out;
}

Result<ParsedArguments, CommandLineExit> parse_environment_arguments(
    const Environment& environment) {
    auto text = environment.find("GUNICORN_CMD_ARGS");
    if (text == environment.end()) return ParsedArguments{};
    auto words = shell_split(text->second);
    if (!words) return Err{value_error(words.error())};
    return parse_arguments(*words, environment);
}

Result<std::monostate, CommandLineExit> apply(WsgiSettings& settings,
                                              const std::vector<SettingAssignment>& list) {
    for (const SettingAssignment& assignment : list)
        if (auto stored = settings.set(assignment.name, assignment.value); !stored)
            return Err{value_error(stored.error())};
    return std::monostate{};
}

// The config value argparse stored, when it is a non-empty string (`if args.config:`).
std::optional<std::string> config_given(const std::vector<SettingAssignment>& list) {
    for (const SettingAssignment& assignment : list)
        if (assignment.name == "config")
            if (const auto* s = std::get_if<std::string>(&assignment.value); s && !s->empty())
                return *s;
    return std::nullopt;
}

// gunicorn.config.get_default_config_file: gunicorn.conf.py in the working directory.
std::optional<std::string> default_config_file() {
    std::error_code ignored;
    std::filesystem::path path = std::filesystem::current_path(ignored) / "gunicorn.conf.py";
    if (!std::filesystem::exists(path, ignored)) return std::nullopt;
    return path.string();
}

}  // namespace

// ---------------------------------------------------------------------------------------------

Result<std::vector<std::string>, std::string> shell_split(std::string_view text) {
    std::vector<std::string> words;
    std::string word;
    bool in_word = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == ' ' || c == '\t' || c == '\r' || c == '\n') {
            if (in_word) words.push_back(std::move(word));
            word.clear();
            in_word = false;
            continue;
        }
        in_word = true;
        if (c == '\\') {
            if (++i == text.size()) return Err{std::string("No escaped character")};
            word += text[i];
        } else if (c == '\'') {
            size_t close = text.find('\'', i + 1);
            if (close == std::string_view::npos) return Err{std::string("No closing quotation")};
            word += text.substr(i + 1, close - i - 1);
            i = close;
        } else if (c == '"') {
            // Inside double quotes a backslash escapes only '"' and itself.
            for (++i;; ++i) {
                if (i >= text.size()) return Err{std::string("No closing quotation")};
                if (text[i] == '"') break;
                if (text[i] == '\\') {
                    if (i + 1 >= text.size()) return Err{std::string("No escaped character")};
                    if (text[i + 1] != '"' && text[i + 1] != '\\') word += '\\';
                    ++i;
                }
                word += text[i];
            }
        } else {
            word += c;
        }
    }
    if (in_word) words.push_back(std::move(word));
    return words;
}

std::string wsgi_help_text(const Environment& environment) {
    // HelpFormatter's geometry; signed, as a tiny $COLUMNS makes some of it negative.
    long width = static_cast<long>(terminal_columns(environment)) - 2;
    long max_help_position = std::min(24L, std::max(width - 20, 4L));
    std::vector<const Option*> entries = help_entries();
    long longest = 0;
    for (const Option* entry : entries)
        longest = std::max(longest, static_cast<long>(invocation(*entry).size()) + 2);
    auto help_position = static_cast<size_t>(std::min(longest + 2, max_help_position));
    auto help_width = static_cast<size_t>(std::max(width - static_cast<long>(help_position), 11L));
    std::string out = fmt::format("{}\noptions:\n", kUsage);
    for (const Option* entry : entries)
        out += format_entry(invocation(*entry), help_of(*entry, environment), help_position,
                            help_width);
    return out;
}

std::string wsgi_version_text() {
    return fmt::format("{} (version {}; gunicorn 20.1.0 command line)\n", kProg, kVersion);
}

Result<WsgiCommandLine, CommandLineExit> parse_wsgi_command_line(
    const std::vector<std::string>& args, const Environment& environment) {
    auto defaults = WsgiSettings::defaults(environment);
    if (!defaults) return Err{value_error(defaults.error())};
    auto command_line = parse_arguments(args, environment);
    if (!command_line) return Err{command_line.error()};

    WsgiCommandLine line{defaults.value(), defaults.value(), {}, {}, {}, {}, {}};
    line.positionals = command_line->positionals;
    if (!line.positionals.empty()) {
        line.app_module = line.positionals.front();
        if (auto named = line.before_config_file.set("default_proc_name", *line.app_module); !named)
            return Err{value_error(named.error())};
    }
    auto from_environment = parse_environment_arguments(environment);
    if (!from_environment) return Err{from_environment.error()};
    line.from_command_line = assignments(*command_line);
    line.from_environment = assignments(*from_environment);

    line.config_file = config_given(line.from_command_line);
    if (!line.config_file) line.config_file = config_given(line.from_environment);
    if (!line.config_file) line.config_file = default_config_file();

    auto settings = apply_over_config_file(line, line.before_config_file);
    if (!settings) return Err{settings.error()};
    line.settings = std::move(settings).value();
    return line;
}

Result<WsgiSettings, CommandLineExit> apply_over_config_file(const WsgiCommandLine& line,
                                                             WsgiSettings from_config_file) {
    if (auto applied = apply(from_config_file, line.from_environment); !applied)
        return Err{applied.error()};
    if (auto applied = apply(from_config_file, line.from_command_line); !applied)
        return Err{applied.error()};
    return from_config_file;
}

Result<std::string, CommandLineExit> resolve_app_module(const WsgiCommandLine& line,
                                                        const WsgiSettings& settings) {
    if (settings.paste)
        return Err{value_error("PasteDeploy applications (--paste) are not supported by strata")};
    if (line.app_module) return *line.app_module;
    if (settings.wsgi_app) return *settings.wsgi_app;
    return Err{value_error("No application module specified.")};
}

}  // namespace strata::cli
