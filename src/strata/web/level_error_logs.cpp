#include "strata/web/level_error_logs.h"

#include <cstring>

namespace strata::web {

LevelErrorLogs::LevelErrorLogs(std::vector<Target> targets) : targets_(std::move(targets)) {
    for (const Target& t : targets_)
        lowest_ = std::min(lowest_, t.lowest);
}

void LevelErrorLogs::write(log::Level level, std::string_view message) const {
    for (const Target& t : targets_)
        if (level >= t.lowest) t.file->write(level, message);
}

std::string ErrorLogFiles::full_path(const std::string& path) const {
    return path.empty() || path.front() == '/' || path == "stderr" ? path : prefix_ + path;
}

std::shared_ptr<const LevelErrorLogs> ErrorLogFiles::resolve(
    const std::vector<ErrorLogSpec>& specs) {
    std::vector<LevelErrorLogs::Target> targets;
    for (const ErrorLogSpec& spec : specs) {
        std::string path = full_path(spec.path);
        auto& file = files_[path];
        if (!file) file = std::make_unique<log::LogFile>(path);
        targets.push_back({file.get(), spec.level});
    }
    return std::make_shared<const LevelErrorLogs>(std::move(targets));
}

void ErrorLogFiles::open_all() {
    for (auto& [path, file] : files_)
        if (int error = file->open(); error != 0)
            log::emit(log::Level::alert, "open() \"{}\" failed ({}: {})", path, error,
                      std::strerror(error));
}

}  // namespace strata::web
