#include "strata/net/temp_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <system_error>
#include <thread>

#include "strata/base/log.h"

namespace strata::net {

int open_temp_file(const std::string& dir, std::string_view what) {
    int fd = ::open(dir.c_str(), O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (fd >= 0 || (errno != EOPNOTSUPP && errno != EISDIR)) return fd;
    std::string path = dir + "/strata-" + std::string(what) + "-XXXXXX";
    fd = ::mkostemp(path.data(), O_CLOEXEC);
    if (fd >= 0) ::unlink(path.c_str());
    return fd;
}

void close_temp_file(int fd) {
    if (fd < 0) return;
    struct stat st {};
    bool large =
        ::fstat(fd, &st) == 0 && static_cast<uint64_t>(st.st_blocks) * 512 > kLargeTempFile;
    if (large) {
        try {
            std::thread([fd] { ::close(fd); }).detach();
            return;
        } catch (const std::system_error& e) {  // no thread to be had: close it here
            log::warn("closing a large temporary file on the loop: {}", e.what());
        }
    }
    ::close(fd);
}

}  // namespace strata::net
