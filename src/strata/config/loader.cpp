#include "strata/config/loader.h"

#include <algorithm>
#include <utility>

#include "strata/config/core_directives.h"
#include "strata/config/detail/variable_uses.h"
#include "strata/config/include.h"
#include "strata/config/parser.h"

namespace strata::config {
namespace {

constexpr const char* kCommandLine = "command line";

class Loader : public DirectiveHandler {
  public:
    Loader(const LoadOptions& options, const DirectiveRegistry& registry, LoadedConfig& config,
           std::string conf_prefix)
        : options_(options),
          registry_(registry),
          config_(config),
          conf_prefix_(std::move(conf_prefix)) {}

    Status load_global_directives(const BlockFrame& frame) {
        in_command_line_ = true;
        auto loaded = parse_into(options_.global_directives, kCommandLine, frame, *this);
        in_command_line_ = false;
        return loaded;
    }

    Status load_file(const std::string& path, const BlockFrame& frame) {
        auto text = read_config_file(path);
        if (!text) return fail(including_, text.error());
        config_.files.push_back(SourceFile{path, std::move(text.value())});
        // Parse from a copy: later reads may move the vector's strings.
        const std::string content = config_.files.back().text;
        return parse_into(content, path, frame, *this);
    }

    Result<HandlerDecision, ConfigError> on_directive(Directive& directive,
                                                      const BlockFrame& frame) override {
        if (frame.free_form) return free_form_entry(directive, frame);
        if (in_command_line_ && directive.has_block) {
            return fail(directive.where, "block directives are not supported in -g option");
        }
        auto spec = registry_.check(directive, frame);
        if (!spec) return Err{spec.error()};
        if (directive.name == "include") return include(directive, frame);
        auto variables = uses_.collect(directive, **spec);
        if (!variables) return Err{variables.error()};
        return HandlerDecision{true, child_frame_for(**spec)};
    }

    Status check_variables(const VariableRegistry& known) const { return uses_.check(known); }

  private:
    // In `types {}` and the like, entries are data; only `include` means something.
    Result<HandlerDecision, ConfigError> free_form_entry(Directive& entry,
                                                         const BlockFrame& frame) {
        if (entry.has_block) return fail(entry.where, "unexpected \"{\"");
        if (entry.name != "include") return HandlerDecision{};
        if (entry.args.size() != 1) {
            return fail(entry.where, "invalid number of arguments in \"include\" directive");
        }
        return include(entry, frame);
    }

    Result<HandlerDecision, ConfigError> include(const Directive& directive,
                                                 const BlockFrame& frame) {
        if (depth_ >= options_.max_include_depth) {
            return fail(directive.where, "includes nested deeper than " +
                                             std::to_string(options_.max_include_depth) +
                                             " levels, probably an include loop: \"" +
                                             directive.args[0] + "\"");
        }
        const std::string pattern = resolve_include_path(directive.args[0], conf_prefix_);
        auto files = expand_include(pattern);
        if (!files) return fail(directive.where, files.error());
        const SourceLocation saved = including_;
        including_ = directive.where;
        ++depth_;
        for (const std::string& file : files.value()) {
            auto loaded = load_file(file, frame);
            if (!loaded) return Err{loaded.error()};
        }
        --depth_;
        including_ = saved;
        return HandlerDecision{false, {}};
    }

    const LoadOptions& options_;
    const DirectiveRegistry& registry_;
    LoadedConfig& config_;
    const std::string conf_prefix_;
    detail::VariableUses uses_;
    bool in_command_line_ = false;
    SourceLocation including_;  // the include being read, named when a file cannot be
    int depth_ = 0;
};

}  // namespace

Result<LoadedConfig, ConfigError> load_config(const std::string& path, const LoadOptions& options) {
    const DirectiveRegistry fallback_directives =
        options.directives ? DirectiveRegistry{} : core_registry();
    const VariableRegistry fallback_variables =
        options.variables ? VariableRegistry{} : nginx_variables();
    const DirectiveRegistry& registry =
        options.directives ? *options.directives : fallback_directives;
    const VariableRegistry& variables = options.variables ? *options.variables : fallback_variables;

    LoadedConfig config;
    Loader loader(options, registry, config,
                  options.conf_prefix.empty() ? directory_of(path) : options.conf_prefix);
    BlockFrame top;
    top.directives = &config.directives;
    auto global = loader.load_global_directives(top);
    if (!global) return Err{global.error()};
    auto loaded = loader.load_file(path, top);
    if (!loaded) return Err{loaded.error()};
    auto checked = loader.check_variables(variables);
    if (!checked) return Err{checked.error()};
    return config;
}

// A file included twice with the same content is shown once, as nginx does.
std::string dump(const LoadedConfig& config) {
    std::string out;
    for (auto file = config.files.begin(); file != config.files.end(); ++file) {
        const bool shown = std::any_of(config.files.begin(), file, [&](const SourceFile& earlier) {
            return earlier.path == file->path && earlier.text == file->text;
        });
        if (shown) continue;
        out += "# configuration file " + file->path + ":\n" + file->text + "\n";
    }
    return out;
}

}  // namespace strata::config
