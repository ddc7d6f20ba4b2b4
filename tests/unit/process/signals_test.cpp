#include "strata/process/signals.h"

#include <gtest/gtest.h>

namespace strata::process {
namespace {

TEST(SignalMap, NginxMeanings) {
    SignalMap map = nginx_signals();
    EXPECT_EQ(map.command_for(SIGHUP), Command::reload);
    EXPECT_EQ(map.command_for(SIGQUIT), Command::graceful_stop);
    EXPECT_EQ(map.command_for(SIGTERM), Command::fast_stop);
    EXPECT_EQ(map.command_for(SIGINT), Command::fast_stop);
    EXPECT_EQ(map.command_for(SIGUSR1), Command::reopen_logs);
    EXPECT_EQ(map.command_for(SIGUSR2), Command::upgrade_binary);
    EXPECT_EQ(map.command_for(SIGWINCH), Command::stop_workers);
    EXPECT_EQ(map.command_for(SIGTTIN), Command::none);
    // What the master sends its workers.
    EXPECT_EQ(map.signal_for(Command::graceful_stop), SIGQUIT);
    EXPECT_EQ(map.signal_for(Command::fast_stop), SIGTERM);
    EXPECT_EQ(map.signal_for(Command::add_worker), 0);
}

TEST(SignalMap, GunicornMeanings) {
    SignalMap map = gunicorn_signals();
    EXPECT_EQ(map.command_for(SIGTERM), Command::graceful_stop);
    EXPECT_EQ(map.command_for(SIGQUIT), Command::fast_stop);
    EXPECT_EQ(map.command_for(SIGINT), Command::fast_stop);
    EXPECT_EQ(map.command_for(SIGTTIN), Command::add_worker);
    EXPECT_EQ(map.command_for(SIGTTOU), Command::remove_worker);
    EXPECT_EQ(map.command_for(SIGUSR2), Command::upgrade_binary);
    EXPECT_EQ(map.command_for(SIGWINCH), Command::stop_workers);
    EXPECT_EQ(map.signal_for(Command::graceful_stop), SIGTERM);
    EXPECT_EQ(map.signal_for(Command::fast_stop), SIGQUIT);
}

TEST(SignalMap, SetHoldsEveryMappedSignal) {
    sigset_t set = nginx_signals().signals();
    for (int signo : {SIGHUP, SIGQUIT, SIGTERM, SIGINT, SIGUSR1})
        EXPECT_EQ(sigismember(&set, signo), 1) << signo;
    EXPECT_EQ(sigismember(&set, SIGCHLD), 0);
}

TEST(SignalName, AsNginxLogsIt) {
    EXPECT_EQ(signal_name(SIGHUP), "SIGHUP");
    EXPECT_EQ(signal_name(SIGKILL), "SIGKILL");
}

TEST(SignalName, AsGunicornLogsIt) {
    EXPECT_EQ(short_signal_name(SIGTERM), "term");
    EXPECT_EQ(short_signal_name(SIGTTIN), "ttin");
}

TEST(WaitForSignal, TakesABlockedSignalAndTimesOut) {
    sigset_t set;
    sigemptyset(&set);
    sigaddset(&set, SIGUSR2);
    block_signals(set);
    EXPECT_EQ(wait_for_signal(set, std::chrono::milliseconds(0)), 0);
    raise(SIGUSR2);
    EXPECT_EQ(wait_for_signal(set, std::chrono::milliseconds(1000)), SIGUSR2);
    unblock_signals(set);
}

}  // namespace
}  // namespace strata::process
