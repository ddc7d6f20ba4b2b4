#include "strata/net/tls_session_cache.h"

#include <sched.h>
#include <sys/mman.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <functional>
#include <map>

namespace strata::net {

// The lock is a word in the shared mapping: std::atomic on a lock-free type works across
// processes. Held for a copy of at most one slot.
struct SharedSessionCache::Header {
    std::atomic<uint32_t> lock;
    uint32_t next_victim;  // round-robin eviction when a probe finds no free slot
};
static_assert(std::atomic<uint32_t>::is_always_lock_free);

struct SharedSessionCache::Slot {
    int64_t expires;
    uint16_t id_length;  // 0: free
    uint16_t session_length;
    uint8_t id[kMaxId];
    uint8_t session[kMaxSession];
};

namespace {

// Slots looked at for one ID: a small window, so a full cache costs a bounded search.
constexpr size_t kProbe = 8;

}  // namespace

SharedSessionCache::SharedSessionCache(size_t bytes) {
    slots_ = std::max<size_t>(1, (bytes - std::min(bytes, sizeof(Header))) / sizeof(Slot));
    bytes_ = sizeof(Header) + slots_ * sizeof(Slot);
    void* memory =
        ::mmap(nullptr, bytes_, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
    if (memory == MAP_FAILED) {  // no cache, then: every lookup misses
        slots_ = 0;
        return;
    }
    memory_ = memory;
    new (memory_) Header{{0}, 0};  // the rest is zero: every slot free
}

SharedSessionCache::~SharedSessionCache() {
    if (memory_) ::munmap(memory_, bytes_);
}

std::shared_ptr<SharedSessionCache> SharedSessionCache::named(const std::string& name,
                                                              size_t bytes) {
    struct Zone {
        size_t bytes;
        std::weak_ptr<SharedSessionCache> cache;
    };
    static std::map<std::string, Zone> zones;  // the master loads configurations on one thread
    Zone& zone = zones[name];
    if (auto known = zone.cache.lock(); known && zone.bytes == bytes) return known;
    auto made = std::make_shared<SharedSessionCache>(bytes);
    zone = {bytes, made};
    return made;
}

SharedSessionCache::Slot* SharedSessionCache::slot(size_t index) {
    auto* first = reinterpret_cast<Slot*>(static_cast<char*>(memory_) + sizeof(Header));
    return first + index % slots_;
}

void SharedSessionCache::lock() {
    auto& word = static_cast<Header*>(memory_)->lock;
    uint32_t expected = 0;
    while (!word.compare_exchange_weak(expected, 1, std::memory_order_acquire)) {
        expected = 0;
        sched_yield();  // the holder copies a few hundred bytes: yield rather than spin
    }
}

void SharedSessionCache::unlock() {
    static_cast<Header*>(memory_)->lock.store(0, std::memory_order_release);
}

SharedSessionCache::Slot* SharedSessionCache::lookup(std::string_view id) {
    size_t start = std::hash<std::string_view>{}(id);
    for (size_t i = 0; i < std::min(kProbe, slots_); ++i) {
        Slot* s = slot(start + i);
        if (s->id_length == id.size() && std::memcmp(s->id, id.data(), id.size()) == 0) return s;
    }
    return nullptr;
}

void SharedSessionCache::store(std::string_view id, std::string_view session, int64_t now,
                               int64_t expires) {
    if (slots_ == 0 || id.empty() || id.size() > kMaxId || session.size() > kMaxSession) return;
    lock();
    Slot* target = lookup(id);
    size_t start = std::hash<std::string_view>{}(id);
    for (size_t i = 0; target == nullptr && i < std::min(kProbe, slots_); ++i) {
        Slot* s = slot(start + i);
        if (s->id_length == 0 || s->expires <= now) target = s;  // free or expired
    }
    if (target == nullptr) {  // all taken: evict one of the window in turn
        auto* header = static_cast<Header*>(memory_);
        target = slot(start + header->next_victim++ % std::min(kProbe, slots_));
    }
    target->expires = expires;
    target->id_length = static_cast<uint16_t>(id.size());
    target->session_length = static_cast<uint16_t>(session.size());
    std::memcpy(target->id, id.data(), id.size());
    std::memcpy(target->session, session.data(), session.size());
    unlock();
}

std::optional<std::string> SharedSessionCache::find(std::string_view id, int64_t now) {
    if (slots_ == 0) return std::nullopt;
    lock();
    std::optional<std::string> found;
    if (Slot* s = lookup(id)) {
        if (s->expires > now)
            found.emplace(reinterpret_cast<const char*>(s->session), s->session_length);
        else
            s->id_length = 0;  // expired: free the slot
    }
    unlock();
    return found;
}

void SharedSessionCache::remove(std::string_view id) {
    if (slots_ == 0) return;
    lock();
    if (Slot* s = lookup(id)) s->id_length = 0;
    unlock();
}

}  // namespace strata::net
