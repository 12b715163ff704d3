#include "ttq/trainer/layers.hpp"

#include <algorithm>
#include <array>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "ttq/trainer/gemm.hpp"

namespace ttq::train {
namespace {
std::string shape_str(const Tensor& t) {
  return "[" + std::to_string(t.c) + "," + std::to_string(t.n) + "," + std::to_string(t.h) + "," +
         std::to_string(t.w) + "]";
}
}  // namespace

// ---- convolution ----------------------------------------------------------------------------
namespace {
// Output columns xo of a kernel tap j whose input column xo*stride + j - pad lies in [0, W):
// [lo, hi). im2col and col2im loop over that range only (no per-element bounds test).
void tap_range(int j, int stride, int pad, int W, int Wo, int& lo, int& hi) {
  lo = std::clamp((pad - j + stride - 1) / stride, 0, Wo);
  hi = std::clamp((W - 1 + pad - j) / stride + 1, lo, Wo);
  if (W - 1 + pad - j < 0) hi = lo;
}
}  // namespace

void im2col(const Tensor& x, int k, int stride, int pad, Mat& col) {
  const int H = x.h, W = x.w, N = x.n;
  const int Ho = conv_out_size(H, k, stride, pad), Wo = conv_out_size(W, k, stride, pad);
  require(Ho > 0 && Wo > 0, "im2col",
          "kernel " + std::to_string(k) + " larger than input " + shape_str(x));
  const int K = x.c * k * k;
  col.resize(K, Eigen::Index(N) * Ho * Wo);
#pragma omp parallel for schedule(static)
  for (int r = 0; r < K; ++r) {
    const int c = r / (k * k), i = (r / k) % k, j = r % k;
    const float* src = x.row(c);
    float* dst = col.data() + size_t(r) * col.cols();
    int lo = 0, hi = 0;
    tap_range(j, stride, pad, W, Wo, lo, hi);
    for (int n = 0; n < N; ++n) {
      const float* img = src + size_t(n) * H * W;
      for (int y = 0; y < Ho; ++y) {
        const int yy = y * stride + i - pad;
        float* out = dst + (size_t(n) * Ho + y) * Wo;
        if (yy < 0 || yy >= H) {
          std::fill(out, out + Wo, 0.0f);
          continue;
        }
        const float* line = img + size_t(yy) * W + j - pad;
        std::fill(out, out + lo, 0.0f);
        if (stride == 1)
          std::copy(line + lo, line + hi, out + lo);
        else
          for (int xo = lo; xo < hi; ++xo) out[xo] = line[xo * stride];
        std::fill(out + hi, out + Wo, 0.0f);
      }
    }
  }
}

void col2im(const Mat& dcol, int k, int stride, int pad, Tensor& dx) {
  const int H = dx.h, W = dx.w, N = dx.n;
  const int Ho = conv_out_size(H, k, stride, pad), Wo = conv_out_size(W, k, stride, pad);
  require(dcol.rows() == Eigen::Index(dx.c) * k * k && dcol.cols() == Eigen::Index(N) * Ho * Wo,
          "col2im", "dcol shape does not match dx " + shape_str(dx));
  // Every dx element receives its taps in the order (i, j) as before the bounds were hoisted, so
  // the sums are bit-identical to the straightforward loop.
#pragma omp parallel for schedule(static)
  for (int c = 0; c < dx.c; ++c) {
    float* dst = dx.row(c);
    std::fill(dst, dst + size_t(N) * H * W, 0.0f);
    for (int i = 0; i < k; ++i)
      for (int j = 0; j < k; ++j) {
        const float* src = dcol.data() + size_t((c * k + i) * k + j) * dcol.cols();
        int lo = 0, hi = 0;
        tap_range(j, stride, pad, W, Wo, lo, hi);
        for (int n = 0; n < N; ++n) {
          float* img = dst + size_t(n) * H * W;
          for (int y = 0; y < Ho; ++y) {
            const int yy = y * stride + i - pad;
            if (yy < 0 || yy >= H) continue;
            const float* in = src + (size_t(n) * Ho + y) * Wo;
            float* line = img + size_t(yy) * W + j - pad;
            if (stride == 1)
              for (int xo = lo; xo < hi; ++xo) line[xo] += in[xo];
            else
              for (int xo = lo; xo < hi; ++xo) line[xo * stride] += in[xo];
          }
        }
      }
  }
}

void conv_forward(const Tensor& x, const Mat& w, int k, int stride, int pad, Mat& col, Tensor& y) {
  require(w.cols() == Eigen::Index(x.c) * k * k, "conv_forward",
          "weights have " + std::to_string(w.cols()) + " columns, input " + shape_str(x) +
              " with kernel " + std::to_string(k) + " needs " + std::to_string(x.c * k * k));
  im2col(x, k, stride, pad, col);
  y.resize(int(w.rows()), x.n, conv_out_size(x.h, k, stride, pad),
           conv_out_size(x.w, k, stride, pad));
  par_gemm(y.m, w, col, Split::Cols);
}

void conv_backward(const Tensor& dy, const Mat& col, const Mat& w, int k, int stride, int pad,
                   Mat& dw, Mat& dcol, Tensor* dx) {
  dw.resize(dy.m.rows(), col.rows());
  par_gemm(dw, dy.m, col.transpose(), Split::Cols);
  if (dx) {
    dcol.resize(w.cols(), dy.m.cols());
    par_gemm(dcol, w.transpose(), dy.m, Split::Cols);
    col2im(dcol, k, stride, pad, *dx);
  }
}

// ---- fully connected --------------------------------------------------------------------------
void flatten(const Tensor& x, Mat& xf) {
  const int HW = x.hw(), N = x.n;
  xf.resize(Eigen::Index(x.c) * HW, N);
#pragma omp parallel for schedule(static)
  for (int c = 0; c < x.c; ++c) {
    const float* src = x.row(c);
    for (int p = 0; p < HW; ++p) {
      float* dst = xf.data() + (size_t(c) * HW + p) * N;
      for (int n = 0; n < N; ++n) dst[n] = src[size_t(n) * HW + p];
    }
  }
}

void unflatten(const Mat& dxf, Tensor& dx) {
  const int HW = dx.hw(), N = dx.n;
  require(dxf.rows() == Eigen::Index(dx.c) * HW && dxf.cols() == N, "unflatten",
          "gradient shape does not match " + shape_str(dx));
#pragma omp parallel for schedule(static)
  for (int c = 0; c < dx.c; ++c) {
    float* dst = dx.row(c);
    for (int p = 0; p < HW; ++p) {
      const float* src = dxf.data() + (size_t(c) * HW + p) * N;
      for (int n = 0; n < N; ++n) dst[size_t(n) * HW + p] = src[n];
    }
  }
}

void linear_forward(const Mat& xf, const Mat& w, const Vec* bias, Tensor& y) {
  require(w.cols() == xf.rows(), "linear_forward",
          "weights have fan-in " + std::to_string(w.cols()) + ", input has " +
              std::to_string(xf.rows()));
  y.resize(int(w.rows()), int(xf.cols()), 1, 1);
  par_gemm(y.m, w, xf, Split::Rows);
  if (bias) y.m.colwise() += *bias;
}

void linear_backward(const Tensor& dy, const Mat& xf, const Mat& w, Mat& dw, Vec* dbias, Mat* dxf) {
  dw.resize(dy.m.rows(), xf.rows());
  par_gemm(dw, dy.m, xf.transpose(), Split::Cols);
  if (dbias) *dbias = dy.m.rowwise().sum();
  if (dxf) {
    dxf->resize(w.cols(), dy.m.cols());
    par_gemm(*dxf, w.transpose(), dy.m, Split::Rows);
  }
}

// ---- batch norm ----------------------------------------------------------------------------
namespace {
// The per-channel sums below run in double in index order, a chain of dependent additions. They
// are computed for kBnChains channels at once, one chain each, interleaved so that the chains
// overlap in the pipeline: every channel's sum is exactly that of a loop of its own.
constexpr int kBnChains = 4;
using ChainRows = std::array<const float*, kBnChains>;
// Rows c0 .. c0 + kBnChains - 1 of a [C][M] array; past C, row c0 again (its sums are dropped).
ChainRows chain_rows(const float* data, Eigen::Index M, int c0, int C) {
  ChainRows r;
  for (int k = 0; k < kBnChains; ++k) r[size_t(k)] = data + size_t(c0 + (c0 + k < C ? k : 0)) * M;
  return r;
}

// BN forward of channel c from its sum and sum of squared deviations (see bn_forward_train).
void bn_channel_forward(const Tensor& x, int c, double s, double v, const Vec& gamma,
                        const Vec& beta, float eps, float momentum, Vec& run_mean, Vec& run_var,
                        BnCache& cache, Tensor& y) {
  const Eigen::Index M = x.m.cols();
  const float* in = x.row(c);
  const double mean = s / double(M);
  const double var = v / double(M);
  const float invstd = float(1.0 / std::sqrt(var + eps));
  cache.mean[c] = float(mean);
  cache.invstd[c] = invstd;
  float* xh = cache.xhat.data() + size_t(c) * M;
  float* out = y.row(c);
  const float m = float(mean), g = gamma[c], b = beta[c];
  for (Eigen::Index i = 0; i < M; ++i) {
    xh[i] = (in[i] - m) * invstd;
    out[i] = g * xh[i] + b;
  }
  run_mean[c] = (1 - momentum) * run_mean[c] + momentum * float(mean);
  run_var[c] = (1 - momentum) * run_var[c] + momentum * float(v / double(M - 1));
}
}  // namespace

void bn_forward_train(const Tensor& x, const Vec& gamma, const Vec& beta, float eps, float momentum,
                      Vec& run_mean, Vec& run_var, BnCache& cache, Tensor& y) {
  const int C = x.c;
  const Eigen::Index M = x.m.cols();
  require(gamma.size() == C && beta.size() == C && run_mean.size() == C && run_var.size() == C,
          "bn_forward_train", "parameter size does not match " + std::to_string(C) + " channels");
  require(M > 1, "bn_forward_train",
          "needs more than one value per channel, input " + shape_str(x));
  cache.mean.resize(C);
  cache.invstd.resize(C);
  cache.xhat.resize(C, M);
  y.resize_like(x);
  const int groups = (C + kBnChains - 1) / kBnChains;
#pragma omp parallel for schedule(static)
  for (int gi = 0; gi < groups; ++gi) {
    const int c0 = gi * kBnChains;
    const ChainRows in = chain_rows(x.m.data(), M, c0, C);
    std::array<double, kBnChains> s{}, mean{}, v{};
    for (Eigen::Index i = 0; i < M; ++i)
      for (int k = 0; k < kBnChains; ++k) s[k] += in[k][i];
    for (int k = 0; k < kBnChains; ++k) mean[k] = s[k] / double(M);
    for (Eigen::Index i = 0; i < M; ++i)
      for (int k = 0; k < kBnChains; ++k) v[k] += (in[k][i] - mean[k]) * (in[k][i] - mean[k]);
    for (int k = 0; k < kBnChains && c0 + k < C; ++k)
      bn_channel_forward(x, c0 + k, s[k], v[k], gamma, beta, eps, momentum, run_mean, run_var,
                         cache, y);
  }
}

void bn_forward_eval(const Tensor& x, const Vec& gamma, const Vec& beta, const Vec& run_mean,
                     const Vec& run_var, float eps, Tensor& y) {
  y.resize_like(x);
  const Eigen::Index M = x.m.cols();
#pragma omp parallel for schedule(static)
  for (int c = 0; c < x.c; ++c) {
    const float a = gamma[c] / std::sqrt(run_var[c] + eps);
    const float b = beta[c] - a * run_mean[c];
    const float* in = x.row(c);
    float* out = y.row(c);
    for (Eigen::Index i = 0; i < M; ++i) out[i] = a * in[i] + b;
  }
}

void bn_backward(const Tensor& dy, const BnCache& cache, const Vec& gamma, Tensor& dx, Vec& dgamma,
                 Vec& dbeta) {
  const int C = dy.c;
  const Eigen::Index M = dy.m.cols();
  dx.resize_like(dy);
  dgamma.resize(C);
  dbeta.resize(C);
  const int groups = (C + kBnChains - 1) / kBnChains;
#pragma omp parallel for schedule(static)
  for (int gi = 0; gi < groups; ++gi) {
    const int c0 = gi * kBnChains;
    const ChainRows g = chain_rows(dy.m.data(), M, c0, C);
    const ChainRows xh = chain_rows(cache.xhat.data(), M, c0, C);
    std::array<double, kBnChains> sg{}, sgx{};
    for (Eigen::Index i = 0; i < M; ++i)
      for (int k = 0; k < kBnChains; ++k) {
        sg[k] += g[k][i];
        sgx[k] += double(g[k][i]) * xh[k][i];
      }
    for (int k = 0; k < kBnChains && c0 + k < C; ++k) {
      const int c = c0 + k;
      dgamma[c] = float(sgx[k]);
      dbeta[c] = float(sg[k]);
      // dx = gamma * invstd / M * (M * dy - sum(dy) - xhat * sum(dy * xhat))
      const float kk = gamma[c] * cache.invstd[c] / float(M);
      const float mg = float(sg[k]), mgx = float(sgx[k]), fm = float(M);
      float* out = dx.row(c);
      for (Eigen::Index i = 0; i < M; ++i) out[i] = kk * (fm * g[k][i] - mg - xh[k][i] * mgx);
    }
  }
}

// ---- ReLU -------------------------------------------------------------------------------------
void relu_forward(const Tensor& x, Tensor& y) {
  if (&y != &x) y.resize_like(x);
  const Eigen::Index M = x.m.cols();
#pragma omp parallel for schedule(static)
  for (int c = 0; c < x.c; ++c) {
    const float* in = x.row(c);
    float* out = y.row(c);
    for (Eigen::Index i = 0; i < M; ++i) out[i] = in[i] > 0 ? in[i] : 0.0f;
  }
}

void relu_backward(const Tensor& y, const Tensor& dy, Tensor& dx) {
  if (&dx != &dy) dx.resize_like(dy);
  const Eigen::Index M = y.m.cols();
#pragma omp parallel for schedule(static)
  for (int c = 0; c < y.c; ++c) {
    const float* out = y.row(c);
    const float* g = dy.row(c);
    float* d = dx.row(c);
    for (Eigen::Index i = 0; i < M; ++i) d[i] = out[i] > 0 ? g[i] : 0.0f;
  }
}

// ---- pooling --------------------------------------------------------------------------------
void maxpool_forward(const Tensor& x, int k, int stride, Tensor& y, std::vector<int32_t>& arg) {
  const int Ho = conv_out_size(x.h, k, stride, 0), Wo = conv_out_size(x.w, k, stride, 0);
  require(Ho > 0 && Wo > 0, "maxpool_forward", "window larger than input " + shape_str(x));
  y.resize(x.c, x.n, Ho, Wo);
  arg.resize(y.size());
  const size_t M = size_t(y.m.cols());
#pragma omp parallel for schedule(static)
  for (int c = 0; c < x.c; ++c) {
    const float* in = x.row(c);
    float* out = y.row(c);
    int32_t* a = arg.data() + size_t(c) * M;
    for (int n = 0; n < x.n; ++n)
      for (int yo = 0; yo < Ho; ++yo)
        for (int xo = 0; xo < Wo; ++xo) {
          int32_t best = (n * x.h + yo * stride) * x.w + xo * stride;
          for (int i = 0; i < k; ++i)
            for (int j = 0; j < k; ++j) {
              const int32_t idx = (n * x.h + yo * stride + i) * x.w + xo * stride + j;
              if (in[idx] > in[best]) best = idx;
            }
          const size_t o = (size_t(n) * Ho + yo) * Wo + xo;
          out[o] = in[best];
          a[o] = best;
        }
  }
}

void maxpool_backward(const Tensor& dy, const std::vector<int32_t>& arg, Tensor& dx) {
  const size_t M = size_t(dy.m.cols());
#pragma omp parallel for schedule(static)
  for (int c = 0; c < dx.c; ++c) {
    float* d = dx.row(c);
    std::fill(d, d + dx.m.cols(), 0.0f);
    const float* g = dy.row(c);
    const int32_t* a = arg.data() + size_t(c) * M;
    for (size_t o = 0; o < M; ++o) d[a[o]] += g[o];
  }
}

void avgpool_forward(const Tensor& x, int k, int stride, Tensor& y) {
  const int Ho = conv_out_size(x.h, k, stride, 0), Wo = conv_out_size(x.w, k, stride, 0);
  require(Ho > 0 && Wo > 0, "avgpool_forward", "window larger than input " + shape_str(x));
  y.resize(x.c, x.n, Ho, Wo);
  const float inv = 1.0f / float(k * k);
#pragma omp parallel for schedule(static)
  for (int c = 0; c < x.c; ++c) {
    const float* in = x.row(c);
    float* out = y.row(c);
    for (int n = 0; n < x.n; ++n)
      for (int yo = 0; yo < Ho; ++yo)
        for (int xo = 0; xo < Wo; ++xo) {
          float s = 0;
          for (int i = 0; i < k; ++i)
            for (int j = 0; j < k; ++j)
              s += in[(n * x.h + yo * stride + i) * x.w + xo * stride + j];
          out[(size_t(n) * Ho + yo) * Wo + xo] = s * inv;
        }
  }
}

void avgpool_backward(const Tensor& dy, int k, int stride, Tensor& dx) {
  const int Ho = dy.h, Wo = dy.w;
  const float inv = 1.0f / float(k * k);
#pragma omp parallel for schedule(static)
  for (int c = 0; c < dx.c; ++c) {
    float* d = dx.row(c);
    std::fill(d, d + dx.m.cols(), 0.0f);
    const float* g = dy.row(c);
    for (int n = 0; n < dx.n; ++n)
      for (int yo = 0; yo < Ho; ++yo)
        for (int xo = 0; xo < Wo; ++xo) {
          const float v = g[(size_t(n) * Ho + yo) * Wo + xo] * inv;
          for (int i = 0; i < k; ++i)
            for (int j = 0; j < k; ++j)
              d[(n * dx.h + yo * stride + i) * dx.w + xo * stride + j] += v;
        }
  }
}

void global_avgpool_forward(const Tensor& x, Tensor& y) {
  y.resize(x.c, x.n, 1, 1);
  const int HW = x.hw();
  const float inv = 1.0f / float(HW);
#pragma omp parallel for schedule(static)
  for (int c = 0; c < x.c; ++c) {
    const float* in = x.row(c);
    for (int n = 0; n < x.n; ++n) {
      float s = 0;
      for (int p = 0; p < HW; ++p) s += in[size_t(n) * HW + p];
      y.row(c)[n] = s * inv;
    }
  }
}

void global_avgpool_backward(const Tensor& dy, Tensor& dx) {
  const int HW = dx.hw();
  const float inv = 1.0f / float(HW);
#pragma omp parallel for schedule(static)
  for (int c = 0; c < dx.c; ++c) {
    float* d = dx.row(c);
    for (int n = 0; n < dx.n; ++n) {
      const float v = dy.row(c)[n] * inv;
      std::fill(d + size_t(n) * HW, d + size_t(n + 1) * HW, v);
    }
  }
}

// ---- residual add and option-A shortcut ---------------------------------------------------
void add_forward(const Tensor& a, const Tensor& b, Tensor& y) {
  require(a.c == b.c && a.n == b.n && a.h == b.h && a.w == b.w, "add_forward",
          "shapes differ " + shape_str(a) + " vs " + shape_str(b));
  y.resize_like(a);
  y.m = a.m + b.m;
}

void shortcut_forward(const Tensor& x, int stride, int cout, Tensor& y) {
  require(cout >= x.c && (cout - x.c) % 2 == 0, "shortcut_forward",
          "cannot pad " + std::to_string(x.c) + " channels to " + std::to_string(cout));
  const int Ho = (x.h + stride - 1) / stride, Wo = (x.w + stride - 1) / stride;
  y.resize(cout, x.n, Ho, Wo);
  const int before = (cout - x.c) / 2;
#pragma omp parallel for schedule(static)
  for (int co = 0; co < cout; ++co) {
    float* out = y.row(co);
    const int c = co - before;
    if (c < 0 || c >= x.c) {
      std::fill(out, out + y.m.cols(), 0.0f);
      continue;
    }
    const float* in = x.row(c);
    for (int n = 0; n < x.n; ++n)
      for (int yo = 0; yo < Ho; ++yo)
        for (int xo = 0; xo < Wo; ++xo)
          out[(size_t(n) * Ho + yo) * Wo + xo] =
              in[(size_t(n) * x.h + yo * stride) * x.w + xo * stride];
  }
}

void shortcut_backward(const Tensor& dy, int stride, Tensor& dx) {
  const int before = (dy.c - dx.c) / 2;
#pragma omp parallel for schedule(static)
  for (int c = 0; c < dx.c; ++c) {
    float* d = dx.row(c);
    std::fill(d, d + dx.m.cols(), 0.0f);
    const float* g = dy.row(c + before);
    for (int n = 0; n < dx.n; ++n)
      for (int yo = 0; yo < dy.h; ++yo)
        for (int xo = 0; xo < dy.w; ++xo)
          d[(size_t(n) * dx.h + yo * stride) * dx.w + xo * stride] =
              g[(size_t(n) * dy.h + yo) * dy.w + xo];
  }
}

// ---- softmax cross-entropy ----------------------------------------------------------------------
LossResult softmax_ce(const Tensor& logits, std::span<const uint8_t> labels, Tensor* dlogits) {
  const int K = logits.c, N = int(logits.m.cols());
  require(size_t(N) == labels.size(), "softmax_ce",
          std::to_string(N) + " logits columns but " + std::to_string(labels.size()) + " labels");
  if (dlogits) dlogits->resize_like(logits);
  LossResult r;
  for (int n = 0; n < N; ++n) {
    require(labels[n] < K, "softmax_ce", "label " + std::to_string(labels[n]) + " out of range");
    float mx = -std::numeric_limits<float>::infinity();
    int arg = 0;
    for (int k = 0; k < K; ++k)
      if (logits.m(k, n) > mx) mx = logits.m(k, n), arg = k;
    double z = 0;
    for (int k = 0; k < K; ++k) z += std::exp(double(logits.m(k, n) - mx));
    r.loss_sum += -(double(logits.m(labels[n], n) - mx) - std::log(z));
    r.correct += arg == labels[n];
    if (dlogits)
      for (int k = 0; k < K; ++k)
        dlogits->m(k, n) =
            float((std::exp(double(logits.m(k, n) - mx)) / z - (k == labels[n])) / N);
  }
  return r;
}

}  // namespace ttq::train
