#include "ttq/trainer/quant.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>
#include <vector>

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

void ttq_forward(const Mat& w, float delta, float wp, float wn, Mat& q) {
  q.resize(w.rows(), w.cols());
  const float* src = w.data();
  float* dst = q.data();
  for (Eigen::Index i = 0; i < w.size(); ++i)
    dst[i] = src[i] > delta ? wp : (src[i] < -delta ? -wn : 0.0f);
}

void ttq_backward(const Mat& w, float delta, float wp, float wn, const Mat& gq, Mat& gw, float& gwp,
                  float& gwn) {
  gw.resize(w.rows(), w.cols());
  const float* src = w.data();
  const float* g = gq.data();
  float* d = gw.data();
  double sp = 0, sn = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    if (src[i] > delta) {
      d[i] = wp * g[i];
      sp += g[i];
    } else if (src[i] < -delta) {
      d[i] = wn * g[i];
      sn += g[i];
    } else {
      d[i] = g[i];
    }
  }
  gwp = float(sp);
  gwn = float(-sn);
}

void ttq_init_scales(const Mat& w, float delta, float& wp, float& wn) {
  double sp = 0, sn = 0;
  size_t np = 0, nn = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const float v = w.data()[i];
    if (v > delta)
      sp += v, ++np;
    else if (v < -delta)
      sn -= v, ++nn;
  }
  const double all = w.cwiseAbs().mean();
  wp = std::max(kScaleFloor, float(np ? sp / double(np) : all));
  wn = std::max(kScaleFloor, float(nn ? sn / double(nn) : all));
}

float ternary_sparsity(const Mat& w, float delta) {
  if (w.size() == 0) return 0.0f;
  return float((w.array().abs() <= delta).count()) / float(w.size());
}

float twn_forward(const Mat& w, Mat& q, float& delta) {
  delta = 0.7f * w.cwiseAbs().mean();
  double s = 0;
  size_t n = 0;
  for (Eigen::Index i = 0; i < w.size(); ++i)
    if (std::fabs(w.data()[i]) > delta) s += std::fabs(w.data()[i]), ++n;
  const float alpha = n ? float(s / double(n)) : 0.0f;
  q.resize(w.rows(), w.cols());
  for (Eigen::Index i = 0; i < w.size(); ++i) {
    const float v = w.data()[i];
    q.data()[i] = v > delta ? alpha : (v < -delta ? -alpha : 0.0f);
  }
  return alpha;
}

float bwn_forward(const Mat& w, Mat& q) {
  const float alpha = w.cwiseAbs().mean();
  q.resize(w.rows(), w.cols());
  for (Eigen::Index i = 0; i < w.size(); ++i) q.data()[i] = w.data()[i] >= 0 ? alpha : -alpha;
  return alpha;
}

}  // namespace ttq::train
