// Fuzz target: the CIFAR-10 binary batch reader (common/ load_cifar10_bin). An accepted batch
// must hold n 3 x 32 x 32 images and n labels in [0, 9].
#include <new>

#include "fuzz_target.hpp"
#include "ttq/dataset.hpp"

bool ttq_fuzz_one(std::span<const uint8_t> data) {
  ttq::fuzz::MemFile f(data);
  ttq::Dataset d;
  try {
    d = ttq::load_cifar10_bin({f.path()});
  } catch (const std::bad_alloc&) {
    throw;  // an allocation the file's real size did not justify: a finding, not a clean error
  } catch (const std::exception&) {
    return false;
  }
  using ttq::fuzz::require;
  require(d.n > 0 && d.c == 3 && d.h == 32 && d.w == 32, "dataset dimensions");
  require(d.images.size() == size_t(d.n) * d.image_size(), "pixel count");
  require(d.labels.size() == size_t(d.n), "label count");
  for (uint8_t l : d.labels) require(l < 10, "label range");
  return true;
}
