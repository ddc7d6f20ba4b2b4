#include "strata/net/request_body.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <string>

#include "strata/base/log.h"
#include "strata/net/temp_file.h"

namespace strata::net {

RequestBodyStore::~RequestBodyStore() {
    close_temp_file(fd_);
}

void RequestBodyStore::configure(uint64_t memory_limit, std::string temp_dir) {
    memory_limit_ = memory_limit;
    temp_dir_ = std::move(temp_dir);
}

bool RequestBodyStore::append(std::string_view bytes) {
    size_ += bytes.size();
    if (fd_ >= 0) return write_all(bytes);
    if (memory_limit_ == 0 || size_ <= memory_limit_) {
        memory_.append(bytes);
        return true;
    }
    return spool() && write_all(bytes);
}

// Moves what is in memory to a new unlinked file (O_TMPFILE: nothing to clean up if
// the process dies).
bool RequestBodyStore::spool() {
    fd_ = open_temp_file(temp_dir_, "body");
    if (fd_ < 0) {
        log::error("could not create a temporary file for a request body in \"{}\" ({}: {})",
                   temp_dir_, errno, std::strerror(errno));
        return false;
    }
    bool written = write_all(memory_.view());
    // Empty it first: Buffer::release() frees only an empty buffer, and memory() must not
    // go on showing the first bytes as if they were the whole body.
    memory_.clear();
    memory_.release();
    return written;
}

bool RequestBodyStore::write_all(std::string_view bytes) {
    while (!bytes.empty()) {
        ssize_t n = ::write(fd_, bytes.data(), bytes.size());
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            log::error("could not write a request body to its temporary file ({}: {})", errno,
                       std::strerror(errno));
            return false;
        }
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

int RequestBodyStore::take_file() {
    int fd = fd_;
    fd_ = -1;
    return fd;
}

void RequestBodyStore::clear() {
    close_temp_file(fd_);
    fd_ = -1;
    size_ = 0;
    memory_.clear();
}

void RequestBodyStore::release() {
    clear();
    memory_.release();
}

}  // namespace strata::net
