#include "strata/net/idle_connections.h"

#include <sys/epoll.h>
#include <sys/socket.h>

#include <cerrno>

#include "strata/net/socket_io.h"

namespace strata::net {

// One kept connection: watched for its peer's close and timed out.
class IdleConnections::Idle final : public IoHandler {
  public:
    Idle(IdleConnections& owner, const Kept& kept) : owner_(owner), kept_(kept) {
        timer_.set_callback([this] { owner_.close(position_); });
    }

    void watch(List::iterator position) {
        position_ = position;
        owner_.loop_.rebind(kept_.fd, this);
        owner_.loop_.arm(timer_, owner_.timeout_ms_);
    }

    // Anything to read on an idle connection ends it: a close, a reset, or bytes no
    // request asked for (which would be mistaken for the next response). Being
    // writable means nothing, and neither does a readiness left over from the answer
    // its last user read (edge-triggered, the data that raised it may be gone): the
    // socket is asked, as nginx's keepalive module does.
    void on_io(uint32_t events) override {
        if (!(events & (EPOLLIN | EPOLLRDHUP | EPOLLHUP | EPOLLERR))) return;
        char byte;
        ssize_t n = ::recv(kept_.fd, &byte, 1, MSG_PEEK | MSG_DONTWAIT);
        if (n < 0 && (errno == EAGAIN || errno == EWOULDBLOCK)) return;
        owner_.close(position_);
    }

    Kept release() {
        owner_.loop_.disarm(timer_);
        Kept out = kept_;
        kept_.fd = -1;
        return out;
    }

    ~Idle() {
        if (kept_.fd < 0) return;
        owner_.loop_.remove(kept_.fd);
        close_fd(kept_.fd);
    }

    const Kept& kept() const { return kept_; }

  private:
    IdleConnections& owner_;
    Kept kept_;
    Timer timer_;
    List::iterator position_;
};

IdleConnections::IdleConnections(EventLoop& loop, std::size_t capacity, uint64_t timeout_ms)
    : loop_(loop), capacity_(capacity), timeout_ms_(timeout_ms) {}

IdleConnections::~IdleConnections() = default;

void IdleConnections::put(const Kept& kept) {
    if (capacity_ == 0) {
        loop_.remove(kept.fd);
        close_fd(kept.fd);
        return;
    }
    if (idle_.size() >= capacity_) close(std::prev(idle_.end()));
    idle_.push_front(std::make_unique<Idle>(*this, kept));
    idle_.front()->watch(idle_.begin());
}

std::optional<IdleConnections::Kept> IdleConnections::take(std::size_t key) {
    for (auto it = idle_.begin(); it != idle_.end(); ++it) {
        if ((*it)->kept().key != key) continue;
        Kept out = (*it)->release();
        idle_.erase(it);
        return out;
    }
    return std::nullopt;
}

void IdleConnections::close(List::iterator it) {
    idle_.erase(it);  // the Idle's destructor unregisters and closes
}

}  // namespace strata::net
