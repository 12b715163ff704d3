// Fuzz target: the IDX image + label reader (common/ load_idx, gzipped or plain). The input is
// split in two files: its first two bytes (little-endian) give the image file's length L (at most
// what follows), the next L bytes are the image file, the rest is the label file. An accepted dataset must hold exactly n images of h x w pixels and
// n labels below num_classes.
#include <algorithm>

#include <new>

#include "fuzz_target.hpp"
#include "ttq/dataset.hpp"

bool ttq_fuzz_one(std::span<const uint8_t> data) {
  if (data.size() < 2) return false;
  const auto rest = data.subspan(2);
  const size_t cut = std::min<size_t>(rest.size(), data[0] | (data[1] << 8));
  ttq::fuzz::MemFile images(rest.first(cut)), labels(rest.subspan(cut));
  ttq::Dataset d;
  try {
    d = ttq::load_idx(images.path(), labels.path());
  } catch (const std::bad_alloc&) {
    throw;  // an allocation the file's real size did not justify: a finding, not a clean error
  } catch (const std::exception&) {
    return false;
  }
  using ttq::fuzz::require;
  require(d.n > 0 && d.c == 1 && d.h > 0 && d.w > 0, "dataset dimensions");
  require(d.images.size() == size_t(d.n) * d.image_size(), "pixel count");
  require(d.labels.size() == size_t(d.n), "label count");
  for (uint8_t l : d.labels) require(l < d.num_classes, "label range");
  return true;
}
