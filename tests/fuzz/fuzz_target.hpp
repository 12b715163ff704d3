// A fuzz target is one function, ttq_fuzz_one: it feeds the bytes to one of the project's file
// readers and returns true if the reader accepted them, false if it rejected them with an
// exception (the clean error every bad file must give). It aborts if an accepted result breaks
// an invariant. Linked with fuzz_entry.cpp it is a libFuzzer binary (make fuzz); linked with
// replay_main.cpp it replays files through the normally built reader (the regression ctests).
#pragma once

#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <span>
#include <stdexcept>
#include <string>

bool ttq_fuzz_one(std::span<const uint8_t> data);

namespace ttq::fuzz {

// An anonymous in-memory file (memfd) holding `bytes`, for readers that take a path.
class MemFile {
 public:
  explicit MemFile(std::span<const uint8_t> bytes) : fd_(::memfd_create("ttq-fuzz", 0)) {
    if (fd_ < 0) std::abort();
    size_t off = 0;
    while (off < bytes.size()) {
      const ssize_t w = ::write(fd_, bytes.data() + off, bytes.size() - off);
      if (w <= 0) std::abort();
      off += size_t(w);
    }
  }
  ~MemFile() { ::close(fd_); }
  MemFile(const MemFile&) = delete;
  MemFile& operator=(const MemFile&) = delete;
  std::string path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

// Aborts (a finding) with a message when an accepted result breaks an invariant.
inline void require(bool ok, const char* what) {
  if (!ok) {
    std::fprintf(stderr, "ttq fuzz: invariant broken: %s\n", what);
    std::abort();
  }
}

}  // namespace ttq::fuzz
