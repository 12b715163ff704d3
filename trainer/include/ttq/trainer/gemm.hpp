// Matrix products for the layers, split into one contiguous block of output rows or columns per
// OpenMP thread, each computed by single-threaded Eigen. Eigen's own multi-threaded GEMM spin-waits
// between its threads and slowed training ~7x when other jobs shared the two cores; this split has
// one barrier per product and no cross-thread sums, so it is deterministic for a thread count.
#pragma once

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>

namespace ttq::train {

enum class Split { Rows, Cols };

// C = A * B, C already sized A.rows() x B.cols(). Rows: threads take blocks of rows of C (and A);
// Cols: blocks of columns of C (and B). Blocks are multiples of 16 so SIMD kernels stay full.
template <class MatC, class ExprA, class ExprB>
void par_gemm(MatC& c, const ExprA& a, const ExprB& b, Split split) {
  const Eigen::Index total = split == Split::Rows ? c.rows() : c.cols();
  const int threads = std::max(1, omp_get_max_threads());
  const Eigen::Index chunk = ((total + threads - 1) / threads + 15) / 16 * 16;
  if (threads == 1 || total <= chunk) {
    c.noalias() = a * b;
    return;
  }
  const int blocks = int((total + chunk - 1) / chunk);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (int t = 0; t < blocks; ++t) {
    const Eigen::Index s = t * chunk, n = std::min(chunk, total - s);
    if (split == Split::Rows)
      c.middleRows(s, n).noalias() = a.middleRows(s, n) * b;
    else
      c.middleCols(s, n).noalias() = a * b.middleCols(s, n);
  }
}

}  // namespace ttq::train
