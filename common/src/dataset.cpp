#include "ttq/dataset.hpp"

#include <zlib.h>

#include <algorithm>
#include <array>
#include <cstdio>
#include <cstdlib>
#include <memory>
#include <stdexcept>
#include <string>

namespace ttq {
namespace fs = std::filesystem;

namespace {

// Upper bounds on what a header may claim, so a corrupt count never drives an allocation.
constexpr uint64_t kMaxImages = 10'000'000;
constexpr uint32_t kMaxSide = 4096;
constexpr uint64_t kMaxPixels = uint64_t{1} << 32;  // 4 GiB of pixels in one file

struct GzCloser {
  void operator()(gzFile_s* f) const { gzclose(f); }
};
using GzFile = std::unique_ptr<gzFile_s, GzCloser>;

// Reads an idx file (gzipped or plain: gzread passes plain files through) in full. The payload is
// read in chunks up to what the header claims, so a lying header cannot allocate more than the
// file actually holds.
class IdxReader {
 public:
  explicit IdxReader(const fs::path& path) : path_(path) {
    f_.reset(gzopen(path.c_str(), "rb"));
    if (!f_) throw std::runtime_error(path.string() + ": cannot open");
  }

  uint32_t read_u32_be(const char* field) {
    std::array<uint8_t, 4> b{};
    read_exact(b.data(), b.size(), field);
    return (uint32_t{b[0]} << 24) | (uint32_t{b[1]} << 16) | (uint32_t{b[2]} << 8) | b[3];
  }

  void read_exact(uint8_t* dst, size_t n, const char* field) {
    size_t got = 0;
    while (got < n) {
      const unsigned chunk = unsigned(std::min<size_t>(n - got, 1u << 20));
      const int r = gzread(f_.get(), dst + got, chunk);
      if (r < 0)
        throw std::runtime_error(path_.string() + ": read error in " + field + ": " + gz_error());
      if (r == 0)
        throw std::runtime_error(path_.string() + ": truncated: " + field + " needs " +
                                 std::to_string(n) + " bytes, file has " + std::to_string(got));
      got += size_t(r);
    }
  }

  std::vector<uint8_t> read_payload(size_t n, const char* field) {
    std::vector<uint8_t> out;
    while (out.size() < n) {
      const size_t old = out.size();
      const size_t chunk = std::min<size_t>(n - old, size_t{16} << 20);
      out.resize(old + chunk);
      int r = 0;
      size_t got = 0;
      while (got < chunk) {
        r = gzread(f_.get(), out.data() + old + got, unsigned(chunk - got));
        if (r <= 0) break;
        got += size_t(r);
      }
      if (r < 0)
        throw std::runtime_error(path_.string() + ": read error in " + field + ": " + gz_error());
      if (got < chunk)
        throw std::runtime_error(path_.string() + ": truncated: header promises " +
                                 std::to_string(n) + " bytes of " + field + ", file has " +
                                 std::to_string(old + got));
    }
    return out;
  }

  void expect_eof() {
    uint8_t b = 0;
    const int r = gzread(f_.get(), &b, 1);
    if (r > 0)
      throw std::runtime_error(path_.string() +
                               ": wrong size: trailing bytes after the data the header describes");
    if (r < 0) throw std::runtime_error(path_.string() + ": read error at end: " + gz_error());
  }

 private:
  std::string gz_error() {
    int err = 0;
    const char* m = gzerror(f_.get(), &err);
    return m ? m : "unknown";
  }
  fs::path path_;
  GzFile f_;
};

void check_magic(const fs::path& p, uint32_t got, uint32_t want, const char* what) {
  if (got != want) {
    char buf[64];
    std::snprintf(buf, sizeof buf, "0x%08x (expected 0x%08x for %s)", got, want, what);
    throw std::runtime_error(p.string() + ": bad magic number " + buf);
  }
}

const char* subdir_of(const std::string& name) {
  if (name == "mnist") return "mnist";
  if (name == "fashion-mnist") return "fashion-mnist";
  if (name == "cifar10") return "cifar-10-batches-bin";
  throw std::runtime_error("dataset: unknown name '" + name +
                           "' (expected mnist, fashion-mnist or cifar10)");
}

// An idx file named `base`, gzipped or plain, in dir.
std::optional<fs::path> find_idx(const fs::path& dir, const std::string& base) {
  for (const auto& cand : {dir / (base + ".gz"), dir / base}) {
    std::error_code ec;
    if (fs::is_regular_file(cand, ec)) return cand;
  }
  return std::nullopt;
}

// The candidate directories for a dataset: <dir>/<subdir> for each lookup dir, and the
// command-line directory itself (a user may point straight at the dataset's folder).
std::vector<fs::path> candidate_dirs(const std::string& name,
                                     const std::optional<fs::path>& cli_dir) {
  const char* sub = subdir_of(name);
  std::vector<fs::path> out;
  if (cli_dir) out.push_back(*cli_dir);
  for (const auto& d : data_search_path(cli_dir)) out.push_back(d / sub);
  return out;
}

}  // namespace

std::vector<fs::path> data_search_path(const std::optional<fs::path>& cli_dir) {
  std::vector<fs::path> dirs;
  if (cli_dir) dirs.push_back(*cli_dir);
  if (const char* env = std::getenv("TTQ_DATA"); env && *env) dirs.emplace_back(env);
  dirs.emplace_back("data");
  dirs.emplace_back("../shared/data");
  const fs::path src = TTQ_SOURCE_DIR;
  dirs.push_back(src / "data");
  dirs.push_back(src / ".." / "shared" / "data");
  dirs.emplace_back("/usr/share/datasets");
  return dirs;
}

Dataset load_idx(const fs::path& images, const fs::path& labels) {
  Dataset d;
  d.c = 1;
  {
    IdxReader r(images);
    check_magic(images, r.read_u32_be("magic"), 0x00000803u, "idx3 uint8 images");
    const uint32_t n = r.read_u32_be("image count");
    const uint32_t rows = r.read_u32_be("rows");
    const uint32_t cols = r.read_u32_be("columns");
    if (n == 0 || n > kMaxImages)
      throw std::runtime_error(images.string() + ": image count " + std::to_string(n) +
                               " out of range [1, " + std::to_string(kMaxImages) + "]");
    if (rows == 0 || rows > kMaxSide || cols == 0 || cols > kMaxSide)
      throw std::runtime_error(images.string() + ": image size " + std::to_string(rows) + "x" +
                               std::to_string(cols) + " out of range");
    if (uint64_t(n) * rows * cols > kMaxPixels)
      throw std::runtime_error(images.string() + ": " + std::to_string(n) + " images of " +
                               std::to_string(rows) + "x" + std::to_string(cols) +
                               " exceed the 4 GiB limit of one file");
    d.n = int(n);
    d.h = int(rows);
    d.w = int(cols);
    d.images = r.read_payload(size_t(n) * rows * cols, "pixels");
    r.expect_eof();
  }
  {
    IdxReader r(labels);
    check_magic(labels, r.read_u32_be("magic"), 0x00000801u, "idx1 uint8 labels");
    const uint32_t n = r.read_u32_be("label count");
    if (n != uint32_t(d.n))
      throw std::runtime_error(labels.string() + ": label count " + std::to_string(n) +
                               " does not match image count " + std::to_string(d.n) + " of " +
                               images.string());
    d.labels = r.read_payload(n, "labels");
    r.expect_eof();
  }
  for (size_t i = 0; i < d.labels.size(); ++i)
    if (d.labels[i] >= d.num_classes)
      throw std::runtime_error(labels.string() + ": label " + std::to_string(d.labels[i]) +
                               " of item " + std::to_string(i) + " out of range [0, " +
                               std::to_string(d.num_classes - 1) + "]");
  return d;
}

Dataset load_cifar10_bin(const std::vector<fs::path>& files) {
  constexpr size_t kPix = 3 * 32 * 32, kRec = 1 + kPix;
  Dataset d;
  d.name = "cifar10";
  d.c = 3;
  d.h = d.w = 32;
  if (files.empty()) throw std::runtime_error("cifar10: no files given");
  for (const auto& f : files) {
    std::error_code ec;
    const auto sz = fs::file_size(f, ec);
    if (ec) throw std::runtime_error(f.string() + ": cannot open: " + ec.message());
    if (sz == 0 || sz % kRec != 0)
      throw std::runtime_error(f.string() + ": wrong size " + std::to_string(sz) +
                               " bytes: not a whole number of 3073-byte CIFAR-10 records");
    if (sz / kRec > kMaxImages)
      throw std::runtime_error(f.string() + ": too many records (" + std::to_string(sz / kRec) +
                               ")");
    IdxReader r(f);  // gzread reads plain files too
    const size_t recs = sz / kRec;
    const std::vector<uint8_t> raw = r.read_payload(sz, "records");
    r.expect_eof();
    d.images.reserve(d.images.size() + recs * kPix);
    for (size_t i = 0; i < recs; ++i) {
      const uint8_t label = raw[i * kRec];
      if (label >= d.num_classes)
        throw std::runtime_error(f.string() + ": label " + std::to_string(label) + " of record " +
                                 std::to_string(i) + " out of range [0, 9]");
      d.labels.push_back(label);
      d.images.insert(d.images.end(), raw.begin() + ptrdiff_t(i * kRec + 1),
                      raw.begin() + ptrdiff_t((i + 1) * kRec));
    }
  }
  d.n = int(d.labels.size());
  return d;
}

namespace {

Dataset slice(const Dataset& d, int begin, int end) {
  Dataset o = d;
  o.n = end - begin;
  o.images.assign(d.images.begin() + ptrdiff_t(size_t(begin) * d.image_size()),
                  d.images.begin() + ptrdiff_t(size_t(end) * d.image_size()));
  o.labels.assign(d.labels.begin() + begin, d.labels.begin() + end);
  return o;
}

Dataset load_mnist_like(const std::string& name, const std::string& split,
                        const std::optional<fs::path>& cli_dir) {
  std::string prefix;
  if (split == "train")
    prefix = "train";
  else if (split == "test")
    prefix = "t10k";
  else
    throw std::runtime_error(name + ": unknown split '" + split + "' (expected train or test)");
  const auto dirs = candidate_dirs(name, cli_dir);
  for (const auto& dir : dirs) {
    auto im = find_idx(dir, prefix + "-images-idx3-ubyte");
    auto lb = find_idx(dir, prefix + "-labels-idx1-ubyte");
    if (!im || !lb) continue;
    Dataset d = load_idx(*im, *lb);
    d.name = name;
    d.split = split;
    return d;
  }
  std::string msg =
      name + " " + split + ": " + prefix + "-{images-idx3,labels-idx1}-ubyte[.gz] not found in:";
  for (const auto& d : dirs) msg += "\n  " + d.string();
  msg += "\n(set $TTQ_DATA, pass a data directory, or run scripts/get-data)";
  throw std::runtime_error(msg);
}

Dataset load_cifar(const std::string& split, const std::optional<fs::path>& cli_dir) {
  if (split != "train" && split != "heldout" && split != "test")
    throw std::runtime_error("cifar10: unknown split '" + split +
                             "' (expected train, heldout or test)");
  const auto dirs = candidate_dirs("cifar10", cli_dir);
  auto exists = [](const fs::path& p) {
    std::error_code ec;
    return fs::is_regular_file(p, ec);
  };
  for (const auto& dir : dirs) {
    if (split == "test") {
      if (exists(dir / "test_batch.bin")) {
        Dataset d = load_cifar10_bin({dir / "test_batch.bin"});
        d.split = "test";
        return d;
      }
      if (exists(dir / "test_batch_first1000.bin")) {
        Dataset d = load_cifar10_bin({dir / "test_batch_first1000.bin"});
        d.split = "test-first1000";
        return d;
      }
      continue;
    }
    if (split == "heldout") {
      if (!exists(dir / "data_batch_5.bin")) continue;
      Dataset d = load_cifar10_bin({dir / "data_batch_5.bin"});
      if (d.n <= 5000)
        throw std::runtime_error((dir / "data_batch_5.bin").string() + ": only " +
                                 std::to_string(d.n) + " records, need more than 5000 for heldout");
      d = slice(d, d.n - 5000, d.n);
      d.split = "heldout";
      return d;
    }
    std::vector<fs::path> files;
    for (int i = 1; i <= 5; ++i)
      files.push_back(dir / ("data_batch_" + std::to_string(i) + ".bin"));
    if (!std::all_of(files.begin(), files.end(), exists)) continue;
    Dataset d = load_cifar10_bin(files);
    if (d.n <= 5000)
      throw std::runtime_error(dir.string() + ": CIFAR-10 training batches hold only " +
                               std::to_string(d.n) + " records");
    d = slice(d, 0, d.n - 5000);
    d.split = "train";
    return d;
  }
  std::string msg = "cifar10 " + split + ": files not found (" +
                    (split == "test" ? std::string("test_batch.bin or test_batch_first1000.bin")
                     : split == "heldout" ? std::string("data_batch_5.bin")
                                          : std::string("data_batch_1..5.bin")) +
                    ") in:";
  for (const auto& d : dirs) msg += "\n  " + d.string();
  msg += "\n(set $TTQ_DATA, pass a data directory, or run scripts/get-data)";
  throw std::runtime_error(msg);
}

}  // namespace

Dataset load_dataset(const std::string& name, const std::string& split,
                     const std::optional<fs::path>& cli_dir) {
  if (name == "mnist" || name == "fashion-mnist") return load_mnist_like(name, split, cli_dir);
  if (name == "cifar10") return load_cifar(split, cli_dir);
  throw std::runtime_error("dataset: unknown name '" + name +
                           "' (expected mnist, fashion-mnist or cifar10)");
}

Dataset head(const Dataset& d, int count) {
  if (count < 0) throw std::invalid_argument("head: negative count " + std::to_string(count));
  if (count >= d.n) return d;
  return slice(d, 0, count);
}

}  // namespace ttq
