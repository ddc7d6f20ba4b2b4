#include "strata/process/detail/worker_table.h"

#include <gtest/gtest.h>

namespace strata::process::detail {
namespace {

TEST(WorkerTable, CountsActiveWorkersPerGeneration) {
    WorkerTable table;
    table.add({.pid = 10, .generation = 1, .slot = 0});
    table.add({.pid = 11, .generation = 1, .slot = 1});
    table.add({.pid = 20, .generation = 2, .slot = 0});
    EXPECT_EQ(table.active(1), 2U);
    EXPECT_EQ(table.active(2), 1U);
    table.entries()[0].stop = Command::graceful_stop;
    EXPECT_EQ(table.active(1), 1U);
}

TEST(WorkerTable, HandsOutTheLowestFreeSlot) {
    WorkerTable table;
    EXPECT_EQ(table.free_slot(1), 0U);
    table.add({.pid = 10, .generation = 1, .slot = 0});
    table.add({.pid = 12, .generation = 1, .slot = 2});
    EXPECT_EQ(table.free_slot(1), 1U);
    EXPECT_EQ(table.free_slot(2), 0U);  // slots are per generation
    EXPECT_EQ(table.last_active(1)->pid, 12);
    EXPECT_EQ(table.last_active(3), nullptr);
}

TEST(WorkerTable, RemovesByPid) {
    WorkerTable table;
    table.add({.pid = 10, .generation = 1});
    EXPECT_FALSE(table.remove(11).has_value());
    auto removed = table.remove(10);
    ASSERT_TRUE(removed.has_value());
    EXPECT_EQ(removed->generation, 1U);
    EXPECT_TRUE(table.empty());
}

TEST(WorkerTable, EarliestKillDeadline) {
    WorkerTable table;
    table.add({.pid = 10});
    EXPECT_EQ(table.next_kill_at(), 0U);
    table.add({.pid = 11, .kill_at_ms = 500});
    table.add({.pid = 12, .kill_at_ms = 300});
    EXPECT_EQ(table.next_kill_at(), 300U);
}

}  // namespace
}  // namespace strata::process::detail
