// Output that is never half-written: every file is written to a temporary beside the target and
// renamed over it. JSON reports go through nlohmann::json.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

namespace ttq {

// Writes bytes to path atomically (temp file in the same directory + rename); creates parent
// directories. Throws std::runtime_error naming the path on failure.
void write_file_atomic(const std::filesystem::path& path, std::span<const uint8_t> bytes);
void write_file_atomic(const std::filesystem::path& path, std::string_view text);
// Pretty-printed JSON (2-space indent), atomically.
void write_json_atomic(const std::filesystem::path& path, const nlohmann::json& j);

// zlib's CRC-32 of any length (the checksum of the .ttq model and the trainer checkpoint).
uint32_t checksum_crc32(std::span<const uint8_t> bytes);

// Reads a whole file; throws naming the path if it cannot be opened or read (or is a directory).
std::vector<uint8_t> read_file(const std::filesystem::path& path);

// Creates `dir` if needed and checks that a file can be created in it (a temp file, removed), so
// a tool fails at its start, naming the directory, instead of after a long run. `what` names the
// option it came from (e.g. "--report").
void ensure_writable_dir(const std::filesystem::path& dir, const std::string& what);

// Installs SIGINT / SIGTERM / SIGHUP handlers that delete the temp files of writes in progress
// (write_file_atomic) and then let the signal terminate the process as usual: an interrupted tool
// leaves no partial file, and its earlier outputs are untouched. Call once at the start of main.
void remove_temp_files_on_signals();

}  // namespace ttq
