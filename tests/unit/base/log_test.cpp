// The error log: both line shapes, level names and parsing, file handling (open_file,
// reopen after rotation), and whole lines under concurrent writers.
#include "strata/base/log.h"

#include <gtest/gtest.h>
#include <time.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>

namespace strata::log {
namespace {

namespace fs = std::filesystem;

std::string read(const fs::path& path) {
    std::ifstream in(path);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

TEST(Log, ParsesNginxsLevelNames) {
    EXPECT_EQ(parse_level("debug"), Level::debug);
    EXPECT_EQ(parse_level("warn"), Level::warn);
    EXPECT_EQ(parse_level("emerg"), Level::emerg);
    EXPECT_EQ(parse_level("warning"), std::nullopt);
    EXPECT_EQ(parse_level(""), std::nullopt);
}

TEST(Log, ReopenFollowsRotation) {
    fs::path dir = fs::temp_directory_path() / ("strata-log-" + std::to_string(getpid()));
    fs::create_directories(dir);
    ASSERT_EQ(open_file((dir / "error.log").string()), 0);
    write(Level::error, "before");
    fs::rename(dir / "error.log", dir / "error.log.1");
    reopen();
    write(Level::warn, "after");
    EXPECT_NE(open_file((dir / "missing/error.log").string()), 0);  // keeps the current file
    write(Level::error, "still");
    set_fd(2);
    reopen();  // nothing to reopen for stderr
    EXPECT_NE(read(dir / "error.log.1").find("[error] " + std::to_string(getpid()) + "#0: before"),
              std::string::npos);
    std::string now = read(dir / "error.log");
    EXPECT_NE(now.find("[warn] "), std::string::npos);
    EXPECT_NE(now.find(": still\n"), std::string::npos);
    EXPECT_EQ(now.find("before"), std::string::npos);
    fs::remove_all(dir);
}

class TimeZone {
  public:
    explicit TimeZone(const char* tz) {
        if (const char* old = std::getenv("TZ")) old_ = old, had_ = true;
        ::setenv("TZ", tz, 1);
        ::tzset();
    }
    ~TimeZone() {
        if (had_)
            ::setenv("TZ", old_.c_str(), 1);
        else
            ::unsetenv("TZ");
        ::tzset();
    }

  private:
    std::string old_;
    bool had_ = false;
};

constexpr std::time_t kNov24 = 1795485600;  // 2026-11-24 02:00:00 UTC

// Lines as gunicorn 20.1 printed them (its own start-up lines, and a traceback from an
// app that raised), stamped with our clock and pid.
TEST(Log, GunicornLineShape) {
    struct Case {
        const char* tz;
        Level level;
        const char* message;
        const char* expected;
    } cases[] = {
        {"UTC", Level::info, "Starting gunicorn 20.1.0",
         "[2026-11-24 02:00:00 +0000] [1234] [INFO] Starting gunicorn 20.1.0\n"},
        {"UTC", Level::notice, "Listening at: http://127.0.0.1:8000 (1234)",
         "[2026-11-24 02:00:00 +0000] [1234] [INFO] Listening at: http://127.0.0.1:8000 (1234)\n"},
        {"IST-5:30", Level::warn, "w", "[2026-11-24 07:30:00 +0530] [1234] [WARNING] w\n"},
        {"NST+3:30", Level::crit, "WORKER TIMEOUT (pid:99)",
         "[2026-11-23 22:30:00 -0330] [1234] [CRITICAL] WORKER TIMEOUT (pid:99)\n"},
        {"UTC", Level::error,
         "Error handling request /boom\nTraceback (most recent call last):\n  File \"app.py\", "
         "line 4, in app\nValueError: boom",
         "[2026-11-24 02:00:00 +0000] [1234] [ERROR] Error handling request /boom\n"
         "Traceback (most recent call last):\n  File \"app.py\", line 4, in app\n"
         "ValueError: boom\n"},
    };
    for (const Case& c : cases) {
        TimeZone zone(c.tz);
        EXPECT_EQ(format_line(Style::gunicorn, c.level, c.message, kNov24, 1234), c.expected);
    }
    TimeZone utc("UTC");
    EXPECT_EQ(format_line(Style::nginx, Level::error, "m", kNov24, 77),
              "2026/11/24 02:00:00 [error] 77#0: m\n");
}

TEST(Log, GunicornLevelNames) {
    struct Case {
        Level level;
        std::string_view name;
    } cases[] = {{Level::debug, "DEBUG"},    {Level::info, "INFO"},     {Level::notice, "INFO"},
                 {Level::warn, "WARNING"},   {Level::error, "ERROR"},   {Level::crit, "CRITICAL"},
                 {Level::alert, "CRITICAL"}, {Level::emerg, "CRITICAL"}};
    for (const Case& c : cases)
        EXPECT_EQ(gunicorn_level_name(c.level), c.name);
}

TEST(Log, ParsesGunicornsLogLevel) {
    struct Case {
        std::string_view name;
        std::optional<Level> level;
    } cases[] = {
        {"debug", Level::debug},  {"info", Level::info},     {"warning", Level::warn},
        {"error", Level::error},  {"critical", Level::crit}, {"DEBUG", Level::debug},
        {"Warning", Level::warn}, {"CRITICAL", Level::crit}, {"warn", std::nullopt},
        {"crit", std::nullopt},   {"notice", std::nullopt},  {"", std::nullopt},
        {"info ", std::nullopt},  {"fatal", std::nullopt},
    };
    for (const Case& c : cases)
        EXPECT_EQ(parse_gunicorn_level(c.name), c.level) << c.name;
}

TEST(Log, WritesTheGunicornStyle) {
    fs::path dir = fs::temp_directory_path() / ("strata-glog-" + std::to_string(getpid()));
    fs::create_directories(dir);
    ASSERT_EQ(open_file((dir / "error.log").string()), 0);
    set_style(Style::gunicorn);
    write(Level::warn, "one\ntwo");
    set_style(Style::nginx);
    set_fd(2);
    std::string text = read(dir / "error.log");
    std::string tail = "] [" + std::to_string(getpid()) + "] [WARNING] one\ntwo\n";
    ASSERT_GT(text.size(), tail.size());
    EXPECT_EQ(text.substr(text.size() - tail.size()), tail);
    EXPECT_EQ(text[0], '[');
    fs::remove_all(dir);
}

// Lines longer than PIPE_BUF from two threads into one pipe: a pipe may split such a
// write, so only the log's lock keeps each line whole.
TEST(Log, LinesFromTwoThreadsNeverInterleave) {
    int fds[2];
    ASSERT_EQ(::pipe(fds), 0);
    std::string collected;
    std::thread reader([&] {
        char buffer[65536];
        ssize_t n;
        while ((n = ::read(fds[0], buffer, sizeof buffer)) > 0)
            collected.append(buffer, n);
    });
    set_fd(fds[1]);
    set_style(Style::gunicorn);
    constexpr int kLines = 200;
    auto writer = [](char fill) {
        std::string message(20000, fill);
        for (int i = 0; i < kLines; ++i)
            write(Level::error, message);
    };
    std::thread a(writer, 'a');
    std::thread b(writer, 'b');
    a.join();
    b.join();
    set_style(Style::nginx);
    set_fd(2);
    ::close(fds[1]);
    reader.join();
    ::close(fds[0]);
    std::istringstream lines(collected);
    std::string line;
    int count = 0;
    while (std::getline(lines, line)) {
        ++count;
        size_t body = line.find("[ERROR] ");
        ASSERT_NE(body, std::string::npos) << "line " << count;
        std::string_view message = std::string_view(line).substr(body + 8);
        ASSERT_EQ(message.size(), 20000u) << "line " << count;
        ASSERT_EQ(message.find_first_not_of(message[0]), std::string_view::npos)
            << "line " << count;
    }
    EXPECT_EQ(count, 2 * kLines);
}

}  // namespace
}  // namespace strata::log
