// `autoindex on`: the listing of a directory that has no index file, in the four
// formats of nginx 1.22 (html, xml, json, jsonp), byte for byte as nginx writes them.
// The formatting functions are pure so that tests can pin the layout down.
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <ctime>
#include <string>
#include <string_view>
#include <vector>

#include "strata/web/request_context.h"

namespace strata::web {

struct DirectoryEntry {
    std::string name;
    bool is_directory = false;
    bool is_file = false;  // a regular file (xml and json call the rest "other")
    uint64_t size = 0;
    time_t mtime = 0;
};

// Directories first, then by name, byte by byte (nginx's order; no locale).
void sort_entries(std::vector<DirectoryEntry>& entries);

// The name column of an html line: the name escaped, a "/" after a directory, padded to
// 50 columns and a space; longer names cut to 47 bytes and "..>".
std::string autoindex_name_column(const DirectoryEntry& entry);
// The size column: exact bytes, or with autoindex_exact_size off 9999, 10K, 2M, 1G.
std::string autoindex_size_column(const DirectoryEntry& entry, bool exact_size);
// A name as a link target: everything but letters, digits and "-._~" percent-encoded.
std::string autoindex_escape_href(std::string_view name);

struct HtmlListingOptions {
    bool exact_size = true;
    bool localtime = false;
};

// `uri` is the decoded request path, ending in "/".
std::string autoindex_html(std::string_view uri, const std::vector<DirectoryEntry>& entries,
                           const HtmlListingOptions& options);
std::string autoindex_xml(const std::vector<DirectoryEntry>& entries);
std::string autoindex_json(const std::vector<DirectoryEntry>& entries);
// A jsonp callback nginx accepts: up to 128 of letters, digits, "_" and ".".
bool valid_jsonp_callback(std::string_view callback);

// Answers the request with the listing of `directory` (an existing directory whose URI
// is ctx.uri), in the location's autoindex_format.
void serve_autoindex(RequestContext& ctx, const std::string& directory);

}  // namespace strata::web
