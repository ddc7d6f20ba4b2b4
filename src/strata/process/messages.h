// The words the master and its workers log about themselves. nginx and gunicorn say the
// same things differently ("start worker process 1234" / "Booting worker with pid:
// 1234"), and users grep for the words they know, so the words are data the front end
// picks: nginx_messages() for `strata`, gunicorn_messages() for `strata wsgi`.
#pragma once

#include <string>
#include <string_view>

#include <fmt/core.h>

#include "strata/base/log.h"

namespace strata::process {

// One line: fmt syntax over the named fields its event offers ("{pid}"), at `level`.
// An empty format logs nothing.
struct LogLine {
    log::Level level = log::Level::notice;
    std::string format;
};

// Fields offered are listed with each line; a format may use any of them, or none.
struct MasterMessages {
    // Master, after a fork: {pid} {slot}.
    LogLine worker_started;
    // Worker, first thing after the fork: {pid} {slot}.
    LogLine worker_booting;
    // Worker, when its code returns and it is about to exit: {pid} {status}.
    LogLine worker_exiting;
    // Master / worker, a signal arrived: {signo} (15), {signal} ("SIGTERM"),
    // {name} ("term"), {command} ("graceful stop").
    LogLine signal_received;
    LogLine worker_signal;
    // Master, a reload begins (before the configuration is loaded again).
    LogLine reloading;
    // Master, the configuration failed to load at a reload: {error}; then the second line.
    LogLine load_failed;
    LogLine reload_rejected;
    // Master, a worker was reaped: {pid}, {how} ("exited with code 1", "exited on signal
    // 9"), and {code} or {signo}. Exit code 0, another code, or a signal.
    LogLine worker_exited;
    LogLine worker_failed;
    LogLine worker_signalled;
    // Master: a worker missed its heartbeat and gets SIGABRT: {pid}.
    LogLine worker_timeout;
    // Master: a worker outlived its deadline and gets SIGKILL: {pid}.
    LogLine worker_killed;
    // Master: a worker exited with kWorkerBootFailed, so the master stops: {pid}.
    LogLine boot_failed;
    // Master: TTIN/TTOU changed the number of workers: {count}.
    LogLine workers_changed;
    // Master: workers die right after start, the next fork waits: {delay} (ms).
    LogLine respawn_delayed;
    // Binary upgrade (USR2). New master, at start: {value} (the hand-over variable's).
    LogLine inherited_sockets;
    // Old master: the new binary was forked: {pid}; it was reaped: {pid} {how}, and the
    // pid file is back: {path}.
    LogLine new_binary_started;
    LogLine new_binary_exited;
    LogLine pid_file_restored;
    // USR2 while an upgrade is under way: in the old master (its new binary runs), in
    // the new one (its old master runs).
    LogLine upgrade_refused_new_binary_runs;
    LogLine upgrade_refused_old_master_runs;
    // New master, its old master is gone and it takes the pid file's name: {path}.
    LogLine promoted;
    // Old master: the upgrade could not start; new binary: its exec failed: {error}.
    LogLine upgrade_failed;
    // Master: WINCH arrived but the master is not detached (daemon off): a terminal's
    // window resize sends it too. {signal}. Or it stops its workers.
    LogLine stop_workers_ignored;
    LogLine stopping_workers;
    // Master, its last lines: always, then after a worker failed to boot.
    LogLine shutting_down;
    LogLine boot_failed_reason;
};

MasterMessages nginx_messages();
MasterMessages gunicorn_messages();

// A format that does not fit its fields is written as it stands, not thrown.
void write_line(const LogLine& line, fmt::format_args fields);

// Writes `line` with its fields: say(line, fmt::arg("pid", pid)).
template <class... Fields>
void say(const LogLine& line, const Fields&... fields) {
    if (line.format.empty() || line.level < log::level()) return;
    write_line(line, fmt::make_format_args(fields...));
}

// A signal's line, with its four fields.
void say_signal(const LogLine& line, int signo, std::string_view command);

}  // namespace strata::process
