// A throwaway directory of configuration files for the loader's tests.
#pragma once

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <string>

#include "strata/config/loader.h"

namespace strata::config::testing {

// The checkout this test was built from: this file is tests/unit/config/temp_config.h.
inline std::string source_root() {
    const std::string here = __FILE__;
    return here.substr(0, here.rfind("/tests/unit/config/"));
}

class TempConfigDir {
  public:
    TempConfigDir() {
        std::string name =
            (std::filesystem::temp_directory_path() / "strata-config-XXXXXX").string();
        if (::mkdtemp(name.data()) == nullptr) std::abort();
        root_ = name;
    }
    ~TempConfigDir() {
        std::error_code ignored;
        std::filesystem::remove_all(root_, ignored);
    }
    TempConfigDir(const TempConfigDir&) = delete;
    TempConfigDir& operator=(const TempConfigDir&) = delete;

    // Writes `text` to `relative` (creating directories); returns the full path.
    std::string write(const std::string& relative, const std::string& text) const {
        const auto path = root_ / relative;
        std::filesystem::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << text;
        return path.string();
    }
    void make_dir(const std::string& relative) const {
        std::filesystem::create_directories(root_ / relative);
    }
    std::string path(const std::string& relative) const { return (root_ / relative).string(); }
    std::string root() const { return root_.string() + "/"; }

    // Loads `text` as the main file nginx.conf.
    Result<LoadedConfig, ConfigError> load(const std::string& text,
                                           const LoadOptions& options = {}) const {
        return load_config(write("nginx.conf", text), options);
    }

    // The error of loading `text`, with the directory shown as "D/"; "ok" if it loads.
    std::string error_of(const std::string& text, const LoadOptions& options = {}) const {
        auto loaded = load(text, options);
        if (loaded) return "ok";
        std::string message = loaded.error().to_string();
        for (auto at = message.find(root()); at != std::string::npos; at = message.find(root())) {
            message.replace(at, root().size(), "D/");
        }
        return message;
    }

  private:
    std::filesystem::path root_;
};

}  // namespace strata::config::testing
