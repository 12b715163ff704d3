// Real image datasets (MNIST, Fashion-MNIST idx; CIFAR-10 binary) and the directory lookup that
// finds them without ever copying them into the repository.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace ttq {

// n images of c x h x w uint8 pixels, CHW order per image, images contiguous.
struct Dataset {
  std::string name;   // "mnist", "fashion-mnist", "cifar10"
  std::string split;  // what was loaded, e.g. "test", "train", "heldout", "test-first1000"
  int n = 0, c = 0, h = 0, w = 0;
  int num_classes = 10;
  std::vector<uint8_t> images;
  std::vector<uint8_t> labels;
  size_t image_size() const { return size_t(c) * h * w; }
  const uint8_t* image(int i) const { return images.data() + size_t(i) * image_size(); }
};

// Directories searched, in order: `cli_dir` (if given), $TTQ_DATA, ./data, ../shared/data,
// <source>/data, <source>/../shared/data, /usr/share/datasets.
std::vector<std::filesystem::path> data_search_path(const std::optional<std::filesystem::path>& cli_dir);

// Loaders for the standard formats. They validate magic numbers, sizes and label ranges and throw
// std::runtime_error naming the file and what is wrong. idx files may be gzipped or not.
Dataset load_idx(const std::filesystem::path& images, const std::filesystem::path& labels);
Dataset load_cifar10_bin(const std::vector<std::filesystem::path>& files);

// Loads a named dataset ("mnist", "fashion-mnist", "cifar10") and split:
//   mnist / fashion-mnist: "train" (60,000), "test" (10,000)
//   cifar10: "train" (data_batch_1..5 less the last 5,000 of batch 5), "heldout" (those 5,000),
//            "test" (test_batch.bin if present, else test_batch_first1000.bin, split names which)
// Throws with the searched directories listed if the files are not found.
Dataset load_dataset(const std::string& name, const std::string& split,
                     const std::optional<std::filesystem::path>& cli_dir = std::nullopt);

// Returns the first `count` images of `d` (or all if count >= n).
Dataset head(const Dataset& d, int count);

}  // namespace ttq
