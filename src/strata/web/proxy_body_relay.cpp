#include "strata/web/proxy_body_relay.h"

#include <unistd.h>

#include <cerrno>

#include "strata/net/temp_file.h"

namespace strata::web {

ProxyBodyRelay::~ProxyBodyRelay() {
    net::close_temp_file(file_);
}

// The output's unsent bytes include spilled ones already handed over: while those are
// many, more goes to the file, which is what keeps memory bounded.
bool ProxyBodyRelay::wants_more() const {
    if (out_.unsent_bytes() < limits_.memory && file_handed_ == file_written_) return true;
    return file_written_ < limits_.file;
}

bool ProxyBodyRelay::feed(std::string_view bytes) {
    received_ += bytes.size();
    bool direct =
        file_handed_ == file_written_ &&
        (out_.unsent_bytes() + bytes.size() <= limits_.memory || file_written_ >= limits_.file);
    if (direct) {
        out_.send_body(bytes);
        return true;
    }
    if (!spill(bytes)) return false;
    if (out_.unsent_bytes() < limits_.memory) hand_over();
    return true;
}

bool ProxyBodyRelay::spill(std::string_view bytes) {
    if (file_ < 0) file_ = net::open_temp_file(limits_.temp_dir, "proxy");
    if (file_ < 0) return false;
    while (!bytes.empty()) {
        ssize_t n = ::pwrite(file_, bytes.data(), bytes.size(), static_cast<off_t>(file_written_));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        file_written_ += static_cast<uint64_t>(n);
        bytes.remove_prefix(static_cast<size_t>(n));
    }
    return true;
}

void ProxyBodyRelay::on_output_sent() {
    if (file_written_ > file_handed_ && out_.unsent_bytes() < limits_.memory) hand_over();
}

void ProxyBodyRelay::hand_over_all() {
    if (file_written_ > file_handed_) hand_over();
}

// The output queue takes its own descriptor of the file: it closes it when sent.
void ProxyBodyRelay::hand_over() {
    int fd = ::dup(file_);
    if (fd < 0) return;  // retried at the next call; the bytes stay in the file
    uint64_t length = file_written_ - file_handed_;
    off_t offset = static_cast<off_t>(file_handed_);
    file_handed_ = file_written_;
    out_.send_body_file(fd, offset, length);
}

}  // namespace strata::web
