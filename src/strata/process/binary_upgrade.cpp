#include "strata/process/binary_upgrade.h"

#include <climits>
#include <cstdlib>

#include <fmt/core.h>

namespace strata::process {
namespace {

// A non-negative decimal int with no sign, spaces or leading "+"; nullopt otherwise.
std::optional<int> parse_descriptor(std::string_view text) {
    if (text.empty() || text.size() > 10) return std::nullopt;
    long long value = 0;
    for (char c : text) {
        if (c < '0' || c > '9') return std::nullopt;
        value = value * 10 + (c - '0');
    }
    if (value > INT_MAX) return std::nullopt;
    return static_cast<int>(value);
}

// The entries of `value`: "5;6;" → 5, 6 (each must end with the separator); "5,6" →
// 5, 6 (separated). An error when the terminated form ends early.
Result<std::vector<std::string_view>, std::string> split(std::string_view value,
                                                         const HandOverFormat& format) {
    std::vector<std::string_view> entries;
    std::string_view rest = value;
    while (!rest.empty()) {
        size_t end = rest.find(format.separator);
        if (end == std::string_view::npos && format.separator_after_each) {
            return Err(fmt::format("socket number \"{}\" not followed by \"{}\" in {}=\"{}\"", rest,
                                   format.separator, format.variable, value));
        }
        entries.push_back(rest.substr(0, end));
        if (end == std::string_view::npos) break;
        rest.remove_prefix(end + 1);
        // "5," leaves an empty last entry, which must be refused too.
        if (rest.empty() && !format.separator_after_each) entries.push_back(rest);
    }
    return entries;
}

}  // namespace

HandOverFormat strata_hand_over() {
    return {"STRATA_LISTEN_FDS", ';', true};
}

HandOverFormat gunicorn_hand_over() {
    return {"GUNICORN_FD", ',', false};
}

std::string encode_listen_fds(const std::vector<int>& fds, const HandOverFormat& format) {
    std::string value;
    for (size_t i = 0; i < fds.size(); ++i) {
        if (i > 0 && !format.separator_after_each) value += format.separator;
        value += std::to_string(fds[i]);
        if (format.separator_after_each) value += format.separator;
    }
    return value;
}

Result<std::vector<int>, std::string> parse_listen_fds(std::string_view value,
                                                       const HandOverFormat& format) {
    auto entries = split(value, format);
    if (!entries) return Err(entries.error());
    std::vector<int> fds;
    for (std::string_view entry : entries.value()) {
        auto fd = parse_descriptor(entry);
        if (!fd) {
            return Err(fmt::format("invalid socket number \"{}\" in {}=\"{}\"", entry,
                                   format.variable, value));
        }
        for (int seen : fds) {
            if (seen == *fd) {
                return Err(fmt::format("socket number {} repeated in {}=\"{}\"", seen,
                                       format.variable, value));
            }
        }
        fds.push_back(*fd);
    }
    return fds;
}

Result<std::optional<std::vector<int>>, std::string> take_listen_fds_from_environment(
    const HandOverFormat& format) {
    std::string name(format.variable);
    const char* value = std::getenv(name.c_str());
    if (value == nullptr) return std::optional<std::vector<int>>();
    std::string copy = value;
    ::unsetenv(name.c_str());
    auto fds = parse_listen_fds(copy, format);
    if (!fds) return Err(fds.error());
    return std::optional<std::vector<int>>(std::move(fds).value());
}

std::string oldbin_path(const std::string& pid_file) {
    return pid_file + ".oldbin";
}

std::string second_master_pid_path(const std::string& pid_file) {
    return pid_file + ".2";
}

UpgradeStyle nginx_upgrade() {
    return {};
}

UpgradeStyle gunicorn_upgrade() {
    UpgradeStyle style;
    style.hand_over = gunicorn_hand_over();
    style.new_master_waits_for_pid_file = true;
    style.rollback_on_new_binary_exit = false;
    style.new_binary_takes_winch = false;
    style.old_master_pid_variable = "GUNICORN_PID";
    return style;
}

}  // namespace strata::process
