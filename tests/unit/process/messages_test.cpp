#include "strata/process/messages.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <string>

namespace strata::process {
namespace {

// Captures what the log gets while it lives.
class CapturedLog {
  public:
    CapturedLog() {
        EXPECT_EQ(::pipe2(fds_, O_NONBLOCK | O_CLOEXEC), 0);
        saved_level_ = log::level();
        log::set_fd(fds_[1]);
        log::set_level(log::Level::info);
    }
    ~CapturedLog() {
        log::set_fd(2);
        log::set_level(saved_level_);
        ::close(fds_[0]);
        ::close(fds_[1]);
    }
    std::string text() {
        char buffer[4096];
        ssize_t n;
        while ((n = ::read(fds_[0], buffer, sizeof buffer)) > 0)
            text_.append(buffer, static_cast<size_t>(n));
        return text_;
    }

  private:
    int fds_[2] = {-1, -1};
    log::Level saved_level_;
    std::string text_;
};

bool contains(const std::string& text, const std::string& needle) {
    return text.find(needle) != std::string::npos;
}

TEST(Say, FillsTheNamedFieldsTheFormatUses) {
    CapturedLog log;
    say({log::Level::notice, "worker {pid} in slot {slot}"}, fmt::arg("slot", 2),
        fmt::arg("pid", 77), fmt::arg("unused", "x"));
    EXPECT_TRUE(contains(log.text(), "[notice]")) << log.text();
    EXPECT_TRUE(contains(log.text(), ": worker 77 in slot 2\n")) << log.text();
}

TEST(Say, StaysSilentForAnEmptyFormatOrALowLevel) {
    CapturedLog log;
    say({log::Level::notice, ""}, fmt::arg("pid", 1));
    say({log::Level::debug, "too quiet"});
    EXPECT_EQ(log.text(), "");
}

TEST(Say, WritesABadFormatAsItStands) {
    CapturedLog log;
    say({log::Level::error, "pid {nope}"}, fmt::arg("pid", 1));
    EXPECT_TRUE(contains(log.text(), "pid {nope} (bad log format:")) << log.text();
}

TEST(SaySignal, OffersTheFourNames) {
    CapturedLog log;
    say_signal({log::Level::info, "{signo}|{signal}|{name}|{command}"}, SIGTERM, "graceful stop");
    EXPECT_TRUE(contains(log.text(), "15|SIGTERM|term|graceful stop\n")) << log.text();
}

// nginx's words, as the nginx mode always logged them.
TEST(NginxMessages, AreNginxsLines) {
    CapturedLog log;
    MasterMessages m = nginx_messages();
    say(m.worker_started, fmt::arg("pid", 12), fmt::arg("slot", 0));
    say_signal(m.signal_received, SIGHUP, "reload");
    say(m.worker_exited, fmt::arg("pid", 12), fmt::arg("how", "exited with code 0"),
        fmt::arg("code", 0));
    say(m.shutting_down);
    std::string text = log.text();
    EXPECT_TRUE(contains(text, "[notice] ")) << text;
    EXPECT_TRUE(contains(text, ": start worker process 12\n")) << text;
    EXPECT_TRUE(contains(text, ": signal 1 (SIGHUP) received, reload\n")) << text;
    EXPECT_TRUE(contains(text, ": worker process 12 exited with code 0\n")) << text;
    EXPECT_TRUE(contains(text, ": exit\n")) << text;
    EXPECT_TRUE(m.worker_booting.format.empty());
    EXPECT_TRUE(m.worker_exiting.format.empty());
}

TEST(GunicornMessages, AreGunicornsLinesAtItsLevels) {
    MasterMessages m = gunicorn_messages();
    struct Case {
        const LogLine& line;
        log::Level level;
        std::string text;
    };
    const Case cases[] = {
        {m.worker_booting, log::Level::info, "Booting worker with pid: 12"},
        {m.worker_exiting, log::Level::info, "Worker exiting (pid: 12)"},
        {m.signal_received, log::Level::info, "Handling signal: ttin"},
        {m.reloading, log::Level::info, "Hang up: Master"},
        {m.worker_signalled, log::Level::warn, "Worker with pid 12 was terminated due to signal 9"},
        {m.worker_timeout, log::Level::crit, "WORKER TIMEOUT (pid:12)"},
        {m.shutting_down, log::Level::info, "Shutting down: Master"},
        {m.boot_failed_reason, log::Level::info, "Reason: Worker failed to boot."},
    };
    for (const Case& c : cases) {
        CapturedLog log;
        say(c.line, fmt::arg("pid", 12), fmt::arg("signo", 9), fmt::arg("name", "ttin"),
            fmt::arg("signal", "SIGTTIN"), fmt::arg("command", "add worker"),
            fmt::arg("how", "exited on signal 9"), fmt::arg("slot", 0), fmt::arg("status", 0));
        EXPECT_EQ(c.line.level, c.level) << c.text;
        EXPECT_TRUE(contains(log.text(), ": " + c.text + "\n")) << log.text();
    }
    // gunicorn's arbiter is silent where nginx speaks.
    EXPECT_TRUE(m.worker_started.format.empty());
    EXPECT_TRUE(m.worker_exited.format.empty());
    EXPECT_TRUE(m.worker_failed.format.empty());
    EXPECT_TRUE(m.worker_signal.format.empty());
}

}  // namespace
}  // namespace strata::process
