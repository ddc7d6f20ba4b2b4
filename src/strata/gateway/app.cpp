#include "strata/gateway/app.h"

namespace strata::gateway {
namespace {

class MemoryBody final : public Body {
  public:
    explicit MemoryBody(std::string bytes) : bytes_(std::move(bytes)) {}
    BodyPart next() override {
        if (done_) return BodyPart::end_of_body();
        done_ = true;
        return BodyPart::of_bytes(bytes_);
    }
    bool in_memory() const override { return true; }

  private:
    std::string bytes_;
    bool done_ = false;
};

}  // namespace

std::unique_ptr<Body> body_of(std::string bytes) {
    return std::make_unique<MemoryBody>(std::move(bytes));
}

}  // namespace strata::gateway
