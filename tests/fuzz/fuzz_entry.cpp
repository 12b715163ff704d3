// libFuzzer's entry point for a ttq_fuzz_one target (make fuzz).
#include "fuzz_target.hpp"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  ttq_fuzz_one(std::span<const uint8_t>(data, size));
  return 0;
}
