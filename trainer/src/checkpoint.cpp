#include "ttq/trainer/checkpoint.hpp"

#include <cstring>
#include <stdexcept>

#include "ttq/fileio.hpp"

namespace ttq::train {
using nlohmann::json;
namespace {
constexpr char kMagic[8] = {'T', 'T', 'Q', 'C', 'K', 'P', 'T', '2'};
constexpr char kMagicV1[8] = {'T', 'T', 'Q', 'C', 'K', 'P', 'T', '1'};
constexpr size_t kFixed = 8 + 8 + 8 + 4;  // magic, header length, float count, crc32

template <class T>
void put(std::vector<uint8_t>& out, const T& v) {
  const auto* p = reinterpret_cast<const uint8_t*>(&v);
  out.insert(out.end(), p, p + sizeof(T));
}
template <class T>
T get(std::span<const uint8_t> b, size_t off) {
  T v;
  std::memcpy(&v, b.data() + off, sizeof(T));
  return v;
}
}  // namespace

std::vector<uint8_t> encode_checkpoint(const json& header,
                                       std::span<const std::pair<float*, size_t>> arrays) {
  std::vector<uint8_t> out(kMagic, kMagic + 8);
  const std::string text = header.dump();
  put(out, uint64_t(text.size()));
  out.insert(out.end(), text.begin(), text.end());
  uint64_t count = 0;
  for (const auto& [p, n] : arrays) count += n;
  put(out, count);
  for (const auto& [p, n] : arrays) {
    const auto* b = reinterpret_cast<const uint8_t*>(p);
    out.insert(out.end(), b, b + n * sizeof(float));
  }
  put(out, checksum_crc32(out));
  return out;
}

CheckpointData decode_checkpoint(std::span<const uint8_t> in, const std::string& src) {
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(src + ": checkpoint " + what);
  };
  if (in.size() >= 8 && std::memcmp(in.data(), kMagicV1, 8) == 0)
    fail("is format 1 (no checksum), this build reads format 2: start the run again without "
         "--resume");
  if (in.size() < 8 || std::memcmp(in.data(), kMagic, 8) != 0)
    fail("has a bad magic number (not a ttq-train checkpoint)");
  if (in.size() < kFixed)
    fail("is truncated: " + std::to_string(in.size()) + " bytes, at least " +
         std::to_string(kFixed) + " needed");
  const uint32_t stored = get<uint32_t>(in, in.size() - 4);
  const uint32_t computed = checksum_crc32(in.first(in.size() - 4));
  if (stored != computed)
    fail("checksum mismatch: stored crc32 " + std::to_string(stored) + ", computed " +
         std::to_string(computed) + " (file truncated or corrupted)");
  const uint64_t len = get<uint64_t>(in, 8);
  if (len > in.size() - kFixed)
    fail("header length " + std::to_string(len) + " exceeds the file's " +
         std::to_string(in.size()) + " bytes");
  CheckpointData d;
  const auto* text = reinterpret_cast<const char*>(in.data() + 16);
  try {
    d.header = json::parse(text, text + len);
  } catch (const std::exception& e) {
    fail(std::string("header is not valid JSON: ") + e.what());
  }
  if (!d.header.is_object()) fail("header is not a JSON object");
  const size_t off = 16 + size_t(len);
  const uint64_t count = get<uint64_t>(in, off);
  const size_t payload = in.size() - 4 - (off + 8);
  if (count > payload / sizeof(float) || count * sizeof(float) != payload)
    fail("float count " + std::to_string(count) + " does not match the " +
         std::to_string(payload) + " bytes of state");
  d.state.resize(size_t(count));
  if (payload) std::memcpy(d.state.data(), in.data() + off + 8, payload);
  return d;
}

}  // namespace ttq::train
