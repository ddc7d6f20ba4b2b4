#include "strata/web/autoindex.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <memory>
#include <optional>

#include "strata/base/http_date.h"
#include "strata/web/front_handler.h"
#include "strata/web/variables.h"

namespace strata::web {
namespace {

constexpr size_t kNameColumn = 50;         // the html name column's width
constexpr size_t kJsonpCallbackMax = 128;  // nginx's limit for the callback's name

constexpr const char* kMonths[] = {"Jan", "Feb", "Mar", "Apr", "May", "Jun",
                                   "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"};

void append_html_escaped(std::string& out, std::string_view text) {
    for (char c : text) {
        switch (c) {
            case '&':
                out += "&amp;";
                break;
            case '<':
                out += "&lt;";
                break;
            case '>':
                out += "&gt;";
                break;
            case '"':
                out += "&quot;";
                break;
            default:
                out += c;
        }
    }
}

void append_json_escaped(std::string& out, std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    for (char c : text) {
        auto byte = static_cast<unsigned char>(c);
        if (c == '"' || c == '\\') {
            out += '\\';
            out += c;
        } else if (byte >= 0x20) {
            out += c;
        } else if (c == '\n') {
            out += "\\n";
        } else if (c == '\r') {
            out += "\\r";
        } else if (c == '\t') {
            out += "\\t";
        } else if (c == '\b') {
            out += "\\b";
        } else if (c == '\f') {
            out += "\\f";
        } else {
            out += "\\u00";
            out += kHex[byte >> 4];
            out += kHex[byte & 0xf];
        }
    }
}

std::string right_aligned(std::string text, size_t width) {
    if (text.size() < width) text.insert(0, width - text.size(), ' ');
    return text;
}

// "24-Nov-2026 02:00", always with English month names whatever the locale.
std::string listing_date(time_t t, bool localtime) {
    struct tm tm {};
    if (localtime)
        ::localtime_r(&t, &tm);
    else
        ::gmtime_r(&t, &tm);
    char buf[80];  // room for any int the fields could hold
    std::snprintf(buf, sizeof buf, "%02d-%s-%d %02d:%02d", tm.tm_mday, kMonths[tm.tm_mon],
                  tm.tm_year + 1900, tm.tm_hour, tm.tm_min);
    return buf;
}

// "2026-11-24T02:00:00Z" for xml.
std::string iso_date(time_t t) {
    struct tm tm {};
    ::gmtime_r(&t, &tm);
    char buf[80];  // room for any int the fields could hold
    std::snprintf(buf, sizeof buf, "%d-%02d-%02dT%02d:%02d:%02dZ", tm.tm_year + 1900, tm.tm_mon + 1,
                  tm.tm_mday, tm.tm_hour, tm.tm_min, tm.tm_sec);
    return buf;
}

// `size` in units of `unit`, rounded half up as nginx rounds the human-readable sizes.
uint64_t in_units(uint64_t size, uint64_t unit) {
    return size / unit + (size % unit >= unit / 2 ? 1 : 0);
}

std::string approximate_size(uint64_t size) {
    constexpr uint64_t kK = 1024, kM = kK * 1024, kG = kM * 1024;
    if (size >= kG) return std::to_string(in_units(size, kG)) + "G";
    if (size >= kM) return std::to_string(in_units(size, kM)) + "M";
    if (size > 9999) return std::to_string(in_units(size, kK)) + "K";
    return std::to_string(size);
}

// What xml and json call an entry; "other" (a fifo, a dangling symlink) has no size.
std::string_view entry_type(const DirectoryEntry& e) {
    if (e.is_directory) return "directory";
    return e.is_file ? "file" : "other";
}

std::string json_entry(const DirectoryEntry& e) {
    std::string out = "{ \"name\":\"";
    append_json_escaped(out, e.name);
    out += "\", \"type\":\"" + std::string(entry_type(e)) + "\"";
    char date[kHttpDateLength + 1];
    format_http_date(e.mtime, date);
    out += ", \"mtime\":\"" + std::string(date, kHttpDateLength) + "\"";
    if (e.is_file) out += ", \"size\":" + std::to_string(e.size);
    return out + " }";
}

// The entry's stat(); a dangling or looping symlink is listed as the link itself, and an
// unreadable entry is left out (std::nullopt with error 0), as nginx does.
std::optional<struct stat> entry_info(int dir_fd, const char* name, int& error) {
    struct stat st {};
    if (::fstatat(dir_fd, name, &st, 0) == 0) return st;
    error = errno;
    if (error == EACCES) {
        error = 0;
        return std::nullopt;
    }
    if (error != ENOENT && error != ELOOP) return std::nullopt;
    if (::fstatat(dir_fd, name, &st, AT_SYMLINK_NOFOLLOW) == 0) {
        error = 0;
        return st;
    }
    error = errno;
    return std::nullopt;
}

struct DirCloser {
    void operator()(DIR* d) const { ::closedir(d); }
};
using DirHandle = std::unique_ptr<DIR, DirCloser>;

// The visible entries of `dir`; errno in `error` when one could not be read.
std::vector<DirectoryEntry> read_entries(DIR* dir, int& error) {
    std::vector<DirectoryEntry> entries;
    error = 0;
    for (;;) {
        errno = 0;
        const dirent* d = ::readdir(dir);
        if (d == nullptr) {
            error = errno;
            break;
        }
        if (d->d_name[0] == '.') continue;  // hidden, and "." and ".."
        std::optional<struct stat> st = entry_info(::dirfd(dir), d->d_name, error);
        if (error != 0) break;
        if (!st) continue;
        entries.push_back({d->d_name, S_ISDIR(st->st_mode), S_ISREG(st->st_mode),
                           static_cast<uint64_t>(st->st_size), st->st_mtime});
    }
    sort_entries(entries);
    return entries;
}

int status_for_open_error(int error) {
    if (error == ENOENT || error == ENOTDIR || error == ENAMETOOLONG) return 404;
    return error == EACCES ? 403 : 500;
}

struct Listing {
    std::string_view content_type;
    std::string body;
};

// The body in the location's format, or std::nullopt for a bad jsonp callback.
std::optional<Listing> make_listing(const RequestContext& ctx,
                                    const std::vector<DirectoryEntry>& entries) {
    const LocationSettings& s = ctx.settings();
    switch (*s.autoindex_format) {
        case AutoindexFormat::xml:
            return Listing{"text/xml; charset=utf-8", autoindex_xml(entries)};
        case AutoindexFormat::json:
            return Listing{"application/json", autoindex_json(entries)};
        case AutoindexFormat::jsonp: {
            std::string callback = variable_value("arg_callback", ctx).value_or("");
            if (!valid_jsonp_callback(callback)) return std::nullopt;
            if (callback.empty()) return Listing{"application/json", autoindex_json(entries)};
            return Listing{"application/javascript",
                           "/* callback */\r\n" + callback + "(" + autoindex_json(entries) + ");"};
        }
        case AutoindexFormat::html:
            break;
    }
    return Listing{"text/html", autoindex_html(ctx.uri, entries,
                                               {*s.autoindex_exact_size, *s.autoindex_localtime})};
}

}  // namespace

void sort_entries(std::vector<DirectoryEntry>& entries) {
    std::sort(entries.begin(), entries.end(), [](const DirectoryEntry& a, const DirectoryEntry& b) {
        if (a.is_directory != b.is_directory) return a.is_directory;
        return a.name < b.name;  // std::string compares as unsigned bytes, like strcmp
    });
}

// nginx measures the name in bytes, without the directory's "/": a 50-byte directory
// name fills the column with no room for the slash, a longer one is cut.
std::string autoindex_name_column(const DirectoryEntry& e) {
    std::string out;
    if (e.name.size() > kNameColumn) {
        append_html_escaped(out, std::string_view(e.name).substr(0, kNameColumn - 3));
        return out + "..&gt;</a> ";
    }
    append_html_escaped(out, e.name);
    size_t width = e.name.size();
    if (e.is_directory && width < kNameColumn) {
        out += '/';
        ++width;
    }
    out += "</a>";
    return out + std::string(kNameColumn - width + 1, ' ');
}

std::string autoindex_size_column(const DirectoryEntry& e, bool exact_size) {
    if (exact_size) return right_aligned(e.is_directory ? "-" : std::to_string(e.size), 19);
    return right_aligned(e.is_directory ? "-" : approximate_size(e.size), 7);
}

std::string autoindex_escape_href(std::string_view name) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (char c : name) {
        auto byte = static_cast<unsigned char>(c);
        bool plain = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                     c == '-' || c == '.' || c == '_' || c == '~';
        if (plain) {
            out += c;
            continue;
        }
        out += '%';
        out += kHex[byte >> 4];
        out += kHex[byte & 0xf];
    }
    return out;
}

std::string autoindex_html(std::string_view uri, const std::vector<DirectoryEntry>& entries,
                           const HtmlListingOptions& options) {
    std::string title;
    append_html_escaped(title, uri);
    std::string out = "<html>\r\n<head><title>Index of " + title +
                      "</title></head>\r\n<body>\r\n<h1>Index of " + title +
                      "</h1><hr><pre><a href=\"../\">../</a>\r\n";
    for (const DirectoryEntry& e : entries) {
        out += "<a href=\"" + autoindex_escape_href(e.name) + (e.is_directory ? "/" : "") + "\">";
        out += autoindex_name_column(e);
        out += listing_date(e.mtime, options.localtime) + " ";
        out += autoindex_size_column(e, options.exact_size) + "\r\n";
    }
    return out + "</pre><hr></body>\r\n</html>\r\n";
}

std::string autoindex_xml(const std::vector<DirectoryEntry>& entries) {
    std::string out = "<?xml version=\"1.0\"?>\r\n<list>\r\n";
    for (const DirectoryEntry& e : entries) {
        std::string type(entry_type(e));
        out += "<" + type + " mtime=\"" + iso_date(e.mtime) + "\"";
        if (e.is_file) out += " size=\"" + std::to_string(e.size) + "\"";
        out += '>';
        append_html_escaped(out, e.name);
        out += "</" + type + ">\r\n";
    }
    return out + "</list>\r\n";
}

std::string autoindex_json(const std::vector<DirectoryEntry>& entries) {
    std::string out = "[\r\n";
    for (size_t i = 0; i < entries.size(); ++i)
        out += json_entry(entries[i]) + (i + 1 < entries.size() ? ",\r\n" : "\r\n");
    return out + "]";
}

bool valid_jsonp_callback(std::string_view callback) {
    if (callback.size() > kJsonpCallbackMax) return false;
    return std::all_of(callback.begin(), callback.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '_' || c == '.';
    });
}

void serve_autoindex(RequestContext& ctx, const std::string& directory) {
    DirHandle dir(::opendir(directory.c_str()));
    if (!dir) return finish_with_error(ctx, status_for_open_error(errno));
    int error = 0;
    std::vector<DirectoryEntry> entries = read_entries(dir.get(), error);
    if (error != 0) return finish_with_error(ctx, 500);
    std::optional<Listing> listing = make_listing(ctx, entries);
    if (!listing) return finish_with_error(ctx, 400);  // nginx: "invalid callback name"
    net::ResponseHead head;
    head.content_type = listing->content_type;
    head.chunked = true;  // nginx streams the listing without a Content-Length
    respond_with(ctx, head, listing->body);
}

}  // namespace strata::web
