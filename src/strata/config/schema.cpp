#include "strata/config/schema.h"

#include <algorithm>

#include "strata/config/values.h"

namespace strata::config {
namespace {

std::string quoted_name(std::string_view name) {
    return "\"" + std::string(name) + "\"";
}

Status check_shape(const DirectiveSpec& spec, const Directive& directive) {
    const bool wants_block = spec.block != BlockKind::none;
    if (!wants_block && directive.has_block) {
        return fail(directive.where,
                    "directive " + quoted_name(directive.name) + " is not terminated by \";\"");
    }
    if (wants_block && !directive.has_block) {
        return fail(directive.where,
                    "directive " + quoted_name(directive.name) + " has no opening \"{\"");
    }
    return success();
}

Status check_arity(const DirectiveSpec& spec, const Directive& directive) {
    const int count = static_cast<int>(directive.args.size());
    if (count >= spec.args.min && count <= spec.args.max) return success();
    return fail(directive.where,
                "invalid number of arguments in " + quoted_name(directive.name) + " directive");
}

bool has_sibling(const BlockFrame& frame, std::string_view name) {
    return std::any_of(frame.directives->begin(), frame.directives->end(),
                       [&](const Directive& sibling) { return sibling.name == name; });
}

Status check_repeat(const DirectiveSpec& spec, const Directive& directive,
                    const BlockFrame& frame) {
    if (!spec.repeatable && has_sibling(frame, directive.name)) {
        return fail(directive.where, quoted_name(directive.name) + " directive is duplicate");
    }
    if (!spec.conflicts_with.empty() && has_sibling(frame, spec.conflicts_with)) {
        return fail(directive.where, quoted_name(directive.name) + " directive is duplicate, " +
                                         quoted_name(spec.conflicts_with) +
                                         " directive was specified earlier");
    }
    return success();
}

Status check_spec(const DirectiveSpec& spec, const Directive& directive, const BlockFrame& frame) {
    for (auto step : {check_shape, check_arity}) {
        auto checked = step(spec, directive);
        if (!checked) return checked;
    }
    auto repeat = check_repeat(spec, directive, frame);
    if (!repeat) return repeat;
    if (spec.args.flag) {
        auto flag = parse_flag(directive);
        if (!flag) return Err{flag.error()};
    }
    if (spec.check != nullptr) return spec.check(directive, frame);
    return success();
}

}  // namespace

void DirectiveRegistry::register_directives(std::span<const DirectiveSpec> specs) {
    for (const DirectiveSpec& spec : specs)
        specs_[spec.name].push_back(spec);
}

bool DirectiveRegistry::knows(std::string_view name) const {
    return specs_.count(name) != 0;
}

Result<const DirectiveSpec*, ConfigError> DirectiveRegistry::check(const Directive& directive,
                                                                   const BlockFrame& frame) const {
    auto found = specs_.find(directive.name);
    if (found == specs_.end()) {
        return fail(directive.where, "unknown directive " + quoted_name(directive.name));
    }
    for (const DirectiveSpec& spec : found->second) {
        if (!contains(spec.contexts, frame.context)) continue;
        auto checked = check_spec(spec, directive, frame);
        if (!checked) return Err{checked.error()};
        return &spec;
    }
    return fail(directive.where, quoted_name(directive.name) + " directive is not allowed here");
}

BlockFrame child_frame_for(const DirectiveSpec& spec) {
    BlockFrame child;
    child.context = spec.child_context;
    child.free_form = spec.block == BlockKind::free_form;
    return child;
}

}  // namespace strata::config
