#include "ttq/trainer/quant.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

#include "ttq/nm.hpp"

namespace ttq::train {

Quant parse_quant(const std::string& s) {
  if (s == "fp" || s == "float") return Quant::Float;
  if (s == "ttq") return Quant::TTQ;
  if (s == "twn") return Quant::TWN;
  if (s == "bwn") return Quant::BWN;
  throw std::invalid_argument("--quant: unknown quantizer '" + s + "' (fp, ttq, twn, bwn)");
}

std::string to_string(Quant q) {
  switch (q) {
    case Quant::Float:
      return "fp";
    case Quant::TTQ:
      return "ttq";
    case Quant::TWN:
      return "twn";
    case Quant::BWN:
      return "bwn";
  }
  return "?";
}

float ttq_threshold(const Mat& w, float t, float target_sparsity) {
  if (w.size() == 0) throw std::invalid_argument("ttq_threshold: empty weight matrix");
  if (target_sparsity < 0) return t * w.cwiseAbs().maxCoeff();
  if (target_sparsity >= 1)
    throw std::invalid_argument("ttq_threshold: target sparsity " +
                                std::to_string(target_sparsity) + " must be < 1");
  std::vector<float> a(w.data(), w.data() + w.size());
  for (float& v : a) v = std::fabs(v);
  const size_t k = size_t(std::ceil(double(target_sparsity) * double(a.size())));
  if (k == 0) return 0.0f;
  std::nth_element(a.begin(), a.begin() + (k - 1), a.end());
  return a[k - 1];
}

void threshold_codes(const Mat& w, float delta, Codes& c) {
  c.resize(w.rows(), w.cols());
  const float* src = w.data();
  int8_t* dst = c.data();
  for (Eigen::Index i = 0; i < w.size(); ++i)
    dst[i] = int8_t(src[i] > delta ? 1 : (src[i] < -delta ? -1 : 0));
}

void nm_codes(const Mat& w, NmPattern p, Codes& c) {
  check_nm_pattern(p, "nm_codes");
  if (!p.structured()) throw std::invalid_argument("nm_codes: unstructured pattern");
  c.setZero(w.rows(), w.cols());
  const int fan_in = int(w.cols());
  std::vector<int> order(size_t(p.m));
  for (Eigen::Index o = 0; o < w.rows(); ++o) {
    const float* row = w.data() + o * fan_in;
    int8_t* code = c.data() + o * fan_in;
    for (int g = 0; g < nm_groups(fan_in, p.m); ++g) {
      const int first = g * p.m, size = nm_group_size(fan_in, p.m, g);
      const int keep = nm_group_limit(fan_in, p, g);
      for (int k = 0; k < size; ++k) order[size_t(k)] = first + k;
      // Larger |w| first; equal |w|: lower index first (a strict weak order, so deterministic).
      std::partial_sort(order.begin(), order.begin() + keep, order.begin() + size,
                        [&](int a, int b) {
                          const float x = std::fabs(row[a]), y = std::fabs(row[b]);
                          return x > y || (x == y && a < b);
                        });
      for (int k = 0; k < keep; ++k) {
        const float v = row[order[size_t(k)]];
        code[order[size_t(k)]] = int8_t(v > 0 ? 1 : v < 0 ? -1 : 0);
      }
    }
  }
}

float code_sparsity(const Codes& c) {
  if (c.size() == 0) return 0.0f;
  return float((c.array() == 0).count()) / float(c.size());
}

void ttq_forward(const Codes& c, float wp, float wn, Mat& q) {
  q.resize(c.rows(), c.cols());
  const int8_t* src = c.data();
  float* dst = q.data();
  for (Eigen::Index i = 0; i < c.size(); ++i) dst[i] = src[i] > 0 ? wp : (src[i] < 0 ? -wn : 0.0f);
}

void ttq_backward(const Codes& c, float wp, float wn, const Mat& gq, Mat& gw, float& gwp,
                  float& gwn) {
  gw.resize(c.rows(), c.cols());
  const int8_t* src = c.data();
  const float* g = gq.data();
  float* d = gw.data();
  double sp = 0, sn = 0;
  for (Eigen::Index i = 0; i < c.size(); ++i) {
    if (src[i] > 0) {
      d[i] = wp * g[i];
      sp += g[i];
    } else if (src[i] < 0) {
      d[i] = wn * g[i];
      sn += g[i];
    } else {
      d[i] = g[i];
    }
  }
  gwp = float(sp);
  gwn = float(-sn);
}

void ttq_init_scales(const Mat& w, const Codes& c, float& wp, float& wn) {
  double sp = 0, sn = 0;
  size_t np = 0, nn = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const float v = w.data()[i];
    if (c.data()[i] > 0)
      sp += v, ++np;
    else if (c.data()[i] < 0)
      sn -= v, ++nn;
  }
  const double all = w.cwiseAbs().mean();
  wp = std::max(kScaleFloor, float(np ? sp / double(np) : all));
  wn = std::max(kScaleFloor, float(nn ? sn / double(nn) : all));
}

float twn_threshold(const Mat& w) { return 0.7f * w.cwiseAbs().mean(); }

float twn_forward(const Mat& w, const Codes& c, Mat& q) {
  double s = 0;
  size_t n = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (c.data()[i] != 0) s += std::fabs(w.data()[i]), ++n;
  const float alpha = n ? float(s / double(n)) : 0.0f;
  q.resize(w.rows(), w.cols());
  for (Eigen::Index i = 0; i < w.size(); ++i) q.data()[i] = alpha * float(c.data()[i]);
  return alpha;
}

float bwn_forward(const Mat& w, Mat& q) {
  const float alpha = w.cwiseAbs().mean();
  q.resize(w.rows(), w.cols());
  for (Eigen::Index i = 0; i < w.size(); ++i) q.data()[i] = w.data()[i] >= 0 ? alpha : -alpha;
  return alpha;
}

}  // namespace ttq::train
