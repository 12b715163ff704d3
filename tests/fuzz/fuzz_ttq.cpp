// Fuzz target: the .ttq model reader (golden model_io deserialize). The last 4 bytes are replaced
// by the crc32 of the rest, so mutations reach the parser instead of all failing the checksum
// (the checksum check itself is covered by tests/golden/test_model_io.cpp). A model it accepts
// must serialize back to exactly the same bytes if it is a current-version file (the format has
// one encoding per model); an older version (1: no N:M fields) must be rewritten as a current file
// that reads back to the same bytes.
#include <vector>

#include <new>

#include "fuzz_target.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model_io.hpp"

bool ttq_fuzz_one(std::span<const uint8_t> data) {
  std::vector<uint8_t> bytes(data.begin(), data.end());
  if (bytes.size() >= 8) {
    const uint32_t crc = ttq::checksum_crc32(std::span(bytes).first(bytes.size() - 4));
    for (int k = 0; k < 4; ++k) bytes[bytes.size() - 4 + size_t(k)] = uint8_t(crc >> (8 * k));
  }
  ttq::Model m;
  try {
    m = ttq::deserialize(bytes, "fuzz.ttq");
  } catch (const std::bad_alloc&) {
    throw;  // an allocation the file's real size did not justify: a finding, not a clean error
  } catch (const std::exception&) {
    return false;
  }
  const std::vector<uint8_t> again = ttq::serialize(m);
  const uint32_t version = uint32_t(bytes[4]) | uint32_t(bytes[5]) << 8 | uint32_t(bytes[6]) << 16 |
                           uint32_t(bytes[7]) << 24;
  if (version == again[4])  // the current version: one encoding per model
    ttq::fuzz::require(again == bytes, "serialize(deserialize(bytes)) != bytes");
  else
    ttq::fuzz::require(ttq::serialize(ttq::deserialize(again, "fuzz-again.ttq")) == again,
                       "an older-version file's rewrite does not read back to itself");
  return true;
}
