#include "strata/process/worker.h"

#include <sys/resource.h>
#include <sys/wait.h>
#include <unistd.h>

#include <gtest/gtest.h>

#include <functional>

namespace strata::process {
namespace {

// Runs `body` in a child (it blocks signals for good) and returns its wait status.
int in_child(const std::function<int()>& body) {
    pid_t child = ::fork();
    if (child == 0) {
        rlimit no_core{0, 0};
        ::setrlimit(RLIMIT_CORE, &no_core);
        ::_exit(body());
    }
    int status = 0;
    ::waitpid(child, &status, 0);
    return status;
}

void block_abort() {
    sigset_t abort_only;
    sigemptyset(&abort_only);
    sigaddset(&abort_only, SIGABRT);
    block_signals(abort_only);
}

TEST(WorkerSignals, HandsSigabrtToTheAbortHandler) {
    int status = in_child([] {
        block_abort();  // as the master's fork leaves a watched worker
        net::EventLoop loop;
        int aborted = 0;
        WorkerSignals::Handlers handlers;
        handlers.abort = [&] {
            ++aborted;
            loop.stop();
        };
        SignalMap map = nginx_signals();  // WorkerSignals keeps a reference
        WorkerSignals signals(loop, map, handlers);
        ::kill(::getpid(), SIGABRT);
        loop.run();
        return aborted == 1 ? 7 : 1;
    });
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << status;
}

// Without a handler, SIGABRT keeps its default action, even when the fork blocked it.
TEST(WorkerSignals, LeavesSigabrtItsDefaultActionWithoutAHandler) {
    int status = in_child([] {
        block_abort();
        net::EventLoop loop;
        SignalMap map = nginx_signals();
        WorkerSignals signals(loop, map, {});
        ::kill(::getpid(), SIGABRT);
        return 0;
    });
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGABRT) << status;
}

TEST(WorkerSignals, RunsTheFastStopHandlerOnTheLoop) {
    int status = in_child([] {
        net::EventLoop loop;
        bool stopped = false;
        WorkerSignals::Handlers handlers;
        handlers.fast_stop = [&] {
            stopped = true;
            loop.stop();
        };
        SignalMap map = gunicorn_signals();
        WorkerSignals signals(loop, map, handlers);
        ::kill(::getpid(), SIGQUIT);  // gunicorn's fast stop
        loop.run();
        return stopped ? 7 : 1;
    });
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 7) << status;
}

}  // namespace
}  // namespace strata::process
