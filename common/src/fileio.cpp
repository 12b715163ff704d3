#include "ttq/fileio.hpp"

#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

namespace ttq {
namespace fs = std::filesystem;

void write_file_atomic(const fs::path& path, std::span<const uint8_t> bytes) {
  if (path.has_parent_path()) fs::create_directories(path.parent_path());
  std::random_device rd;
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                       std::to_string(rd());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error(tmp.string() + ": cannot create: " + std::strerror(errno));
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    f.flush();
    if (!f) {
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error(path.string() + ": write failed: " + std::strerror(errno));
    }
  }
  std::error_code ec;
  fs::rename(tmp, path, ec);
  if (ec) {
    fs::remove(tmp, ec);
    throw std::runtime_error(path.string() + ": cannot rename temp file into place: " +
                             ec.message());
  }
}

void write_file_atomic(const fs::path& path, std::string_view text) {
  write_file_atomic(path, std::span(reinterpret_cast<const uint8_t*>(text.data()), text.size()));
}

void write_json_atomic(const fs::path& path, const nlohmann::json& j) {
  write_file_atomic(path, j.dump(2) + "\n");
}

uint32_t checksum_crc32(std::span<const uint8_t> b) {
  uLong c = ::crc32(0L, Z_NULL, 0);
  size_t off = 0;
  while (off < b.size()) {
    const uInt chunk = uInt(std::min<size_t>(b.size() - off, 1u << 30));
    c = ::crc32(c, b.data() + off, chunk);
    off += chunk;
  }
  return uint32_t(c);
}

std::vector<uint8_t> read_file(const fs::path& path) {
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path.string() + ": cannot open: " + std::strerror(errno));
  return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
}

}  // namespace ttq
