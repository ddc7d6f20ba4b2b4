#include "strata/process/messages.h"

#include <fmt/format.h>

#include "strata/process/signals.h"

namespace strata::process {

using log::Level;

// nginx's own words where nginx has them; strata's where it does not.
MasterMessages nginx_messages() {
    MasterMessages m;
    m.worker_started = {Level::notice, "start worker process {pid}"};
    m.signal_received = {Level::notice, "signal {signo} ({signal}) received, {command}"};
    m.worker_signal = m.signal_received;
    m.load_failed = {Level::emerg, "{error}"};
    m.reload_rejected = {Level::notice,
                         "reload rejected, workers keep serving the previous configuration"};
    m.worker_exited = {Level::notice, "worker process {pid} {how}"};
    m.worker_failed = {Level::alert, "worker process {pid} {how}"};
    m.worker_signalled = m.worker_failed;
    m.worker_timeout = {Level::crit, "WORKER TIMEOUT (pid:{pid})"};
    m.worker_killed = {Level::alert, "worker process {pid} did not exit in time, sending SIGKILL"};
    m.boot_failed = {Level::emerg, "worker process {pid} failed to boot, stopping"};
    m.workers_changed = {Level::notice, "worker processes: {count}"};
    m.respawn_delayed = {Level::alert,
                         "worker processes exit right after start, respawning in {delay} ms"};
    m.inherited_sockets = {Level::notice, "using inherited sockets from \"{value}\""};
    m.new_binary_started = {Level::notice, "start new binary process {pid}"};
    m.new_binary_exited = {Level::notice, "new binary process {pid} {how}"};
    m.pid_file_restored = {Level::notice, "pid file \"{path}\" restored"};
    m.upgrade_refused_new_binary_runs = {
        Level::crit,
        "the changing binary signal is ignored: you should shutdown or terminate before "
        "either old or new binary's process"};
    m.upgrade_refused_old_master_runs = m.upgrade_refused_new_binary_runs;
    m.upgrade_failed = {Level::alert, "{error}"};
    m.stop_workers_ignored = {Level::notice,
                              "{signal} ignored: the master runs in the foreground (daemon off)"};
    m.shutting_down = {Level::notice, "exit"};
    return m;
}

// gunicorn 20.1's arbiter and worker lines, at their levels; silent where gunicorn is.
MasterMessages gunicorn_messages() {
    MasterMessages m;
    m.worker_booting = {Level::info, "Booting worker with pid: {pid}"};
    m.worker_exiting = {Level::info, "Worker exiting (pid: {pid})"};
    m.signal_received = {Level::info, "Handling signal: {name}"};
    m.reloading = {Level::info, "Hang up: Master"};
    m.load_failed = {Level::error, "{error}"};
    m.reload_rejected = {Level::error,
                         "Reload rejected, workers keep serving the previous configuration"};
    m.worker_signalled = {Level::warn,
                          "Worker with pid {pid} was terminated due to signal {signo}"};
    m.worker_timeout = {Level::crit, "WORKER TIMEOUT (pid:{pid})"};
    m.workers_changed = {Level::debug, "{count} workers"};
    m.respawn_delayed = {Level::error,
                         "Worker processes exit right after start, respawning in {delay} ms"};
    m.shutting_down = {Level::info, "Shutting down: Master"};
    m.boot_failed_reason = {Level::info, "Reason: Worker failed to boot."};
    m.upgrade_refused_new_binary_runs = {Level::warn, "USR2 signal ignored. Child exists."};
    m.upgrade_refused_old_master_runs = {Level::warn, "USR2 signal ignored. Parent exists."};
    m.promoted = {Level::info, "Master has been promoted."};
    m.upgrade_failed = {Level::error, "{error}"};
    m.stop_workers_ignored = {Level::debug, "SIGWINCH ignored. Not daemonized"};
    m.stopping_workers = {Level::info, "graceful stop of workers"};
    return m;
}

void write_line(const LogLine& line, fmt::format_args fields) {
    try {
        log::write(line.level, fmt::vformat(line.format, fields));
    } catch (const fmt::format_error& e) {
        // A front end's typo must not take the master down: say what it could.
        log::write(line.level, fmt::format("{} (bad log format: {})", line.format, e.what()));
    }
}

void say_signal(const LogLine& line, int signo, std::string_view command) {
    say(line, fmt::arg("signo", signo), fmt::arg("signal", signal_name(signo)),
        fmt::arg("name", short_signal_name(signo)), fmt::arg("command", command));
}

}  // namespace strata::process
