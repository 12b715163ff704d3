// The trainer's checkpoint file, independent of the network (so it can be fuzzed on its own):
//   "TTQCKPT2" | u64 header length | header JSON | u64 float count | floats | u32 crc32
// (integers and floats in host byte order; the crc32 covers every byte before it). The reader
// checks the magic, the checksum and every length against the bytes actually present before it
// allocates, and throws std::runtime_error naming the source and the field.
#pragma once

#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

namespace ttq::train {

struct CheckpointData {
  nlohmann::json header;     // a JSON object
  std::vector<float> state;  // the network's state arrays, concatenated
};

// `arrays`: (pointer, count) pairs written one after another.
std::vector<uint8_t> encode_checkpoint(const nlohmann::json& header,
                                       std::span<const std::pair<float*, size_t>> arrays);
CheckpointData decode_checkpoint(std::span<const uint8_t> bytes, const std::string& source);

}  // namespace ttq::train
