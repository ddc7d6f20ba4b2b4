// A request body as the connection reads it: in memory up to a limit, then in an
// unlinked temporary file, so a large upload costs disk, not memory.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "strata/base/buffer.h"

namespace strata::net {

class RequestBodyStore {
  public:
    RequestBodyStore() = default;
    ~RequestBodyStore();
    RequestBodyStore(const RequestBodyStore&) = delete;
    RequestBodyStore& operator=(const RequestBodyStore&) = delete;

    // `memory_limit` 0: never spool. Takes effect for the next body.
    void configure(uint64_t memory_limit, std::string temp_dir);
    // Adds body bytes. false: the temporary file could not be made or written (logged).
    bool append(std::string_view bytes);
    uint64_t size() const { return size_; }
    // The bytes while in memory; empty once spooled.
    std::string_view memory() const { return memory_.view(); }
    // The spool file, handed over to the caller; -1 when the body is in memory.
    int take_file();
    // Forgets the body (closing any spool file); release() also frees the memory.
    void clear();
    void release();

  private:
    bool spool();
    bool write_all(std::string_view bytes);

    Buffer memory_;
    int fd_ = -1;
    uint64_t size_ = 0;
    uint64_t memory_limit_ = 0;
    std::string temp_dir_;
};

}  // namespace strata::net
