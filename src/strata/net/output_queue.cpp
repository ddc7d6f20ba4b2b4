#include "strata/net/output_queue.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>

namespace strata::net {
namespace {

constexpr int kMaxIov = 64;
// sendfile in slices, so one large file does not starve other connections of the loop.
constexpr size_t kSendfileSlice = 1 << 20;
// Files up to this size are copied into the output instead of sent with sendfile.
constexpr uint64_t kInlineFileMax = 16 * 1024;
// Without sendfile a file is read this much at a time (nginx's output_buffers 2 32k).
constexpr size_t kCopySlice = 32 * 1024;

ssize_t pread_retrying(int fd, char* at, size_t length, off_t offset) {
    ssize_t n;
    do {
        n = ::pread(fd, at, length, offset);
    } while (n < 0 && errno == EINTR);
    return n;
}

}  // namespace

OutputQueue::~OutputQueue() {
    clear();
}

// A small file is read into the bytes before it, so the head and the body leave in one
// send: a second send costs more than copying a few kilobytes.
bool OutputQueue::inline_file(int fd, off_t offset, uint64_t length) {
    Buffer& bytes = memory();
    char* at = bytes.prepare(length);
    size_t done = 0;
    while (done < length) {
        ssize_t n = pread_retrying(fd, at + done, length - done, offset + static_cast<off_t>(done));
        if (n <= 0) return false;  // sendfile will report what went wrong
        done += static_cast<size_t>(n);
    }
    bytes.commit(length);
    ::close(fd);
    return true;
}

Buffer& OutputQueue::memory() {
    if (segments_.empty() || segments_.back().fd >= 0) segments_.emplace_back();
    return segments_.back().bytes;
}

void OutputQueue::append_file(int fd, off_t offset, uint64_t length, FileSending how) {
    if (length <= kInlineFileMax && inline_file(fd, offset, length)) return;
    if (length == 0) {
        ::close(fd);
        return;
    }
    if (!segments_.empty() && segments_.back().fd < 0) pending_ += segments_.back().bytes.size();
    Segment& s = segments_.emplace_back();
    s.fd = fd;
    s.offset = offset;
    s.length = length;
    s.sendfile = how.sendfile;
    s.cork = how.cork;
    if (how.cork) ++cork_wanted_;
    pending_ += length;
}

uint64_t OutputQueue::pending_bytes() const {
    bool open_memory = !segments_.empty() && segments_.back().fd < 0;
    return pending_ + (open_memory ? segments_.back().bytes.size() : 0);
}

void OutputQueue::pop_front() {
    if (segments_.front().fd >= 0) ::close(segments_.front().fd);
    segments_.pop_front();
}

void OutputQueue::clear() {
    while (!segments_.empty())
        pop_front();
    pending_ = 0;
    cork_wanted_ = 0;
    corked_ = false;  // the socket is closing: no need to uncork it
}

IoResult OutputQueue::flush(const Transport& out) {
    if (cork_wanted_ > 0 && !corked_) {
        set_tcp_cork(out.fd(), true);  // before the head that precedes the file
        corked_ = true;
    }
    size_t total = 0;
    while (!segments_.empty()) {
        Segment& front = segments_.front();
        IoResult r = front.fd < 0                           ? flush_memory(out)
                     : front.sendfile && out.can_sendfile() ? flush_file(out, front)
                                                            : copy_file(out, front);
        total += r.bytes;
        if (r.status != IoStatus::ok) return {r.status, total, r.error};
    }
    return {IoStatus::ok, total};
}

// One writev over the leading memory segments; consumed segments are dropped.
IoResult OutputQueue::flush_memory(const Transport& out) {
    iovec iov[kMaxIov];
    int count = 0;
    auto it = segments_.begin();
    for (; it != segments_.end() && it->fd < 0 && count < kMaxIov; ++it) {
        if (it->bytes.empty()) continue;
        iov[count++] = {const_cast<char*>(it->bytes.data()), it->bytes.size()};
    }
    bool file_follows = it != segments_.end() && it->fd >= 0;
    if (count == 0) {
        while (!segments_.empty() && segments_.front().fd < 0)
            pop_front();
        return {IoStatus::ok};
    }
    IoResult r = out.write(iov, count, file_follows);
    size_t left = r.bytes;
    while (!segments_.empty() && segments_.front().fd < 0) {
        Buffer& b = segments_.front().bytes;
        size_t n = std::min(left, b.size());
        b.consume(n);
        if (&segments_.front() != &segments_.back()) pending_ -= n;  // a sealed segment
        left -= n;
        if (!b.empty()) break;
        pop_front();
    }
    if (r.status == IoStatus::ok && !segments_.empty() && segments_.front().fd < 0)
        return {IoStatus::would_block, r.bytes};  // partial write: the socket is full
    return r;
}

IoResult OutputQueue::flush_file(const Transport& out, Segment& file) {
    size_t sent = 0;
    while (file.length > 0) {
        size_t slice = static_cast<size_t>(std::min<uint64_t>(file.length, kSendfileSlice));
        IoResult r = out.send_file(file.fd, file.offset, slice);
        sent += r.bytes;
        file.length -= r.bytes;
        pending_ -= r.bytes;
        if (r.status != IoStatus::ok) return {r.status, sent, r.error};
        if (r.bytes == 0) return {IoStatus::error, sent, EIO};  // the file shrank under us
        if (r.bytes < slice) return {IoStatus::would_block, sent};
    }
    finish_file(out);
    return {IoStatus::ok, sent};
}

// Without sendfile: read a slice into the segment's buffer, write it, repeat. At most
// one slice is held, so a large file costs no more memory than a small one.
IoResult OutputQueue::copy_file(const Transport& out, Segment& file) {
    size_t sent = 0;
    while (file.length > 0 || !file.bytes.empty()) {
        if (file.bytes.empty()) {
            size_t want = static_cast<size_t>(std::min<uint64_t>(file.length, kCopySlice));
            ssize_t n = pread_retrying(file.fd, file.bytes.prepare(want), want, file.offset);
            if (n < 0) return {IoStatus::error, sent, errno};
            if (n == 0) return {IoStatus::error, sent, EIO};  // the file shrank under us
            file.bytes.commit(static_cast<size_t>(n));
            file.offset += n;
            file.length -= static_cast<uint64_t>(n);
        }
        iovec iov{const_cast<char*>(file.bytes.data()), file.bytes.size()};
        bool more_follows = file.length > 0 || segments_.size() > 1;
        IoResult r = out.write(&iov, 1, more_follows);
        file.bytes.consume(r.bytes);
        pending_ -= r.bytes;
        sent += r.bytes;
        if (r.status != IoStatus::ok) return {r.status, sent, r.error};
        if (!file.bytes.empty()) return {IoStatus::would_block, sent};
    }
    finish_file(out);
    return {IoStatus::ok, sent};
}

// The file's last byte is written: the cork its response set comes off with it, which
// pushes out a partial last packet at once (nginx clears TCP_CORK at the response's end).
void OutputQueue::finish_file(const Transport& out) {
    if (segments_.front().cork && --cork_wanted_ == 0 && corked_) {
        set_tcp_cork(out.fd(), false);
        corked_ = false;
    }
    pop_front();
}

}  // namespace strata::net
