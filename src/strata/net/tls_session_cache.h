// nginx's `ssl_session_cache shared:NAME:SIZE`: TLS sessions kept in memory shared by
// the master's workers (mapped before they fork), so a client resumes its session with
// an ID in whichever worker takes its next connection — what session tickets do without
// server state, for configurations that turn tickets off.
#pragma once

#include <cstddef>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace strata::net {

class SharedSessionCache {
  public:
    // `bytes` of shared memory (nginx's SIZE); at least one slot.
    explicit SharedSessionCache(size_t bytes);
    ~SharedSessionCache();
    SharedSessionCache(const SharedSessionCache&) = delete;
    SharedSessionCache& operator=(const SharedSessionCache&) = delete;

    // A serialized session under its ID, until `expires` (seconds, any clock the caller
    // keeps to; slots expired by `now` are taken first). Sessions too large for a slot
    // are not kept.
    void store(std::string_view id, std::string_view session, int64_t now, int64_t expires);
    // The session stored under `id`, unless it expired by `now`.
    std::optional<std::string> find(std::string_view id, int64_t now);
    void remove(std::string_view id);

    // The zone called `name` of `bytes`: the one already made when it is still in use
    // with that size (servers naming it share it, and a reload keeps its sessions, as
    // nginx keeps a zone), else a new one. Call it in the master, before the fork.
    static std::shared_ptr<SharedSessionCache> named(const std::string& name, size_t bytes);

    size_t slots() const { return slots_; }
    static constexpr size_t kMaxId = 32;              // SSL_MAX_SSL_SESSION_ID_LENGTH
    static constexpr size_t kMaxSession = 1024 - 48;  // bytes of one serialized session

  private:
    struct Slot;
    struct Header;

    Slot* slot(size_t index);
    Slot* lookup(std::string_view id);  // with the lock held
    void lock();
    void unlock();

    void* memory_ = nullptr;
    size_t bytes_ = 0;
    size_t slots_ = 0;
};

}  // namespace strata::net
