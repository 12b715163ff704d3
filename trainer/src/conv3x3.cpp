#include "ttq/trainer/conv3x3.hpp"

#include <algorithm>
#include <cstddef>
#include <cstring>
#include <stdexcept>
#include <string>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace ttq::train {
namespace {

// 16 floats: one AVX-512 register here; GCC/Clang lower it to 2 AVX or 4 SSE registers elsewhere.
using v16 = float __attribute__((vector_size(64)));
constexpr int kLanes = 16;
v16 load(const float* p) {
  v16 v;
  std::memcpy(&v, p, sizeof v);
  return v;
}
void store(float* p, v16 v) { std::memcpy(p, &v, sizeof v); }
// A vector loaded once and used by several FMAs: keeps GCC from folding the load into each of them
// (every such load of a shifted, unaligned vector costs a second cache-line access).
v16 load_once(const float* p) {
  v16 v = load(p);
#if defined(__GNUC__) && defined(__AVX512F__)
  asm("" : "+v"(v));
#endif
  return v;
}
// Sum of the 16 lanes as a fixed tree: the upper half added to the lower until one lane is left.
template <class Half, class V>
Half fold(V v) {
  Half lo, hi;
  std::memcpy(&lo, &v, sizeof lo);
  std::memcpy(&hi, reinterpret_cast<const char*>(&v) + sizeof lo, sizeof hi);
  return lo + hi;
}
float hsum(v16 v) {
  using v8 = float __attribute__((vector_size(32)));
  using v4 = float __attribute__((vector_size(16)));
  using v2 = float __attribute__((vector_size(8)));
  const v2 s = fold<v2>(fold<v4>(fold<v8>(v)));
  return s[0] + s[1];
}

constexpr int kOutBlock = 8;  // forward: output channels per register block
constexpr int kVecs = 3;      // forward: vectors of positions per register block
constexpr size_t kTile = size_t(kVecs) * kLanes;
// The hardware prefetchers do not follow the 16-64 input rows (one per channel, ld apart) that a
// tile reads: fetching the rows two tiles ahead made the forward pass 1.4x faster here (the speed
// of a batch small enough to stay in the cache).
constexpr size_t kPrefetchTiles = 2;
constexpr int kTaps = 9;

size_t round_up(size_t v, size_t m) { return (v + m - 1) / m * m; }

// The padded layout of one channel (see conv3x3.hpp): row stride s = W + 1, image stride
// p = (H + 1) * s; image n's pixel (y, x) at f + n*p + y*s + x. Outputs are computed for the
// positions [f, f + len), len a multiple of the forward tile; ld leaves room for the taps' reach.
struct Geom {
  int n = 0, h = 0, w = 0;
  size_t s = 0, p = 0, f = 0, len = 0, ld = 0;
  ptrdiff_t off[kTaps] = {};
};

Geom geom(int n, int h, int w) {
  Geom g;
  g.n = n, g.h = h, g.w = w;
  g.s = size_t(w) + 1;
  g.p = (size_t(h) + 1) * g.s;
  g.f = round_up(g.s + 1, kLanes);
  g.len = round_up(size_t(n) * g.p, kTile);
  g.ld = round_up(g.f + g.len + g.s + 1, kLanes);
  for (int t = 0; t < kTaps; ++t)
    g.off[t] = (ptrdiff_t(t / 3) - 1) * ptrdiff_t(g.s) + ptrdiff_t(t % 3) - 1;
  return g;
}

// Tensor [C][N*H*W] -> padded rows [C][ld], every pad and margin zero.
void pack(const Tensor& x, const Geom& g, Mat& out) {
  out.resize(x.c, Eigen::Index(g.ld));
#pragma omp parallel for schedule(static)
  for (int c = 0; c < x.c; ++c) {
    const float* src = x.row(c);
    float* dst = out.data() + size_t(c) * g.ld;
    std::fill(dst, dst + g.f, 0.0f);
    for (int n = 0; n < g.n; ++n) {
      float* img = dst + g.f + size_t(n) * g.p;
      for (int y = 0; y < g.h; ++y) {
        std::copy_n(src + (size_t(n) * g.h + y) * g.w, g.w, img + y * g.s);
        img[y * g.s + size_t(g.w)] = 0.0f;
      }
      std::fill_n(img + size_t(g.h) * g.s, g.s, 0.0f);
    }
    std::fill(dst + g.f + size_t(g.n) * g.p, dst + g.ld, 0.0f);
  }
}

// Weights as [Cout/8][Cin][tap][8] for the forward kernel, output channels zero-padded to a
// multiple of 8. adjoint: the backward-to-input convolution's weights, wa[c][o][tap] =
// w[o][c][8 - tap] (transposed and rotated by 180 degrees).
void pack_weights(const Mat& w, bool adjoint, std::vector<float>& out) {
  const int co = adjoint ? int(w.cols()) / kTaps : int(w.rows());
  const int ci = adjoint ? int(w.rows()) : int(w.cols()) / kTaps;
  const int cob = int(round_up(size_t(co), kOutBlock));
  out.assign(size_t(cob) * ci * kTaps, 0.0f);
  for (int o = 0; o < co; ++o)
    for (int c = 0; c < ci; ++c)
      for (int t = 0; t < kTaps; ++t) {
        const float v = adjoint ? w(c, o * kTaps + kTaps - 1 - t) : w(o, c * kTaps + t);
        out[((size_t(o / kOutBlock) * ci + c) * kTaps + t) * kOutBlock + o % kOutBlock] = v;
      }
}

// out[o][0 .. kTile) = the outputs at positions [q, q + kTile) of the 8 output channels of wb
// ([ci][tap][8]), summed over c, then taps. prefetch: also fetch the input of tile
// q + kPrefetchTiles * kTile into the cache.
void fwd_tile(const float* x, size_t ld, int ci, const float* wb, const ptrdiff_t* off, float* out,
              size_t q, bool prefetch) {
  v16 acc[kOutBlock][kVecs];  // zeroed in a loop: "= {}" left a dead memset of it in GCC 12
  for (auto& a : acc)
    for (v16& v : a) v = v16{};
  for (int c = 0; c < ci; ++c) {
    const float* xc = x + size_t(c) * ld + q;
    if (prefetch)  // the three input rows of the tile after next (see conv_pass)
      for (int t = 0; t < kTaps; t += 3)
        for (int v = 0; v <= kVecs; ++v)
          __builtin_prefetch(xc + kPrefetchTiles * kTile + off[t] + v * kLanes);
    for (int t = 0; t < kTaps; ++t) {
      v16 xv[kVecs];
      for (int v = 0; v < kVecs; ++v) xv[v] = load(xc + off[t] + v * kLanes);
      const float* wt = wb + (size_t(c) * kTaps + t) * kOutBlock;
      for (int o = 0; o < kOutBlock; ++o)
        for (int v = 0; v < kVecs; ++v) acc[o][v] += wt[o] * xv[v];
    }
  }
  for (int o = 0; o < kOutBlock; ++o)
    for (int v = 0; v < kVecs; ++v) store(out + size_t(o) * kTile + v * kLanes, acc[o][v]);
}

// d[0 .. n) = s[0 .. n) for the short runs of store_tile (a memmove call each cost more).
void copy_run(const float* s, float* d, size_t n) {
#if defined(__AVX512F__)
  for (; n >= kLanes; n -= kLanes, s += kLanes, d += kLanes)
    _mm512_storeu_ps(d, _mm512_loadu_ps(s));
  if (n) {
    const __mmask16 m = __mmask16((1u << n) - 1);
    _mm512_mask_storeu_ps(d, m, _mm512_maskz_loadu_ps(m, s));
  }
#else
  for (size_t i = 0; i < n; ++i) d[i] = s[i];
#endif
}

// The valid positions of the tile at q (tile rows [nch][kTile]) -> channels [o0, o0 + nch) of y.
void store_tile(const float* tile, int nch, size_t q, const Geom& g, Tensor& y, int o0) {
  const size_t first = q - g.f, end = std::min(first + kTile, size_t(g.n) * g.p);
  for (size_t pos = first; pos < end;) {
    const size_t n = pos / g.p, r = pos % g.p, yy = r / g.s, xx = r % g.s;
    if (yy == size_t(g.h)) {  // the image's zero row
      pos = (n + 1) * g.p;
      continue;
    }
    if (xx == size_t(g.w)) {  // the row's zero column
      ++pos;
      continue;
    }
    const size_t run = std::min(size_t(g.w) - xx, end - pos);
    const size_t dst = (n * size_t(g.h) + yy) * size_t(g.w) + xx;
    for (int o = 0; o < nch; ++o)
      copy_run(tile + size_t(o) * kTile + (pos - first), y.row(o0 + o) + dst, run);
    pos += run;
  }
}

// y (shaped [co][N*H*W]) = the convolution of the padded in [ci][ld] with packed weights. Threads
// split the tiles of positions; each tile's outputs go through a small buffer to y, the pad
// positions dropped.
void conv_pass(const Mat& in, int ci, int co, const std::vector<float>& wpk, const Geom& g,
               Tensor& y) {
  const long tiles = long(g.len / kTile);
#pragma omp parallel for schedule(static)
  for (long tq = 0; tq < tiles; ++tq) {
    const size_t q = g.f + size_t(tq) * kTile;
    const bool ahead = size_t(tq) + kPrefetchTiles < size_t(tiles);
    alignas(64) float buf[kOutBlock * kTile];
    for (int ob = 0; ob < co; ob += kOutBlock) {
      fwd_tile(in.data(), g.ld, ci, wpk.data() + size_t(ob) * ci * kTaps, g.off, buf, q,
               ahead && ob == 0);
      store_tile(buf, std::min(kOutBlock, co - ob), q, g, y, ob);
    }
  }
}

// out[o][t] (row stride ostride) = sum over q in [q0, q1) of dy[o][q] * x[q + off[t]], for OB <= 3
// output channels: OB * 9 16-lane accumulators (27 of the 32 registers), each shifted x vector
// loaded once for the OB channels; the lanes are added at the end.
template <int OB>
void dw_sweep(const float* dy, size_t ld, const float* x, const ptrdiff_t* off, size_t q0,
              size_t q1, float* out, size_t ostride) {
  v16 acc[OB][kTaps];
  for (auto& a : acc)
    for (v16& v : a) v = v16{};
  for (size_t q = q0; q < q1; q += kLanes) {
    v16 d[OB];
    for (int o = 0; o < OB; ++o) d[o] = load(dy + size_t(o) * ld + q);
    for (int t = 0; t < kTaps; ++t) {
      const v16 xv = load_once(x + q + off[t]);
      for (int o = 0; o < OB; ++o) acc[o][t] += d[o] * xv;
    }
  }
  for (int o = 0; o < OB; ++o)
    for (int t = 0; t < kTaps; ++t) out[size_t(o) * ostride + t] = hsum(acc[o][t]);
}

// Output channels per dw_sweep: 3 while more than 4 are left, then 2 + 2, 2 or 1.
int dw_block(int left) { return left > 4 || left == 3 ? 3 : left >= 2 ? 2 : 1; }

// dw [co][ci*9] = sum over positions of dypad[o] * shifted xpad[c]. The positions are cut into a
// number of blocks that depends on the shape only (a multiple of 4, ~2,048 positions each); each
// block's sums go to its own slice of partial, and the slices are added in block order.
void weight_grad(const Mat& dyp, int co, const Mat& xp, int ci, const Geom& g,
                 std::vector<float>& partial, Mat& dw) {
  const size_t blocks = 4 * ((g.len + 8191) / 8192);
  const size_t q_len = round_up((g.len + blocks - 1) / blocks, kLanes);
  const size_t per = size_t(co) * ci * kTaps;
  partial.resize(blocks * per);
#pragma omp parallel for schedule(static)
  for (long b = 0; b < long(blocks); ++b) {
    const size_t q0 = std::min(g.f + size_t(b) * q_len, g.f + g.len);
    const size_t q1 = std::min(q0 + q_len, g.f + g.len);
    float* pb = partial.data() + size_t(b) * per;
    for (int o = 0, ob = 0; o < co; o += ob) {
      ob = dw_block(co - o);
      for (int c = 0; c < ci; ++c) {
        const float* dy = dyp.data() + size_t(o) * g.ld;
        const float* x = xp.data() + size_t(c) * g.ld;
        float* out = pb + (size_t(o) * ci + c) * kTaps;
        const size_t os = size_t(ci) * kTaps;
        if (ob == 3)
          dw_sweep<3>(dy, g.ld, x, g.off, q0, q1, out, os);
        else if (ob == 2)
          dw_sweep<2>(dy, g.ld, x, g.off, q0, q1, out, os);
        else
          dw_sweep<1>(dy, g.ld, x, g.off, q0, q1, out, os);
      }
    }
  }
  dw.resize(co, Eigen::Index(ci) * kTaps);
  const long n = long(per);
#pragma omp parallel for schedule(static)
  for (long e = 0; e < n; ++e) {
    float s = 0.0f;
    for (size_t b = 0; b < blocks; ++b) s += partial[b * per + size_t(e)];
    dw.data()[e] = s;
  }
}

}  // namespace

void conv3x3_forward(const Tensor& x, const Mat& w, Conv3x3Work& work, Tensor& y) {
  require(w.cols() == Eigen::Index(x.c) * kTaps, "conv3x3_forward",
          "weights have " + std::to_string(w.cols()) + " columns, " + std::to_string(x.c) +
              " input channels need " + std::to_string(x.c * kTaps));
  require(x.n > 0 && x.h > 0 && x.w > 0, "conv3x3_forward", "empty input");
  const Geom g = geom(x.n, x.h, x.w);
  pack(x, g, work.xpad);
  work.n = x.n, work.h = x.h, work.w = x.w;
  pack_weights(w, false, work.wpack);
  y.resize(int(w.rows()), x.n, x.h, x.w);
  conv_pass(work.xpad, x.c, int(w.rows()), work.wpack, g, y);
}

void conv3x3_backward(const Tensor& dy, const Mat& w, Conv3x3Work& work, Mat& dw, Tensor* dx) {
  const int ci = int(w.cols()) / kTaps, co = int(w.rows());
  const Geom g = geom(dy.n, dy.h, dy.w);
  require(
      dy.c == co && dy.n == work.n && dy.h == work.h && dy.w == work.w && work.xpad.rows() == ci,
      "conv3x3_backward", "gradient or saved input does not match the weights and forward pass");
  require(!dx || (dx->c == ci && dx->n == dy.n && dx->h == dy.h && dx->w == dy.w),
          "conv3x3_backward", "input gradient is not shaped like the input");
  pack(dy, g, work.dypad);
  weight_grad(work.dypad, co, work.xpad, ci, g, work.partial, dw);
  if (dx) {
    pack_weights(w, true, work.wpack);
    conv_pass(work.dypad, co, ci, work.wpack, g, *dx);
  }
}

}  // namespace ttq::train
