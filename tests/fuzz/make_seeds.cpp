// make-fuzz-seeds: writes the seed corpus of the fuzz targets (tests/fuzz/corpus/<target>/) from
// the project's own writers and real dataset files, so the seeds follow the formats' one source.
// Usage: make-fuzz-seeds <corpus dir>. The committed corpus was made with it.
#include <zlib.h>

#include <filesystem>
#include <iostream>
#include <vector>

#include "../golden/test_models.hpp"
#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model_io.hpp"
#include "ttq/trainer/checkpoint.hpp"

namespace fs = std::filesystem;
using Bytes = std::vector<uint8_t>;

namespace {
void be32(Bytes& b, uint32_t v) {
  for (int s = 24; s >= 0; s -= 8) b.push_back(uint8_t(v >> s));
}

// idx fuzz input: the image file's length (2 bytes, little-endian), the image and label files.
Bytes idx_input(const Bytes& im, const Bytes& lb) {
  Bytes out = {uint8_t(im.size()), uint8_t(im.size() >> 8)};
  out.insert(out.end(), im.begin(), im.end());
  out.insert(out.end(), lb.begin(), lb.end());
  return out;
}

// The first n images and labels of d as idx3 / idx1 files.
std::pair<Bytes, Bytes> idx_files(const ttq::Dataset& d, int n) {
  Bytes im, lb;
  be32(im, 0x803), be32(im, uint32_t(n)), be32(im, uint32_t(d.h)), be32(im, uint32_t(d.w));
  im.insert(im.end(), d.images.begin(), d.images.begin() + ptrdiff_t(size_t(n) * d.image_size()));
  be32(lb, 0x801), be32(lb, uint32_t(n));
  lb.insert(lb.end(), d.labels.begin(), d.labels.begin() + n);
  return {im, lb};
}

Bytes gzip(const Bytes& raw) {
  const fs::path tmp = fs::temp_directory_path() / "ttq-seed.gz";
  gzFile f = gzopen(tmp.c_str(), "wb9");
  gzwrite(f, raw.data(), unsigned(raw.size()));
  gzclose(f);
  Bytes b = ttq::read_file(tmp);
  fs::remove(tmp);
  return b;
}
}  // namespace

int main(int argc, char** argv) {
  if (argc != 2) {
    std::cerr << "usage: make-fuzz-seeds <corpus dir>\n";
    return 2;
  }
  const fs::path dir = argv[1];
  const ttq::Dataset fm = ttq::load_dataset("fashion-mnist", "test");
  std::vector<const uint8_t*> calib = {fm.image(0), fm.image(1), fm.image(2), fm.image(3)};
  ttq::write_file_atomic(dir / "ttq" / "tiny_linear.ttq", ttq::serialize(ttq::test::tiny_linear()));
  ttq::write_file_atomic(dir / "ttq" / "tiny_net.ttq", ttq::serialize(ttq::test::tiny_net(1, calib)));

  {
    const auto [im, lb] = idx_files(fm, 2);
    ttq::write_file_atomic(dir / "idx" / "fashion-mnist-2.bin", idx_input(im, lb));
    const auto [im1, lb1] = idx_files(fm, 1);  // a gzipped image file with a plain label file
    ttq::write_file_atomic(dir / "idx" / "fashion-mnist-1-gz.bin", idx_input(gzip(im1), lb1));
  }

  const ttq::Dataset cf = ttq::load_dataset("cifar10", "test");
  for (int n : {1, 2}) {
    Bytes b;
    for (int i = 0; i < n; ++i) {
      b.push_back(cf.labels[size_t(i)]);
      b.insert(b.end(), cf.image(i), cf.image(i) + cf.image_size());
    }
    ttq::write_file_atomic(dir / "cifar" / ("cifar10-" + std::to_string(n) + ".bin"), b);
  }

  // A checkpoint with the trainer's header keys and a small state.
  std::vector<float> state = {0.5f, -1.25f, 3.0f, 0.0f, -0.0f, 1e-30f, 7.0f, 2.5f};
  const std::vector<std::pair<float*, size_t>> arrays = {{state.data(), 5}, {state.data() + 5, 3}};
  const nlohmann::json header = {
      {"config", {{"model", "lenet5"}, {"seed", 1}, {"lr_fp", 0.05}}},
      {"next_epoch", 2},
      {"history", nlohmann::json::array({{{"epoch", 1}, {"train_loss", 0.6}}})},
      {"trace", nlohmann::json::array()},
      {"mode", "ttq"}};
  ttq::write_file_atomic(dir / "checkpoint" / "small.ckpt",
                         ttq::train::encode_checkpoint(header, arrays));
  std::cout << "seeds written under " << dir.string() << "\n";
  return 0;
}
