// The balancer as a pure selector: groups built by hand, time passed in, no sockets.
#include "strata/web/upstream_balancer.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>

#include <array>
#include <map>
#include <string>
#include <vector>

namespace strata::web {
namespace {

using namespace std::chrono_literals;

struct PeerSpec {
    std::string server;
    std::int64_t weight = 1;
    bool backup = false;
    bool down = false;
    std::int64_t max_fails = 1;
    std::chrono::seconds fail_timeout{10};
    std::int64_t max_conns = 0;
};

std::shared_ptr<const UpstreamGroup> make_group(BalanceMethod method, std::vector<PeerSpec> specs) {
    auto group = std::make_shared<UpstreamGroup>();
    group->name = "test";
    group->method = method;
    for (const PeerSpec& spec : specs) {
        UpstreamPeer peer;
        peer.server = spec.server;
        peer.name = spec.server;
        peer.weight = spec.weight;
        peer.backup = spec.backup;
        peer.down = spec.down;
        peer.max_fails = spec.max_fails;
        peer.fail_timeout = spec.fail_timeout;
        peer.max_conns = spec.max_conns;
        group->peers.push_back(peer);
    }
    return group;
}

// Peers named a, b, c… on 10.0.0.1, .2, .3…, with these weights.
std::vector<PeerSpec> weighted(std::vector<std::int64_t> weights) {
    std::vector<PeerSpec> specs;
    for (std::size_t i = 0; i < weights.size(); ++i)
        specs.push_back({"10.0.0." + std::to_string(i + 1) + ":80", weights[i]});
    return specs;
}

char letter(std::size_t peer) {
    return static_cast<char>('a' + peer);
}

// One request at a time, each released as a success: the letters picked.
std::string picks(UpstreamBalancer& balancer, int count, BalancerTime now = 0ms,
                  const BalancerKey& key = {}) {
    std::string out;
    for (int i = 0; i < count; ++i) {
        PeerSelection selection = balancer.start(key);
        auto peer = balancer.select(selection, now);
        if (!peer) return out + "!";
        out += letter(peer.value());
        balancer.release(peer.value(), PeerOutcome::success, now);
    }
    return out;
}

// The peer one new request gets, released at once.
std::size_t pick(UpstreamBalancer& balancer, BalancerTime now = 0ms, const BalancerKey& key = {}) {
    PeerSelection selection = balancer.start(key);
    auto peer = balancer.select(selection, now);
    EXPECT_TRUE(peer.ok());
    if (!peer) return 999;
    balancer.release(peer.value(), PeerOutcome::success, now);
    return peer.value();
}

// A request whose try on its peer fails.
std::size_t fail_once(UpstreamBalancer& balancer, BalancerTime now) {
    PeerSelection selection = balancer.start();
    auto peer = balancer.select(selection, now);
    EXPECT_TRUE(peer.ok());
    if (!peer) return 999;
    balancer.release(peer.value(), PeerOutcome::failure, now);
    return peer.value();
}

// A request that may only have `peer` (every other one counts as tried).
PeerSelection only(const UpstreamBalancer& balancer, std::size_t peer) {
    PeerSelection selection = balancer.start();
    for (std::size_t other = 0; other < balancer.max_tries(); ++other)
        if (other != peer) selection.tried.insert(other);
    return selection;
}

// A try on `peer` that fails.
void fail_peer(UpstreamBalancer& balancer, std::size_t peer, BalancerTime now) {
    PeerSelection selection = only(balancer, peer);
    auto picked = balancer.select(selection, now);
    ASSERT_TRUE(picked.ok());
    ASSERT_EQ(picked.value(), peer);
    balancer.release(peer, PeerOutcome::failure, now);
}

// Whether `peer` can be had now; if so a try on it succeeds.
bool can_pick(UpstreamBalancer& balancer, std::size_t peer, BalancerTime now) {
    PeerSelection selection = only(balancer, peer);
    auto picked = balancer.select(selection, now);
    if (!picked) return false;
    EXPECT_EQ(picked.value(), peer);
    balancer.release(peer, PeerOutcome::success, now);
    return true;
}

bool no_live(UpstreamBalancer& balancer, BalancerTime now, PeerSelection selection = {}) {
    auto peer = balancer.select(selection, now);
    return !peer.ok() && peer.error() == SelectError::no_live_upstreams;
}

// --- smooth weighted round robin ---------------------------------------------------------

// current += weight for each, the largest is picked and pays back the total:
// a=2,b=1: (2,1)→a (-1,1) | (1,2)→b (1,-1) | (3,0)→a (0,0) — and again.
TEST(BalancerRoundRobin, SmoothSequenceTwoToOne) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, weighted({2, 1})));
    EXPECT_EQ(picks(balancer, 6), "abaaba");
}

TEST(BalancerRoundRobin, SmoothSequenceFiveOneOne) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, weighted({5, 1, 1})));
    EXPECT_EQ(picks(balancer, 14), "aabacaaaabacaa");
}

TEST(BalancerRoundRobin, EqualWeightsTakeTurns) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, weighted({1, 1, 1})));
    EXPECT_EQ(picks(balancer, 7), "abcabca");
}

TEST(BalancerRoundRobin, DistributionFollowsWeights) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, weighted({3, 1})));
    std::map<std::size_t, int> counts;
    for (int i = 0; i < 30000; ++i)
        ++counts[pick(balancer)];
    EXPECT_EQ(counts[0], 22500);  // smooth round robin is exact over whole cycles
    EXPECT_EQ(counts[1], 7500);
}

TEST(BalancerRoundRobin, DownPeersAreNeverChosen) {
    auto specs = weighted({1, 1, 1});
    specs[1].down = true;
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, specs));
    EXPECT_EQ(picks(balancer, 6), "acacac");
}

TEST(BalancerRoundRobin, PeersAtMaxConnsAreSkippedUntilReleased) {
    auto specs = weighted({1, 1});
    specs[0].max_conns = 1;
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, specs));
    PeerSelection first = balancer.start(), second = balancer.start(), third = balancer.start();
    EXPECT_EQ(balancer.select(first, 0ms).value(), 0u);
    EXPECT_EQ(balancer.select(second, 0ms).value(), 1u);
    EXPECT_EQ(balancer.select(third, 0ms).value(), 1u);  // a is full
    EXPECT_EQ(balancer.state(0).conns, 1);
    EXPECT_EQ(balancer.state(1).conns, 2);
    EXPECT_FALSE(can_pick(balancer, 0, 0ms));
    balancer.release(0, PeerOutcome::success, 0ms);
    EXPECT_EQ(balancer.state(0).conns, 0);
    EXPECT_TRUE(can_pick(balancer, 0, 0ms));
}

TEST(BalancerRoundRobin, ARetryNeverPicksAPeerAlreadyTried) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, weighted({5, 1, 1})));
    PeerSelection selection = balancer.start();
    std::string tried;
    for (int i = 0; i < 3; ++i) {
        auto peer = balancer.select(selection, 0ms);
        ASSERT_TRUE(peer.ok());
        tried += letter(peer.value());
        balancer.release(peer.value(), PeerOutcome::failure, 0ms);
    }
    std::sort(tried.begin(), tried.end());
    EXPECT_EQ(tried, "abc");
    EXPECT_TRUE(selection.tried.contains(0) && selection.tried.contains(2));
    EXPECT_TRUE(no_live(balancer, 0ms, selection));
}

// --- failures -------------------------------------------------------------------------

TEST(BalancerFailures, MaxFailsWithinFailTimeoutRestsThePeer) {
    auto specs = weighted({1, 1});
    specs[0].max_fails = 2;
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, specs));
    fail_peer(balancer, 0, 1000ms);  // a fails once: still in
    EXPECT_TRUE(can_pick(balancer, 0, 1000ms));
    fail_peer(balancer, 0, 2000ms);  // twice within fail_timeout: out for fail_timeout
    EXPECT_EQ(balancer.state(0).fails, 2);
    EXPECT_EQ(picks(balancer, 4, 2000ms), "bbbb");
    EXPECT_FALSE(can_pick(balancer, 0, 12000ms));  // 10 s since: not yet (nginx: <=)
    EXPECT_TRUE(can_pick(balancer, 0, 12001ms));   // tried again
    EXPECT_EQ(balancer.state(0).fails, 0);         // and its success made it live
}

TEST(BalancerFailures, ASuccessInsideTheWindowDoesNotClearFailures) {
    auto specs = weighted({1, 1});
    specs[0].max_fails = 3;
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, specs));
    fail_peer(balancer, 0, 0ms);
    EXPECT_TRUE(can_pick(balancer, 0, 1000ms));  // a works…
    EXPECT_EQ(balancer.state(0).fails, 1);       // …but the failure a second ago still counts
    fail_peer(balancer, 0, 2000ms);
    EXPECT_EQ(balancer.state(0).fails, 2);
    EXPECT_TRUE(can_pick(balancer, 0, 12001ms));  // picked after fail_timeout: a success clears
    EXPECT_EQ(balancer.state(0).fails, 0);
}

TEST(BalancerFailures, MaxFailsZeroNeverRests) {
    auto specs = weighted({1, 1});
    specs[0].max_fails = 0;
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, specs));
    for (int i = 0; i < 5; ++i) {
        PeerSelection selection = balancer.start();
        selection.tried.insert(1);
        ASSERT_EQ(balancer.select(selection, 0ms).value(), 0u);
        balancer.release(0, PeerOutcome::failure, 0ms);
    }
    PeerSelection selection = balancer.start();
    selection.tried.insert(1);
    EXPECT_EQ(balancer.select(selection, 0ms).value(), 0u);
}

TEST(BalancerFailures, AFailureLowersTheEffectiveWeightForAWhile) {
    auto specs = weighted({10, 10});
    specs[0].max_fails = 5;
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, specs));
    fail_peer(balancer, 0, 0ms);
    EXPECT_EQ(balancer.state(0).effective_weight, 8);  // 10 − 10/5
    pick(balancer, 0ms);
    EXPECT_EQ(balancer.state(0).effective_weight, 9);  // back by one per pass
    pick(balancer, 0ms);
    EXPECT_EQ(balancer.state(0).effective_weight, 10);
    pick(balancer, 0ms);
    EXPECT_EQ(balancer.state(0).effective_weight, 10);  // never above the weight
}

// nginx 1.22 resets nothing when every peer has failed: "no live upstreams" until a
// peer's fail_timeout has passed.
TEST(BalancerFailures, WhenEveryPeerFailedThereIsNoneUntilFailTimeout) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, weighted({1, 1})));
    fail_peer(balancer, 0, 0ms);
    fail_peer(balancer, 1, 0ms);
    EXPECT_TRUE(no_live(balancer, 5000ms, balancer.start()));
    EXPECT_EQ(balancer.state(0).fails, 1);
    EXPECT_EQ(balancer.state(1).fails, 1);
    EXPECT_TRUE(no_live(balancer, 10000ms, balancer.start()));
    EXPECT_TRUE(can_pick(balancer, 0, 10001ms));
    EXPECT_TRUE(can_pick(balancer, 1, 10001ms));
}

// nginx: "If there is only a single server in a group, max_fails, fail_timeout and
// slow_start parameters are ignored, and such a server will never be considered
// unavailable."
TEST(BalancerFailures, ASingleServerIsNeverMarkedFailed) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, weighted({1})));
    for (int i = 0; i < 5; ++i)
        EXPECT_EQ(fail_once(balancer, 0ms), 0u);
    EXPECT_EQ(balancer.state(0).fails, 0);
    EXPECT_EQ(balancer.state(0).conns, 0);
    EXPECT_EQ(pick(balancer, 0ms), 0u);
}

TEST(BalancerFailures, ASingleServerStillHonoursDownAndMaxConns) {
    auto down = weighted({1});
    down[0].down = true;
    UpstreamBalancer off(make_group(BalanceMethod::round_robin, down));
    EXPECT_TRUE(no_live(off, 0ms, off.start()));

    auto limited = weighted({1});
    limited[0].max_conns = 1;
    UpstreamBalancer full(make_group(BalanceMethod::round_robin, limited));
    PeerSelection busy = full.start();
    ASSERT_TRUE(full.select(busy, 0ms).ok());
    EXPECT_TRUE(no_live(full, 0ms, full.start()));
    EXPECT_TRUE(no_live(full, 0ms, busy));  // and a retry does not go back to it
}

// --- backups --------------------------------------------------------------------------

std::vector<PeerSpec> with_backups() {
    auto specs = weighted({1, 1, 1, 1});
    specs[2].backup = true;
    specs[3].backup = true;
    return specs;
}

TEST(BalancerBackups, UsedOnlyWhenNoPrimaryCanBeHad) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, with_backups()));
    EXPECT_EQ(picks(balancer, 4), "abab");
    fail_peer(balancer, 0, 0ms);
    fail_peer(balancer, 1, 0ms);
    EXPECT_EQ(picks(balancer, 4, 1000ms), "cdcd");          // round robin among the backups
    const std::string later = picks(balancer, 8, 11000ms);  // primaries back after fail_timeout
    EXPECT_EQ(later.find_first_not_of("ab"), std::string::npos) << later;
}

TEST(BalancerBackups, ARetryGoesThroughPrimariesThenBackups) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, with_backups()));
    PeerSelection selection = balancer.start();
    std::string tried;
    while (auto peer = balancer.select(selection, 0ms)) {
        tried += letter(peer.value());
        balancer.release(peer.value(), PeerOutcome::failure, 0ms);
    }
    EXPECT_EQ(tried, "abcd");
}

// nginx leaves the primaries for the rest of a request once it turned to the backups,
// even if one of them became free meanwhile.
TEST(BalancerBackups, ARequestThatTurnedToBackupsStaysThere) {
    auto specs = with_backups();
    specs[0].max_conns = 1;
    specs[1].down = true;
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, specs));
    PeerSelection holder = balancer.start();
    ASSERT_EQ(balancer.select(holder, 0ms).value(), 0u);  // a is full now
    PeerSelection request = balancer.start();
    ASSERT_EQ(balancer.select(request, 0ms).value(), 2u);  // so: backup c
    balancer.release(2, PeerOutcome::failure, 0ms);
    balancer.release(0, PeerOutcome::success, 0ms);  // a is free again
    EXPECT_EQ(balancer.select(request, 0ms).value(), 3u);
    EXPECT_EQ(pick(balancer, 0ms), 0u);  // a new request starts with the primaries
}

TEST(BalancerBackups, DownPrimariesSendEveryoneToBackups) {
    auto specs = with_backups();
    specs[0].down = specs[1].down = true;
    UpstreamBalancer balancer(make_group(BalanceMethod::least_conn, specs));
    EXPECT_EQ(picks(balancer, 4), "cdcd");
}

TEST(BalancerBackups, NoLiveUpstreamsWhenBackupsFailedToo) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, with_backups()));
    for (int i = 0; i < 4; ++i)
        fail_once(balancer, 0ms);
    EXPECT_TRUE(no_live(balancer, 0ms, balancer.start()));
}

// --- least_conn -------------------------------------------------------------------------

TEST(BalancerLeastConn, PicksTheFewestConnections) {
    UpstreamBalancer balancer(make_group(BalanceMethod::least_conn, weighted({1, 1, 1})));
    std::vector<PeerSelection> open(4);
    std::string order;
    for (int i = 0; i < 3; ++i) {
        open[i] = balancer.start();
        order += letter(balancer.select(open[i], 0ms).value());
    }
    EXPECT_EQ(order, "abc");  // all tied at zero: round robin
    balancer.release(1, PeerOutcome::success, 0ms);
    open[3] = balancer.start();
    EXPECT_EQ(balancer.select(open[3], 0ms).value(), 1u);  // b has fewest now
}

// conns/weight compared by cross-multiplying: a (weight 2) with 1 connection is less
// loaded than b (weight 1) with 1.
TEST(BalancerLeastConn, ConnectionsCountRelativeToWeight) {
    UpstreamBalancer balancer(make_group(BalanceMethod::least_conn, weighted({2, 1})));
    PeerSelection one = balancer.start(), two = balancer.start(), three = balancer.start();
    const std::size_t first = balancer.select(one, 0ms).value();
    const std::size_t second = balancer.select(two, 0ms).value();
    EXPECT_NE(first, second);  // 0 and 0 connections: tied, round robin takes both
    EXPECT_EQ(balancer.select(three, 0ms).value(), 0u);  // 1/2 < 1/1
}

TEST(BalancerLeastConn, TiesShareByWeightedRoundRobin) {
    UpstreamBalancer balancer(make_group(BalanceMethod::least_conn, weighted({3, 1})));
    std::map<std::size_t, int> counts;
    for (int i = 0; i < 30000; ++i)
        ++counts[pick(balancer)];  // released at once: always tied at zero
    EXPECT_EQ(counts[0], 22500);
    EXPECT_EQ(counts[1], 7500);
}

TEST(BalancerLeastConn, HeldConnectionsBalanceByWeight) {
    UpstreamBalancer balancer(make_group(BalanceMethod::least_conn, weighted({3, 1})));
    std::vector<PeerSelection> open;
    for (int i = 0; i < 400; ++i) {
        open.push_back(balancer.start());
        ASSERT_TRUE(balancer.select(open.back(), 0ms).ok());
    }
    EXPECT_EQ(balancer.state(0).conns, 300);
    EXPECT_EQ(balancer.state(1).conns, 100);
}

TEST(BalancerLeastConn, SkipsFailedAndDownPeers) {
    auto specs = weighted({1, 1, 1});
    specs[2].down = true;
    UpstreamBalancer balancer(make_group(BalanceMethod::least_conn, specs));
    EXPECT_EQ(fail_once(balancer, 0ms), 0u);
    EXPECT_EQ(picks(balancer, 3, 1000ms), "bbb");
}

// --- ip_hash ----------------------------------------------------------------------------

std::array<std::uint8_t, 4> ipv4(const char* text) {
    std::array<std::uint8_t, 4> bytes{};
    inet_pton(AF_INET, text, bytes.data());
    return bytes;
}

std::array<std::uint8_t, 16> ipv6(const char* text) {
    std::array<std::uint8_t, 16> bytes{};
    inet_pton(AF_INET6, text, bytes.data());
    return bytes;
}

std::size_t ip_pick(UpstreamBalancer& balancer, std::span<const std::uint8_t> address) {
    return pick(balancer, 0ms, BalancerKey{address, {}});
}

// 192.168.1.x hashes to 154 (see upstream_hashes_test); 154 mod 3 is peer b.
TEST(BalancerIpHash, AnIpv4SlashTwentyFourGoesToOnePeer) {
    UpstreamBalancer balancer(make_group(BalanceMethod::ip_hash, weighted({1, 1, 1})));
    for (const char* client : {"192.168.1.1", "192.168.1.77", "192.168.1.254"}) {
        EXPECT_EQ(ip_pick(balancer, ipv4(client)), 1u) << client;
        EXPECT_EQ(ip_pick(balancer, ipv4(client)), 1u) << client;
    }
}

TEST(BalancerIpHash, WeightsShareTheHashRange) {
    // 154 mod (2+1+1) = 2: past a's two units, into b's.
    UpstreamBalancer balancer(make_group(BalanceMethod::ip_hash, weighted({2, 1, 1})));
    EXPECT_EQ(ip_pick(balancer, ipv4("192.168.1.9")), 1u);
}

TEST(BalancerIpHash, ManySlashTwentyFoursSpreadEvenly) {
    UpstreamBalancer balancer(make_group(BalanceMethod::ip_hash, weighted({1, 1, 1})));
    std::map<std::size_t, int> counts;
    for (int a = 1; a <= 40; ++a) {
        for (int b = 0; b < 250; ++b) {
            const std::array<std::uint8_t, 4> client{static_cast<std::uint8_t>(a),
                                                     static_cast<std::uint8_t>(b), 7, 1};
            ++counts[ip_pick(balancer, client)];
        }
    }
    for (std::size_t peer = 0; peer < 3; ++peer)
        EXPECT_NEAR(counts[peer] / 10000.0, 1.0 / 3, 0.03) << letter(peer);
}

TEST(BalancerIpHash, Ipv6HashesTheWholeAddress) {
    UpstreamBalancer balancer(make_group(BalanceMethod::ip_hash, weighted({1, 1, 1})));
    std::map<std::size_t, int> counts;
    for (int last = 0; last < 60; ++last) {
        auto client = ipv6("2001:db8::");
        client[15] = static_cast<std::uint8_t>(last);
        const std::size_t peer = ip_pick(balancer, client);
        EXPECT_EQ(ip_pick(balancer, client), peer);
        ++counts[peer];
    }
    EXPECT_EQ(counts.size(), 3u);  // the last byte alone moves clients between peers
}

TEST(BalancerIpHash, UnixClientsShareNginxsPseudoAddress) {
    UpstreamBalancer balancer(make_group(BalanceMethod::ip_hash, weighted({1, 1, 1})));
    const std::size_t unix_client = ip_pick(balancer, {});
    EXPECT_EQ(ip_pick(balancer, ipv4("0.0.0.9")), unix_client);  // three zero bytes
}

TEST(BalancerIpHash, AnUnavailablePeerSendsItsClientsOnOthersStay) {
    auto specs = weighted({1, 1, 1});
    UpstreamBalancer all(make_group(BalanceMethod::ip_hash, specs));
    specs[1].down = true;
    UpstreamBalancer without_b(make_group(BalanceMethod::ip_hash, specs));
    for (int a = 1; a <= 200; ++a) {
        const std::array<std::uint8_t, 4> client{10, static_cast<std::uint8_t>(a), 0, 1};
        const std::size_t before = ip_pick(all, client);
        const std::size_t after = ip_pick(without_b, client);
        EXPECT_NE(after, 1u);
        if (before != 1u) {
            EXPECT_EQ(after, before) << a;
        }
    }
}

TEST(BalancerIpHash, ARetryGoesToAnotherPeer) {
    UpstreamBalancer balancer(make_group(BalanceMethod::ip_hash, weighted({1, 1, 1})));
    const auto client = ipv4("192.168.1.1");
    PeerSelection selection = balancer.start({client, {}});
    std::string tried;
    while (auto peer = balancer.select(selection, 0ms)) {
        tried += letter(peer.value());
        balancer.release(peer.value(), PeerOutcome::failure, 0ms);
    }
    ASSERT_EQ(tried.size(), 3u);
    EXPECT_EQ(tried[0], 'b');
    std::sort(tried.begin(), tried.end());
    EXPECT_EQ(tried, "abc");
}

TEST(BalancerIpHash, ClientAddressBytesComeFromTheSocketAddress) {
    sockaddr_storage storage{};
    auto& in = reinterpret_cast<sockaddr_in&>(storage);
    in.sin_family = AF_INET;
    inet_pton(AF_INET, "192.168.1.5", &in.sin_addr);
    const auto bytes = ip_hash_bytes(storage);
    ASSERT_EQ(bytes.size(), 4u);
    EXPECT_EQ(bytes[0], 192);
    EXPECT_EQ(bytes[3], 5);
    storage.ss_family = AF_INET6;
    EXPECT_EQ(ip_hash_bytes(storage).size(), 16u);
    storage.ss_family = AF_UNIX;
    EXPECT_TRUE(ip_hash_bytes(storage).empty());
}

// --- hash KEY ---------------------------------------------------------------------------

std::size_t key_pick(UpstreamBalancer& balancer, std::string_view key) {
    return pick(balancer, 0ms, BalancerKey{{}, key});
}

// (crc32("abc") >> 16) & 0x7fff = 13604; mod 2 = 0, mod 3 = 2.
TEST(BalancerHash, TheSameKeyGoesToTheSamePeer) {
    UpstreamBalancer two(make_group(BalanceMethod::hash, weighted({1, 1})));
    UpstreamBalancer three(make_group(BalanceMethod::hash, weighted({1, 1, 1})));
    for (int i = 0; i < 3; ++i) {
        EXPECT_EQ(key_pick(two, "abc"), 0u);
        EXPECT_EQ(key_pick(three, "abc"), 2u);
    }
}

TEST(BalancerHash, DistributionFollowsWeights) {
    UpstreamBalancer balancer(make_group(BalanceMethod::hash, weighted({3, 1})));
    int heavy = 0;
    for (int i = 0; i < 30000; ++i)
        heavy += key_pick(balancer, "/item/" + std::to_string(i)) == 0u;
    EXPECT_NEAR(heavy / 30000.0, 0.75, 0.02);
}

// A rehash adds crc32("1abc")'s round (9142): 13604 + 9142 = 22746, mod 3 = 0.
TEST(BalancerHash, AnUnavailablePeerIsRehashedAway) {
    auto specs = weighted({1, 1, 1});
    specs[2].down = true;
    UpstreamBalancer balancer(make_group(BalanceMethod::hash, specs));
    EXPECT_EQ(key_pick(balancer, "abc"), 0u);
}

TEST(BalancerHash, AnEmptyKeyUsesRoundRobin) {
    UpstreamBalancer balancer(make_group(BalanceMethod::hash, weighted({1, 1})));
    EXPECT_EQ(picks(balancer, 4, 0ms, BalancerKey{{}, ""}), "abab");
}

TEST(BalancerHash, AfterTwentyRehashesRoundRobinTakesOver) {
    auto specs = weighted({1, 1, 1, 1, 1, 1, 1, 1, 1, 1});
    for (int i = 1; i < 10; ++i)
        specs[i].down = true;  // only a: hashing is unlikely to land there 21 times in a row
    specs[0].weight = 1;
    UpstreamBalancer balancer(make_group(BalanceMethod::hash, specs));
    for (int i = 0; i < 50; ++i)
        EXPECT_EQ(key_pick(balancer, "k" + std::to_string(i)), 0u);
}

// --- hash KEY consistent ----------------------------------------------------------------

std::vector<PeerSpec> servers(int count) {
    std::vector<std::int64_t> weights(static_cast<std::size_t>(count), 1);
    return weighted(weights);
}

TEST(BalancerConsistentHash, TheSameKeyGoesToTheSamePeer) {
    UpstreamBalancer balancer(make_group(BalanceMethod::consistent_hash, servers(5)));
    for (int k = 0; k < 100; ++k) {
        const std::string key = "/k" + std::to_string(k);
        const std::size_t peer = key_pick(balancer, key);
        EXPECT_EQ(key_pick(balancer, key), peer);
        EXPECT_EQ(key_pick(balancer, key), peer);
    }
}

TEST(BalancerConsistentHash, AddingAPeerRemapsAboutOneInN) {
    UpstreamBalancer nine(make_group(BalanceMethod::consistent_hash, servers(9)));
    UpstreamBalancer ten(make_group(BalanceMethod::consistent_hash, servers(10)));
    int moved = 0;
    const int kKeys = 20000;
    for (int k = 0; k < kKeys; ++k) {
        const std::string key = "/k" + std::to_string(k);
        const std::size_t before = key_pick(nine, key);
        const std::size_t after = key_pick(ten, key);
        if (before == after) continue;
        ++moved;
        EXPECT_EQ(after, 9u) << key << " moved between old peers";
    }
    EXPECT_NEAR(static_cast<double>(moved) / kKeys, 0.1, 0.04);
}

TEST(BalancerConsistentHash, ADownPeersKeysMoveOthersStay) {
    auto specs = servers(6);
    UpstreamBalancer all(make_group(BalanceMethod::consistent_hash, specs));
    specs[4].down = true;
    UpstreamBalancer without(make_group(BalanceMethod::consistent_hash, specs));
    int moved = 0;
    for (int k = 0; k < 6000; ++k) {
        const std::string key = "/k" + std::to_string(k);
        const std::size_t before = key_pick(all, key);
        const std::size_t after = key_pick(without, key);
        EXPECT_NE(after, 4u);
        if (before == 4u) {
            ++moved;
        } else {
            EXPECT_EQ(after, before) << key;
        }
    }
    EXPECT_NEAR(moved / 6000.0, 1.0 / 6, 0.05);
}

// Peers of one `server` (a name with several addresses) share its points and take
// turns among themselves.
TEST(BalancerConsistentHash, AddressesOfOneServerShareItsKeys) {
    std::vector<PeerSpec> specs{{"backend:80"}, {"backend:80"}, {"other:80"}};
    UpstreamBalancer balancer(make_group(BalanceMethod::consistent_hash, specs));
    std::string seen;
    for (int k = 0; k < 400 && seen.size() < 2; ++k) {
        const std::string key = "/k" + std::to_string(k);
        if (key_pick(balancer, key) == 2u) continue;
        seen = {letter(key_pick(balancer, key)), letter(key_pick(balancer, key))};
        std::sort(seen.begin(), seen.end());
    }
    EXPECT_EQ(seen, "ab");
}

TEST(BalancerConsistentHash, ARetryWalksOnToAnotherPeer) {
    UpstreamBalancer balancer(make_group(BalanceMethod::consistent_hash, servers(4)));
    PeerSelection selection = balancer.start({{}, "/some/key"});
    std::string tried;
    while (auto peer = balancer.select(selection, 0ms)) {
        tried += letter(peer.value());
        balancer.release(peer.value(), PeerOutcome::failure, 0ms);
    }
    std::sort(tried.begin(), tried.end());
    EXPECT_EQ(tried, "abcd");
}

TEST(BalancerConsistentHash, DistributionFollowsWeights) {
    auto specs = weighted({3, 1});
    UpstreamBalancer balancer(make_group(BalanceMethod::consistent_hash, specs));
    int heavy = 0;
    for (int i = 0; i < 30000; ++i)
        heavy += key_pick(balancer, "/item/" + std::to_string(i)) == 0u;
    EXPECT_NEAR(heavy / 30000.0, 0.75, 0.05);
}

// The loader refuses such groups; built by hand they still answer sensibly.
TEST(Balancer, GroupsWithoutPrimariesUseBackupsOrHaveNone) {
    for (BalanceMethod method :
         {BalanceMethod::round_robin, BalanceMethod::least_conn, BalanceMethod::ip_hash,
          BalanceMethod::hash, BalanceMethod::consistent_hash}) {
        std::vector<PeerSpec> specs{{"10.0.0.1:80", 1, true}, {"10.0.0.2:80", 1, true}};
        UpstreamBalancer backups_only(make_group(method, specs));
        EXPECT_EQ(picks(backups_only, 4, 0ms, BalancerKey{{}, "key"}), "abab");
        UpstreamBalancer empty(make_group(method, {}));
        EXPECT_TRUE(no_live(empty, 0ms, empty.start({{}, "key"})));
    }
}

TEST(Balancer, MaxTriesIsEveryPeer) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, with_backups()));
    EXPECT_EQ(balancer.max_tries(), 4u);
}

// --- the same choices as nginx ----------------------------------------------------------
// Recorded from Debian's nginx 1.22 proxying to three servers 127.0.0.1:18081…18083
// (a, b, c) with the weights shown; keys /k0…/k39 as $arg_k, clients set by realip.

std::vector<PeerSpec> nginx_servers(std::vector<std::int64_t> weights) {
    std::vector<PeerSpec> specs;
    for (std::size_t i = 0; i < weights.size(); ++i)
        specs.push_back({"127.0.0.1:1808" + std::to_string(i + 1), weights[i]});
    return specs;
}

std::string keyed_picks(BalanceMethod method, std::vector<std::int64_t> weights) {
    UpstreamBalancer balancer(make_group(method, nginx_servers(std::move(weights))));
    std::string out;
    for (int k = 0; k < 40; ++k)
        out += letter(key_pick(balancer, "/k" + std::to_string(k)));
    return out;
}

TEST(BalancerAsNginx, RoundRobin) {
    UpstreamBalancer balancer(make_group(BalanceMethod::round_robin, nginx_servers({5, 1, 1})));
    EXPECT_EQ(picks(balancer, 14), "aabacaaaabacaa");
}

TEST(BalancerAsNginx, Hash) {
    EXPECT_EQ(keyed_picks(BalanceMethod::hash, {1, 1, 1}),
              "caaccbbaacaaaaccacabbaccccaacacabbabacba");
    EXPECT_EQ(keyed_picks(BalanceMethod::hash, {3, 1, 2}),
              "abacccaabababaacacaacbaccabacacaacaaaccb");
}

TEST(BalancerAsNginx, ConsistentHash) {
    EXPECT_EQ(keyed_picks(BalanceMethod::consistent_hash, {1, 1, 1}),
              "ccacccbbacaaccabcaccbabcbbbccaacaaacbaba");
    EXPECT_EQ(keyed_picks(BalanceMethod::consistent_hash, {2, 1, 3}),
              "ccaccccbacacccabccccccbcbbaccaccccacbaca");
}

std::string ip_picks(std::vector<std::int64_t> weights) {
    UpstreamBalancer balancer(
        make_group(BalanceMethod::ip_hash, nginx_servers(std::move(weights))));
    std::string out;
    for (const char* v4 : {"192.168.1.1", "10.0.0.1", "10.1.2.3", "172.16.5.4", "8.8.8.8",
                           "1.2.3.4", "203.0.113.9", "100.64.0.1"})
        out += letter(ip_pick(balancer, ipv4(v4)));
    for (const char* v6 :
         {"2001:db8::1", "2001:db8::2", "2001:db8::3", "fe80::1", "::1", "2001:db8:1:2:3:4:5:6"})
        out += letter(ip_pick(balancer, ipv6(v6)));
    return out;
}

TEST(BalancerAsNginx, IpHash) {
    EXPECT_EQ(ip_picks({1, 1, 1}), "babbcbabcabacc");
    EXPECT_EQ(ip_picks({2, 1, 4}), "accccbbcccccbc");
}

}  // namespace
}  // namespace strata::web
