// The .ttq model file: binary, little-endian, versioned, CRC32-checked (docs/MODEL_FORMAT.md),
// plus the consistency check every model passes before it is written or after it is read.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <span>
#include <string>
#include <vector>

#include "ttq/model.hpp"

namespace ttq {

inline constexpr char kModelMagic[4] = {'T', 'T', 'Q', 'M'};
// Version written; versions kModelMinVersion..kModelVersion are read (1: no N:M pattern fields,
// every layer unstructured).
inline constexpr uint32_t kModelVersion = 2;
inline constexpr uint32_t kModelMinVersion = 1;
// Limits a file may not exceed; a count beyond them is corrupt, not a reason to allocate.
inline constexpr int kMaxNodes = 4096;
inline constexpr int kMaxNameLen = 256;
inline constexpr int kMaxDim = 65536;                   // any of c, h, w, out_ch, kernel, stride
inline constexpr size_t kMaxTensor = size_t{1} << 26;   // elements of one activation tensor
inline constexpr size_t kMaxWeights = size_t{1} << 28;  // weights of one layer

// 2-bit ternary code points (two's complement of the code): 00 -> 0, 01 -> +1, 11 -> -1;
// 10 is invalid and rejected. Code k of a layer goes to byte k / 4, bits 2*(k % 4) + {0,1}.
uint8_t encode_code(int8_t code);  // throws for a code outside {-1, 0, 1}
std::vector<uint8_t> pack_codes(std::span<const int8_t> codes);
// Throws naming `what` and the index of an invalid 2-bit code or nonzero padding bits.
std::vector<int8_t> unpack_codes(std::span<const uint8_t> packed, size_t count,
                                 const std::string& what);

const char* kind_name(NodeKind k);
const char* precision_name(Precision p);

// Shape node i must have given its inputs' shapes and its parameters (does not read node.shape).
// Throws std::runtime_error naming the node if its inputs or parameters are inconsistent.
Shape infer_shape(const Model& m, size_t i);

// Checks every node: input indices earlier than the node, input kinds and counts, shapes against
// infer_shape, weight/parameter vector sizes, codes in {-1,0,1}, shift <= kMaxShift, matmul
// inputs are unsigned 8-bit, fan_in <= kMaxFanIn, output signedness matches relu, finite scales,
// a valid N:M pattern that every group of the weights obeys (check_nm, nm.hpp).
// Throws std::runtime_error whose message starts with `source` and names the node and field.
void validate(const Model& m, const std::string& source = "model");

// serialize() validates first. deserialize() rejects a wrong magic, an unknown version, a
// checksum mismatch, truncation, trailing bytes, absurd counts and an invalid model, naming
// `source` (the file) and the field.
std::vector<uint8_t> serialize(const Model& m);
Model deserialize(std::span<const uint8_t> bytes, const std::string& source = "<memory>");
void save_model(const std::filesystem::path& path, const Model& m);  // atomic
Model load_model(const std::filesystem::path& path);

// File size against the fp32 weights it replaces (the paper's "about 16x smaller").
struct SizeReport {
  size_t file_bytes = 0;
  size_t ternary_weights = 0, int8_weights = 0;  // counts
  size_t packed_weight_bytes = 0;                // ternary at 2 bits + int8 at 8 bits
  size_t fp32_weight_bytes = 0;                  // 4 bytes per weight
  double ratio_file = 0;                         // fp32_weight_bytes / file_bytes
  double ratio_weights = 0;                      // fp32_weight_bytes / packed_weight_bytes
};
SizeReport size_report(const Model& m);
nlohmann::json to_json(const SizeReport& r);

}  // namespace ttq
