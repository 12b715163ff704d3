#include "ttq/trainer/process.hpp"

#include <malloc.h>
#include <unistd.h>

#include <cstdlib>
#include <utility>

namespace ttq::train {

void setup_training_process(char** argv) {
  // OpenMP threads that spin while waiting slowed training ~3x when other jobs shared the cores.
  // malloc.hugetlb=1 backs the heap with transparent huge pages (where THP is "madvise" or
  // "always"), so the ~1.3 GB of activations, gradients and GEMM buffers of resnet20 at batch 128
  // are first touched in 2 MB pages: 325,000 page faults -> 1,400 and ~2.5 s less in the first
  // epoch on a VM where a fault costs ~7 us. Both are read at load time, hence the restart.
  bool restart = false;
  for (const auto& [name, value] : {std::pair{"OMP_WAIT_POLICY", "passive"},
                                    std::pair{"GLIBC_TUNABLES", "glibc.malloc.hugetlb=1"}}) {
    if (!std::getenv(name)) {
      ::setenv(name, value, 1);
      restart = true;
    }
  }
  if (restart) {
    ::execv("/proc/self/exe", argv);  // returns only on failure: then run with the defaults
  }
  // Eigen's GEMM allocates its packing buffers per product; above glibc's mmap threshold every
  // one was a fresh mmap, page-faulted and zeroed by the kernel (~8% of resnet20 training time in
  // perf). Keep freed blocks in the heap instead.
  ::mallopt(M_MMAP_THRESHOLD, 512 << 20);
  ::mallopt(M_TRIM_THRESHOLD, 1 << 30);
}

}  // namespace ttq::train
