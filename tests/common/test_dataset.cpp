// Dataset loaders against the real files and against small crafted bad files.
#include <zlib.h>

#include <array>
#include <catch2/catch.hpp>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>
#include <string>

#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"

namespace fs = std::filesystem;
using Catch::Matchers::Contains;

namespace {

// A fresh temporary directory, removed when the test ends.
struct TempDir {
  fs::path path;
  TempDir() {
    path =
        fs::temp_directory_path() / ("ttq-test-common-" + std::to_string(std::random_device{}()));
    fs::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

void put_be32(std::vector<uint8_t>& v, uint32_t x) {
  for (int s = 24; s >= 0; s -= 8) v.push_back(uint8_t(x >> s));
}

std::vector<uint8_t> idx_images(uint32_t magic, uint32_t n, uint32_t rows, uint32_t cols,
                                size_t payload) {
  std::vector<uint8_t> v;
  put_be32(v, magic);
  put_be32(v, n);
  put_be32(v, rows);
  put_be32(v, cols);
  for (size_t i = 0; i < payload; ++i) v.push_back(uint8_t(i * 7));
  return v;
}

std::vector<uint8_t> idx_labels(uint32_t magic, uint32_t n, std::vector<uint8_t> labels) {
  std::vector<uint8_t> v;
  put_be32(v, magic);
  put_be32(v, n);
  v.insert(v.end(), labels.begin(), labels.end());
  return v;
}

void write_gz(const fs::path& p, const std::vector<uint8_t>& bytes) {
  gzFile f = gzopen(p.c_str(), "wb");
  REQUIRE(f != nullptr);
  REQUIRE(gzwrite(f, bytes.data(), unsigned(bytes.size())) == int(bytes.size()));
  gzclose(f);
}

// The directory the loaders found CIFAR-10 in (the first on the search path that has it).
fs::path cifar_dir() {
  for (const auto& d : ttq::data_search_path(std::nullopt))
    if (fs::exists(d / "cifar-10-batches-bin" / "data_batch_5.bin"))
      return d / "cifar-10-batches-bin";
  FAIL("CIFAR-10 not found on the search path");
  return {};
}

std::array<int, 10> histogram(const ttq::Dataset& d) {
  std::array<int, 10> h{};
  for (uint8_t l : d.labels) h.at(l)++;
  return h;
}

}  // namespace

TEST_CASE("real Fashion-MNIST loads with the right counts and label histograms", "[dataset]") {
  const ttq::Dataset test = ttq::load_dataset("fashion-mnist", "test");
  CHECK(test.name == "fashion-mnist");
  CHECK(test.split == "test");
  CHECK(test.n == 10000);
  CHECK((test.c == 1 && test.h == 28 && test.w == 28));
  CHECK(test.images.size() == 10000u * 784u);
  for (int c : histogram(test)) CHECK(c == 1000);
  const ttq::Dataset train = ttq::load_dataset("fashion-mnist", "train");
  CHECK(train.n == 60000);
  for (int c : histogram(train)) CHECK(c == 6000);
}

TEST_CASE("real MNIST loads with the right counts and label histograms", "[dataset]") {
  const ttq::Dataset test = ttq::load_dataset("mnist", "test");
  CHECK(test.n == 10000);
  CHECK((test.c == 1 && test.h == 28 && test.w == 28));
  const std::array<int, 10> want_test{980, 1135, 1032, 1010, 982, 892, 958, 1028, 974, 1009};
  CHECK(histogram(test) == want_test);
  const ttq::Dataset train = ttq::load_dataset("mnist", "train");
  CHECK(train.n == 60000);
  const std::array<int, 10> want_train{5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949};
  CHECK(histogram(train) == want_train);
  // The first test digit of MNIST is a 7 whose centre pixel row has ink.
  CHECK(test.labels[0] == 7);
}

TEST_CASE("real CIFAR-10 splits: train, heldout, partial test", "[dataset]") {
  const ttq::Dataset test = ttq::load_dataset("cifar10", "test");
  // Only the first 1,000 test records exist in ../shared/data; the split says so.
  REQUIRE((test.split == "test-first1000" || test.split == "test"));
  CHECK((test.c == 3 && test.h == 32 && test.w == 32));
  if (test.split == "test-first1000") {
    CHECK(test.n == 1000);
    // Labels agree with the published list of all 10,000 test labels.
    std::ifstream f(cifar_dir() / "test_labels_all10000.txt");
    if (f) {
      for (int i = 0; i < test.n; ++i) {
        int l = -1;
        f >> l;
        REQUIRE(l == test.labels[size_t(i)]);
      }
    }
  }
  const ttq::Dataset held = ttq::load_dataset("cifar10", "heldout");
  CHECK(held.n == 5000);
  CHECK(held.split == "heldout");
  const ttq::Dataset train = ttq::load_dataset("cifar10", "train");
  CHECK(train.n == 45000);
  // train + heldout is the whole of the five batches: 5,000 images per class.
  auto h = histogram(train);
  const auto hh = histogram(held);
  for (int c = 0; c < 10; ++c) CHECK(h[size_t(c)] + hh[size_t(c)] == 5000);
  // heldout is the tail of data_batch_5: its last image equals the last record of that file.
  const ttq::Dataset b5 = ttq::load_cifar10_bin({cifar_dir() / "data_batch_5.bin"});
  CHECK(std::equal(held.images.end() - 3072, held.images.end(), b5.images.end() - 3072));
  CHECK(
      std::equal(held.images.begin(), held.images.begin() + 3072, b5.images.begin() + 5000 * 3072));
}

TEST_CASE("crafted idx files: valid gz and plain, command-line dir first", "[dataset]") {
  TempDir t;
  fs::create_directories(t.path / "mnist");
  write_gz(t.path / "mnist" / "t10k-images-idx3-ubyte.gz", idx_images(0x803, 3, 2, 2, 12));
  write_gz(t.path / "mnist" / "t10k-labels-idx1-ubyte.gz", idx_labels(0x801, 3, {4, 0, 9}));
  const ttq::Dataset d = ttq::load_dataset("mnist", "test", t.path);
  CHECK(d.n == 3);
  CHECK((d.h == 2 && d.w == 2 && d.c == 1));
  CHECK(d.labels == std::vector<uint8_t>{4, 0, 9});
  CHECK(d.image(2)[3] == uint8_t(11 * 7));
  // Plain (not gzipped) files, pointed at directly.
  ttq::write_file_atomic(t.path / "plain" / "t10k-images-idx3-ubyte",
                         idx_images(0x803, 2, 1, 3, 6));
  ttq::write_file_atomic(t.path / "plain" / "t10k-labels-idx1-ubyte", idx_labels(0x801, 2, {1, 2}));
  const ttq::Dataset p = ttq::load_dataset("fashion-mnist", "test", t.path / "plain");
  CHECK(p.n == 2);
  CHECK(p.w == 3);
  const ttq::Dataset h1 = ttq::head(p, 1);
  CHECK(h1.n == 1);
  CHECK(h1.labels.size() == 1);
  CHECK(h1.images.size() == 3);
  CHECK(ttq::head(p, 10).n == 2);
}

TEST_CASE("search path order", "[dataset]") {
  ::setenv("TTQ_DATA", "/tmp/ttq-env-data", 1);
  const auto p = ttq::data_search_path(fs::path("/cli"));
  ::unsetenv("TTQ_DATA");
  REQUIRE(p.size() == 7);
  CHECK(p[0] == "/cli");
  CHECK(p[1] == "/tmp/ttq-env-data");
  CHECK(p[2] == "data");
  CHECK(p[3] == "../shared/data");
  CHECK(p[6] == "/usr/share/datasets");
  CHECK(ttq::data_search_path(std::nullopt).size() == 5);
}

TEST_CASE("crafted bad idx files are rejected naming the file", "[dataset]") {
  TempDir t;
  const fs::path im = t.path / "im.gz", lb = t.path / "lb.gz";
  write_gz(lb, idx_labels(0x801, 2, {1, 2}));
  SECTION("bad image magic") {
    write_gz(im, idx_images(0x802, 2, 2, 2, 8));
    CHECK_THROWS_WITH(ttq::load_idx(im, lb), Contains(im.string()) && Contains("magic"));
  }
  SECTION("bad label magic") {
    write_gz(im, idx_images(0x803, 2, 2, 2, 8));
    write_gz(lb, idx_labels(0x803, 2, {1, 2}));
    CHECK_THROWS_WITH(ttq::load_idx(im, lb), Contains(lb.string()) && Contains("magic"));
  }
  SECTION("truncated pixels") {
    write_gz(im, idx_images(0x803, 2, 2, 2, 7));
    CHECK_THROWS_WITH(ttq::load_idx(im, lb), Contains(im.string()) && Contains("truncated"));
  }
  SECTION("truncated header") {
    write_gz(im, {0, 0, 8, 3, 0, 0});
    CHECK_THROWS_WITH(ttq::load_idx(im, lb), Contains(im.string()) && Contains("image count"));
  }
  SECTION("trailing bytes") {
    write_gz(im, idx_images(0x803, 2, 2, 2, 9));
    CHECK_THROWS_WITH(ttq::load_idx(im, lb), Contains(im.string()) && Contains("wrong size"));
  }
  SECTION("absurd count is refused before allocating") {
    write_gz(im, idx_images(0x803, 0xFFFFFFFFu, 4096, 4096, 8));
    CHECK_THROWS_WITH(ttq::load_idx(im, lb), Contains(im.string()) && Contains("image count"));
  }
  SECTION("label count mismatch") {
    write_gz(im, idx_images(0x803, 3, 2, 2, 12));
    CHECK_THROWS_WITH(ttq::load_idx(im, lb), Contains(lb.string()) && Contains("label count"));
  }
  SECTION("label out of range") {
    write_gz(im, idx_images(0x803, 2, 2, 2, 8));
    write_gz(lb, idx_labels(0x801, 2, {1, 10}));
    CHECK_THROWS_WITH(ttq::load_idx(im, lb),
                      Contains(lb.string()) && Contains("label 10") && Contains("item 1"));
  }
  SECTION("missing file") {
    CHECK_THROWS_WITH(ttq::load_idx(t.path / "nope.gz", lb), Contains("nope.gz"));
  }
}

TEST_CASE("crafted bad CIFAR-10 files are rejected naming the file", "[dataset]") {
  TempDir t;
  const fs::path f = t.path / "batch.bin";
  std::vector<uint8_t> rec(3073 * 2, 5);
  rec[0] = 3;
  rec[3073] = 9;
  ttq::write_file_atomic(f, rec);
  const ttq::Dataset ok = ttq::load_cifar10_bin({f});
  CHECK(ok.n == 2);
  CHECK(ok.labels == std::vector<uint8_t>{3, 9});
  SECTION("wrong size") {
    rec.pop_back();
    ttq::write_file_atomic(f, rec);
    CHECK_THROWS_WITH(ttq::load_cifar10_bin({f}), Contains(f.string()) && Contains("wrong size"));
  }
  SECTION("label out of range") {
    rec[3073] = 10;
    ttq::write_file_atomic(f, rec);
    CHECK_THROWS_WITH(ttq::load_cifar10_bin({f}),
                      Contains(f.string()) && Contains("label 10") && Contains("record 1"));
  }
}

TEST_CASE("unknown dataset or split is rejected naming it", "[dataset]") {
  CHECK_THROWS_WITH(ttq::load_dataset("imagenet", "test"), Contains("'imagenet'"));
  CHECK_THROWS_WITH(ttq::load_dataset("mnist", "val"), Contains("'val'"));
  CHECK_THROWS_WITH(ttq::load_dataset("cifar10", "val"), Contains("'val'"));
  CHECK_THROWS_WITH(ttq::head(ttq::Dataset{}, -1), Contains("-1"));
}
