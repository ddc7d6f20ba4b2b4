#include "strata/gateway/request.h"

#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "strata/net/temp_file.h"

namespace strata::gateway {

RequestBody RequestBody::in_memory(std::string bytes) {
    RequestBody body;
    body.size_ = bytes.size();
    body.memory_ = std::move(bytes);
    return body;
}

RequestBody RequestBody::in_file(int fd, uint64_t size) {
    RequestBody body;
    body.fd_ = fd;
    body.size_ = size;
    return body;
}

RequestBody::RequestBody(RequestBody&& other) noexcept
    : memory_(std::move(other.memory_)), fd_(other.fd_), size_(other.size_) {
    other.fd_ = -1;
    other.size_ = 0;
}

RequestBody& RequestBody::operator=(RequestBody&& other) noexcept {
    if (this == &other) return *this;
    net::close_temp_file(fd_);
    memory_ = std::move(other.memory_);
    fd_ = other.fd_;
    size_ = other.size_;
    other.fd_ = -1;
    other.size_ = 0;
    return *this;
}

RequestBody::~RequestBody() {
    net::close_temp_file(fd_);  // a spooled body: maybe large, maybe on the loop thread
}

size_t RequestBody::read(uint64_t offset, char* out, size_t length) const {
    if (offset >= size_) return 0;
    length = static_cast<size_t>(std::min<uint64_t>(length, size_ - offset));
    if (fd_ < 0) {
        std::memcpy(out, memory_.data() + offset, length);
        return length;
    }
    size_t done = 0;
    while (done < length) {
        ssize_t n = ::pread(fd_, out + done, length - done, static_cast<off_t>(offset + done));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;  // the spool file is ours: a short file is a lost disk, not input
        done += static_cast<size_t>(n);
    }
    return done;
}

std::string_view Request::find(std::string_view name) const {
    for (const http::Header& h : headers)
        if (http::iequals(h.name, name)) return h.value;
    return {};
}

}  // namespace strata::gateway
