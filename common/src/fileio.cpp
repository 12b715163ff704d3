#include "ttq/fileio.hpp"

#include <signal.h>
#include <unistd.h>
#include <zlib.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <random>
#include <stdexcept>

namespace ttq {
namespace fs = std::filesystem;

namespace {
// The temp files being written, for the signal handler: fixed slots (no allocation, no locks in
// the handler); a slot's path is complete before `ready` is set.
constexpr int kSlots = 32;
char g_tmp_path[kSlots][4096];
std::atomic<bool> g_claimed[kSlots];
std::atomic<bool> g_ready[kSlots];

class TempRegistration {
 public:
  explicit TempRegistration(const std::string& path) {
    if (path.size() >= sizeof g_tmp_path[0]) return;
    for (int i = 0; i < kSlots; ++i) {
      bool expected = false;
      if (g_claimed[i].compare_exchange_strong(expected, true)) {
        std::memcpy(g_tmp_path[i], path.c_str(), path.size() + 1);
        g_ready[i].store(true);
        slot_ = i;
        return;
      }
    }
  }
  ~TempRegistration() {
    if (slot_ < 0) return;
    g_ready[slot_].store(false);
    g_claimed[slot_].store(false);
  }
  TempRegistration(const TempRegistration&) = delete;
  TempRegistration& operator=(const TempRegistration&) = delete;

 private:
  int slot_ = -1;
};

extern "C" void remove_temps_and_die(int sig) {
  for (int i = 0; i < kSlots; ++i)
    if (g_ready[i].load()) ::unlink(g_tmp_path[i]);
  ::signal(sig, SIG_DFL);
  ::raise(sig);
}

void create_parent(const fs::path& path) {
  if (!path.has_parent_path()) return;
  std::error_code ec;
  fs::create_directories(path.parent_path(), ec);
  if (ec)
    throw std::runtime_error(path.string() + ": cannot create directory " +
                             path.parent_path().string() + ": " + ec.message());
}
}  // namespace

void remove_temp_files_on_signals() {
  struct sigaction sa {};
  sa.sa_handler = remove_temps_and_die;
  sigemptyset(&sa.sa_mask);
  for (int sig : {SIGINT, SIGTERM, SIGHUP}) ::sigaction(sig, &sa, nullptr);
}

void write_file_atomic(const fs::path& path, std::span<const uint8_t> bytes) {
  create_parent(path);
  std::random_device rd;
  const fs::path tmp = path.string() + ".tmp." + std::to_string(::getpid()) + "." +
                       std::to_string(rd());
  TempRegistration reg(tmp.string());
  {
    std::ofstream f(tmp, std::ios::binary | std::ios::trunc);
    if (!f) throw std::runtime_error(path.string() + ": cannot create " + tmp.filename().string() +
                                     ": " + std::strerror(errno));
    // Fault injection for the crash-safety test (tests/reliability/crash_train.sh):
    // TTQ_KILL_IN_WRITE=<file name> kills the process with SIGKILL halfway through that file.
    if (const char* victim = std::getenv("TTQ_KILL_IN_WRITE");
        victim && path.filename() == victim) {
      f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size() / 2));
      f.flush();
      ::raise(SIGKILL);
    }
    f.write(reinterpret_cast<const char*>(bytes.data()), std::streamsize(bytes.size()));
    f.flush();
    if (!f) {
      const int err = errno;
      std::error_code ec;
      fs::remove(tmp, ec);
      throw std::runtime_error(path.string() + ": write failed: " + std::strerror(err));
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

void ensure_writable_dir(const fs::path& dir, const std::string& what) {
  const fs::path d = dir.empty() ? fs::path(".") : dir;
  std::error_code ec;
  fs::create_directories(d, ec);
  if (ec) throw std::runtime_error(what + ": cannot create directory " + d.string() + ": " + ec.message());
  try {
    write_file_atomic(d / ".ttq-write-probe", std::string_view("probe\n"));
  } catch (const std::exception& e) {
    throw std::runtime_error(what + ": directory " + d.string() + " is not writable (" + e.what() +
                             ")");
  }
  fs::remove(d / ".ttq-write-probe", ec);
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
  std::error_code ec;
  if (fs::is_directory(path, ec)) throw std::runtime_error(path.string() + ": is a directory");
  std::ifstream f(path, std::ios::binary);
  if (!f) throw std::runtime_error(path.string() + ": cannot open: " + std::strerror(errno));
  try {
    return std::vector<uint8_t>(std::istreambuf_iterator<char>(f), {});
  } catch (const std::exception& e) {
    throw std::runtime_error(path.string() + ": read error: " + e.what());
  }
}

}  // namespace ttq
