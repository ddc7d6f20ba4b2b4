// Handing the listening sockets to a new binary (nginx's USR2 upgrade, gunicorn's
// re-exec): the old master execs the binary again with its listening sockets left open
// and their numbers in one environment variable; the new master reads them back and
// serves on the same sockets, so no connection is refused while both run.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "strata/base/result.h"

namespace strata::process {

// How the descriptor numbers are written into the variable.
struct HandOverFormat {
    std::string_view variable;
    char separator = ';';
    bool separator_after_each = true;  // "5;6;" (nginx); false: "5,6" (gunicorn)
};

// strata's own variable in nginx's form: STRATA_LISTEN_FDS="5;6;" (nginx: NGINX="5;6;").
HandOverFormat strata_hand_over();
// gunicorn 20.1's: GUNICORN_FD="5,6".
HandOverFormat gunicorn_hand_over();

std::string encode_listen_fds(const std::vector<int>& fds,
                              const HandOverFormat& format = strata_hand_over());

// The inverse of encode_listen_fds(). Strict, unlike nginx (which uses what it read
// before a bad entry): a value that does not parse fully is an error naming the bad
// entry, so a new master never starts on half of the old one's sockets.
Result<std::vector<int>, std::string> parse_listen_fds(
    std::string_view value, const HandOverFormat& format = strata_hand_over());

// Reads the variable and removes it from the environment, so neither this master's
// workers nor a later upgrade see a stale value. nullopt: the process was not started
// by an upgrade.
Result<std::optional<std::vector<int>>, std::string> take_listen_fds_from_environment(
    const HandOverFormat& format = strata_hand_over());

// Where an upgrading nginx master moves its pid file: "<pid file>.oldbin".
std::string oldbin_path(const std::string& pid_file);
// Where a gunicorn master started by a re-exec writes its pid while the old master
// lives: "<pid file>.2".
std::string second_master_pid_path(const std::string& pid_file);

// The ways nginx and gunicorn run an upgrade, beyond the hand-over.
struct UpgradeStyle {
    HandOverFormat hand_over = strata_hand_over();
    // nginx: the old master renames its pid file to .oldbin and the new one writes the
    // pid file. gunicorn 20.1: the old master keeps its pid file; the new one writes
    // "<pid file>.2" and takes the name when the old master is gone ("promoted").
    bool new_master_waits_for_pid_file = false;
    // nginx: HUP to an old master whose new binary runs starts its workers again with
    // the configuration they had (the rollback), and the new binary's exit puts the pid
    // file back and restarts workers WINCH stopped. gunicorn: HUP reloads as always.
    bool rollback_on_new_binary_exit = true;
    // nginx acts on WINCH in a new binary even in the foreground; gunicorn only with
    // --daemon.
    bool new_binary_takes_winch = true;
    // Set to the old master's pid for the new binary (gunicorn's GUNICORN_PID).
    std::string_view old_master_pid_variable;
};

UpgradeStyle nginx_upgrade();
UpgradeStyle gunicorn_upgrade();

}  // namespace strata::process
