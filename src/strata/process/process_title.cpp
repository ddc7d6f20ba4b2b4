#include "strata/process/process_title.h"

#include <fcntl.h>
#include <sys/prctl.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>

namespace strata::process {
namespace {

// Fields 48 and 49 of /proc/self/stat (proc(5)): where the kernel reads the command
// line from. Counted after the name's closing parenthesis, which may hide spaces.
bool command_line_area(uintptr_t& start, uintptr_t& end) {
    char stat[4096];
    int fd = ::open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
    if (fd < 0) return false;
    ssize_t size = ::read(fd, stat, sizeof stat - 1);
    ::close(fd);
    if (size <= 0) return false;
    stat[size] = '\0';
    const char* p = std::strrchr(stat, ')');
    for (int number = 3; p != nullptr && number <= 49; ++number) {
        p = std::strchr(p + 1, ' ');
        if (p == nullptr) return false;
        if (number == 48) start = std::strtoull(p + 1, nullptr, 10);
        if (number == 49) end = std::strtoull(p + 1, nullptr, 10);
    }
    return start != 0 && end > start;
}

}  // namespace

bool set_process_title(const std::vector<std::string>& args, std::string_view name) {
    std::string short_name(name.substr(0, 15));
    ::prctl(PR_SET_NAME, short_name.c_str(), 0, 0, 0);
    uintptr_t start = 0;
    uintptr_t end = 0;
    if (!command_line_area(start, end)) return false;
    // The area is this process's own initial stack (argv's strings); the interpreter
    // and everything else hold copies of the arguments, not pointers into it.
    std::string command_line;  // NUL-separated, as execve() laid the arguments out
    for (const std::string& arg : args)
        command_line.append(arg).push_back('\0');
    auto* area = reinterpret_cast<char*>(start);
    size_t size = end - start;
    size_t length = std::min(command_line.size(), size - 1);
    std::memcpy(area, command_line.data(), length);
    std::memset(area + length, 0, size - length);
    return true;
}

}  // namespace strata::process
