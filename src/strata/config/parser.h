// nginx's block structure over the lexer's statements: directives end with `;` or
// open a `{ … }` block; a `}` with no open block and an end of file inside one are
// errors with nginx's wording. What a directive means is the caller's business: a
// DirectiveHandler sees each directive before its block is read (as nginx's handlers
// do), so errors come out in nginx's order.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"
#include "strata/config/context.h"
#include "strata/config/directive.h"
#include "strata/config/status.h"

namespace strata::config {

// A block being filled: the context its directives stand in, the directive that owns
// it (null at the top of the main file), and the list it fills. Included files splice
// into the frame of the block that includes them.
struct BlockFrame {
    Context context = Context::main;
    bool free_form = false;  // `types {}`-like: entries, not directives
    const Directive* owner = nullptr;
    std::vector<Directive>* directives = nullptr;
    int depth = 0;  // block nesting, counted across included files
};

struct HandlerDecision {
    bool keep = true;        // false: the handler consumed it (e.g. spliced an include)
    BlockFrame child_frame;  // for a kept directive with a block; `directives` is set by the parser
};

class DirectiveHandler {
  public:
    virtual ~DirectiveHandler() = default;
    // `directive` has its name, args, location and has_block; its block is not read yet.
    virtual Result<HandlerDecision, ConfigError> on_directive(Directive& directive,
                                                              const BlockFrame& frame) = 0;
};

// Blocks nested deeper than this are refused rather than risking the stack.
inline constexpr int kMaxBlockDepth = 64;

// Reads `text` (the whole of `file`) into `frame`.
Status parse_into(std::string_view text, const std::string& file, const BlockFrame& frame,
                  DirectiveHandler& handler);

// Grammar only: no schema, `include` left as a directive.
Result<std::vector<Directive>, ConfigError> parse_text(std::string_view text,
                                                       const std::string& file);

}  // namespace strata::config
