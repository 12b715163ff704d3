#include "ttq/onnx/weights.hpp"

#include <algorithm>
#include <cmath>
#include <map>
#include <span>

#include "ttq/calibrate.hpp"
#include "ttq/nm.hpp"

namespace ttq::onnx_io {
namespace {

// The nonzero values of one row as (positive, negative magnitude), each the most frequent member
// of its cluster; false if a row has two positive or two negative values beyond `tol`.
struct RowVals {
  float pos = 0, neg = 0;  // 0 if absent
};

bool same(float x, float y, double tol) {
  return std::fabs(double(x) - double(y)) <=
         tol * std::max(std::fabs(double(x)), std::fabs(double(y)));
}

// Most frequent value of one sign in the row, or 0; false if two values differ beyond tol.
bool one_value(std::span<const float> row, int sign, float zero, double tol, float& out) {
  std::map<float, int> count;
  for (float v : row)
    if (std::fabs(v) > zero && (v > 0) == (sign > 0)) ++count[std::fabs(v)];
  out = 0;
  if (count.empty()) return true;
  if (!same(count.begin()->first, count.rbegin()->first, tol)) return false;
  int best = 0;
  for (auto [v, c] : count)
    if (c > best) best = c, out = v;
  return true;
}

}  // namespace

bool make_ternary(const std::vector<float>& w, MatMulParams& p, double tol, std::string& how,
                  std::string& bad) {
  const size_t oc = size_t(p.out_ch), fan = size_t(p.fan_in);
  float peak = 0;
  for (float v : w) peak = std::max(peak, std::fabs(v));
  const float zero = float(tol * peak);
  // Per layer: one positive and one negative value over the whole tensor.
  float wp = 0, wn = 0;
  if (one_value(w, +1, zero, tol, wp) && one_value(w, -1, zero, tol, wn)) {
    p.precision = Precision::Ternary;
    p.wp = wp > 0 ? wp : wn, p.wn = wn > 0 ? wn : wp;
    p.weights.resize(w.size());
    for (size_t k = 0; k < w.size(); ++k)
      p.weights[k] = int8_t(std::fabs(w[k]) <= zero ? 0 : w[k] > 0 ? 1 : -1);
    how = "ternary per layer";
    return true;
  }
  // Per output channel: row o = a_o * {-Wn, 0, +Wp}, a_o of either sign, one ratio Wn / Wp.
  std::vector<RowVals> rows(oc);
  for (size_t o = 0; o < oc; ++o) {
    const std::span<const float> row(w.data() + o * fan, fan);
    if (!one_value(row, +1, zero, tol, rows[o].pos) ||
        !one_value(row, -1, zero, tol, rows[o].neg)) {
      std::map<float, int> distinct;
      for (float v : row) ++distinct[v];
      bad = "output channel " + std::to_string(o) + " has " + std::to_string(distinct.size()) +
            " distinct values (a ternary layer has at most three, {-Wn, 0, +Wp}, per layer or per "
            "output channel)";
      return false;
    }
  }
  float ref_p = 0, ref_n = 0;  // the first channel with both signs fixes Wp, Wn
  for (const RowVals& r : rows)
    if (r.pos > 0 && r.neg > 0) {
      ref_p = r.pos, ref_n = r.neg;
      break;
    }
  if (ref_p == 0) {
    bad = "no output channel has both a positive and a negative weight";
    return false;
  }
  const double ratio = double(ref_n) / ref_p;
  const double rtol = std::max(tol * 10, 1e-5);
  std::vector<float> factor(oc, 1.0f);
  std::vector<int> flip(oc, 1);
  for (size_t o = 0; o < oc; ++o) {
    const RowVals& r = rows[o];
    if (r.pos > 0 && r.neg > 0) {
      const double q = double(r.neg) / r.pos;
      if (std::fabs(q - ratio) <= rtol * ratio) {
        factor[o] = float(double(r.pos) / ref_p);
      } else if (std::fabs(q - 1 / ratio) <= rtol / ratio) {  // negative channel factor
        flip[o] = -1, factor[o] = -float(double(r.neg) / ref_p);
      } else {
        bad = "output channel " + std::to_string(o) + " has Wn/Wp " + std::to_string(q) +
              " but channel 0.. has " + std::to_string(ratio) + " (one ratio per layer)";
        return false;
      }
    } else if (r.pos > 0) {
      factor[o] = float(double(r.pos) / ref_p);
    } else if (r.neg > 0) {
      factor[o] = float(double(r.neg) / ref_n);
    }
  }
  p.precision = Precision::Ternary;
  p.wp = ref_p, p.wn = ref_n;
  p.weights.resize(w.size());
  for (size_t o = 0; o < oc; ++o) {
    for (size_t k = 0; k < fan; ++k) {
      const float v = w[o * fan + k];
      p.weights[o * fan + k] = int8_t(std::fabs(v) <= zero ? 0 : (v > 0 ? 1 : -1) * flip[o]);
    }
    p.a[o] *= factor[o];
  }
  how = "ternary per output channel (scaled rows folded into a)";
  return true;
}

void make_int8(const std::vector<float>& w, MatMulParams& p) {
  const size_t fan = size_t(p.fan_in);
  p.precision = Precision::Int8;
  p.weights.assign(w.size(), 0);
  p.w_scale.resize(size_t(p.out_ch));
  for (size_t o = 0; o < size_t(p.out_ch); ++o)
    p.w_scale[o] = quantize_int8_row(std::span<const float>(w.data() + o * fan, fan),
                                     std::span(p.weights).subspan(o * fan, fan));
}

std::string detect_nm(MatMulParams& p, const std::string& recorded) {
  if (p.precision != Precision::Ternary) return {};
  if (!recorded.empty()) {  // the exporter's record (round trip): kept if the weights obey it
    const NmPattern r = parse_nm(recorded);
    std::string where;
    if (!check_nm(p.weights, p.out_ch, p.fan_in, r, &where))
      throw std::invalid_argument("recorded N:M pattern " + recorded + " does not hold: " + where);
    p.nm = r;
    return r.n ? "N:M " + to_string(r) + " (recorded)" : "";
  }
  // The tightest of the patterns sparse hardware is built for that the weights obey.
  for (const NmPattern c : {NmPattern{1, 4}, NmPattern{2, 4}, NmPattern{4, 8}})
    if (check_nm(p.weights, p.out_ch, p.fan_in, c)) {
      p.nm = c;
      return "N:M " + to_string(c) + " (detected)";
    }
  p.nm = {};
  return {};
}

}  // namespace ttq::onnx_io
