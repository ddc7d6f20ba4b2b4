#include "strata/config/parser.h"

#include <utility>

#include "strata/config/lexer.h"

namespace strata::config {
namespace {

Directive directive_from(Statement&& statement, const std::string& file) {
    Directive directive;
    directive.name = std::move(statement.words.front());
    directive.args.assign(std::make_move_iterator(statement.words.begin() + 1),
                          std::make_move_iterator(statement.words.end()));
    directive.quoted.assign(statement.quoted.begin() + 1, statement.quoted.end());
    directive.where = SourceLocation{file, statement.line};
    directive.has_block = statement.end == StatementEnd::block_open;
    return directive;
}

class BlockReader {
  public:
    BlockReader(Lexer& lexer, DirectiveHandler& handler) : lexer_(lexer), handler_(handler) {}

    // Reads directives into `frame` until its `}` (nested) or the end of the file.
    Status read(const BlockFrame& frame, bool nested) {
        for (;;) {
            auto statement = lexer_.next();
            if (!statement) return Err{statement.error()};
            switch (statement->end) {
                case StatementEnd::block_close:
                    if (nested) return success();
                    return error_here("unexpected \"}\"");
                case StatementEnd::end_of_file:
                    if (!nested) return success();
                    return error_here("unexpected end of file, expecting \"}\"");
                default:
                    break;
            }
            auto done = read_directive(std::move(statement.value()), frame);
            if (!done) return done;
        }
    }

  private:
    Status read_directive(Statement&& statement, const BlockFrame& frame) {
        Directive directive = directive_from(std::move(statement), lexer_.file());
        auto decision = handler_.on_directive(directive, frame);
        if (!decision) return Err{decision.error()};
        if (!decision->keep) return success();
        frame.directives->push_back(std::move(directive));
        Directive& kept = frame.directives->back();
        if (!kept.has_block) return success();
        if (frame.depth + 1 > kMaxBlockDepth) return error_here("blocks are nested too deeply");
        BlockFrame child = decision->child_frame;
        child.owner = &kept;
        child.directives = &kept.block;
        child.depth = frame.depth + 1;
        auto read_block = read(child, true);
        if (read_block) kept.end_line = lexer_.line();  // at its "}"
        return read_block;
    }

    Err<ConfigError> error_here(std::string message) const {
        return fail(SourceLocation{lexer_.file(), lexer_.line()}, std::move(message));
    }

    Lexer& lexer_;
    DirectiveHandler& handler_;
};

class AcceptEverything : public DirectiveHandler {
  public:
    Result<HandlerDecision, ConfigError> on_directive(Directive&, const BlockFrame&) override {
        return HandlerDecision{};
    }
};

}  // namespace

Status parse_into(std::string_view text, const std::string& file, const BlockFrame& frame,
                  DirectiveHandler& handler) {
    Lexer lexer(text, file);
    return BlockReader(lexer, handler).read(frame, false);
}

Result<std::vector<Directive>, ConfigError> parse_text(std::string_view text,
                                                       const std::string& file) {
    std::vector<Directive> directives;
    AcceptEverything handler;
    BlockFrame top;
    top.directives = &directives;
    auto parsed = parse_into(text, file, top, handler);
    if (!parsed) return Err{parsed.error()};
    return directives;
}

}  // namespace strata::config
