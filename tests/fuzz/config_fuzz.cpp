// The configuration: nginx's grammar (parse_text), then the whole load as `strata -c`
// does it — the directive registry's checks, variables, and the web layer's typed
// MainConfig (values, regexes, listen addresses, merges). Properties: no crash; an error
// names a line of the text; a parsed tree is well formed; a load that passes implies a
// grammar that passes.
//
// Input: nginx.conf text.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <fstream>
#include <string>
#include <vector>

#include "fuzz_support.h"
#include "strata/config/core_directives.h"
#include "strata/config/loader.h"
#include "strata/config/parser.h"
#include "strata/web/config_builder.h"

namespace strata::fuzz {
namespace {

using config::Directive;

int line_count(std::string_view text) {
    int lines = 1;
    for (char c : text)
        lines += c == '\n';
    return lines;
}

void require_well_formed(const std::vector<Directive>& block, int max_line) {
    for (const Directive& d : block) {
        // A name may be empty (`"";` is grammatical; the registry then calls it unknown).
        require(d.args.size() == d.quoted.size(), "args and quoted differ in size");
        require(d.where.line >= 1 && d.where.line <= max_line, "directive line outside the text");
        require(d.has_block || d.block.empty(), "children without a block");
        require_well_formed(d.block, max_line);
    }
}

// The core registry without `include`: an included path would read this machine's files.
const config::DirectiveRegistry& registry_without_include() {
    static const config::DirectiveRegistry registry = [] {
        std::vector<config::DirectiveSpec> specs;
        for (const config::DirectiveSpec& s : config::core_directives())
            if (s.name != "include") specs.push_back(s);
        config::DirectiveRegistry r;
        r.register_directives(specs);
        return r;
    }();
    return registry;
}

// `listen name:80` resolves the name (getaddrinfo, maybe DNS): slow and not the code
// under test, so such configurations stop before the build.
bool names_a_host(const std::vector<Directive>& block) {
    for (const Directive& d : block) {
        if (d.name == "listen" && !d.args.empty()) {
            std::string_view a = d.args[0];
            std::string_view host = a.substr(0, a.rfind(':'));
            bool numeric = host.find_first_not_of("0123456789.*") == std::string_view::npos;
            if (!a.starts_with("unix:") && !a.starts_with("[") && !numeric) return true;
        }
        if (names_a_host(d.block)) return true;
    }
    return false;
}

// The load reads a file: one per process, rewritten for every input.
const std::string& scratch_file() {
    static const std::string path = [] {
        const char* dir = std::getenv("TMPDIR");
        std::string p = std::string(dir ? dir : "/tmp") + "/strata-config-fuzz-XXXXXX";
        int fd = mkstemp(p.data());
        require(fd >= 0, "cannot create the scratch file", p);
        close(fd);
        std::atexit([] { unlink(scratch_file().c_str()); });
        return p;
    }();
    return path;
}

void run(std::string_view text) {
    const int max_line = line_count(text);
    auto parsed = config::parse_text(text, "fuzz.conf");
    if (parsed) {
        require_well_formed(parsed.value(), max_line);
    } else {
        require(!parsed.error().message.empty(), "error without a message");
        require(parsed.error().where.line >= 0 && parsed.error().where.line <= max_line,
                "error line outside the text");
    }

    std::ofstream(scratch_file(), std::ios::binary | std::ios::trunc)
        .write(text.data(), static_cast<std::streamsize>(text.size()));
    config::LoadOptions options;
    options.directives = &registry_without_include();
    auto loaded = config::load_config(scratch_file(), options);
    if (!loaded) return;
    require(static_cast<bool>(parsed), "load passed where the grammar failed");
    if (names_a_host(loaded->directives)) return;
    auto built = web::build_main_config(loaded->directives, "/fuzz/prefix/");
    if (!built) require(!built.error().message.empty(), "build error without a message");
}

}  // namespace
}  // namespace strata::fuzz

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    strata::fuzz::run({reinterpret_cast<const char*>(data), size});
    return 0;
}
