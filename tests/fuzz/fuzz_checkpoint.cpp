// Fuzz target: the trainer checkpoint reader (decode_checkpoint). The last 4 bytes are replaced
// by the crc32 of the rest so mutations reach the parser (the checksum check itself is tested in
// tests/trainer). An accepted checkpoint must re-encode to a file that decodes to the same state.
#include <algorithm>
#include <cstring>
#include <vector>

#include <new>

#include "fuzz_target.hpp"
#include "ttq/fileio.hpp"
#include "ttq/trainer/checkpoint.hpp"

bool ttq_fuzz_one(std::span<const uint8_t> data) {
  std::vector<uint8_t> bytes(data.begin(), data.end());
  if (bytes.size() >= 8) {
    const uint32_t crc = ttq::checksum_crc32(std::span(bytes).first(bytes.size() - 4));
    for (int k = 0; k < 4; ++k) bytes[bytes.size() - 4 + size_t(k)] = uint8_t(crc >> (8 * k));
  }
  ttq::train::CheckpointData d;
  try {
    d = ttq::train::decode_checkpoint(bytes, "fuzz.ckpt");
  } catch (const std::bad_alloc&) {
    throw;  // an allocation the file's real size did not justify: a finding, not a clean error
  } catch (const std::exception&) {
    return false;
  }
  std::vector<std::pair<float*, size_t>> arrays = {{d.state.data(), d.state.size()}};
  const auto again = ttq::train::decode_checkpoint(
      ttq::train::encode_checkpoint(d.header, arrays), "re-encoded");
  ttq::fuzz::require(again.header.dump() == d.header.dump(), "header changed by re-encoding");
  ttq::fuzz::require(again.state.size() == d.state.size() &&
                         std::equal(again.state.begin(), again.state.end(), d.state.begin(),
                                    [](float a, float b) { return std::memcmp(&a, &b, 4) == 0; }),
                     "state changed by re-encoding");
  return true;
}
