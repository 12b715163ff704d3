#include "ttq/calibrate.hpp"

#include <algorithm>
#include <atomic>
#include <cmath>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "ttq/golden.hpp"

namespace ttq {

void check_calibration(int images, double percentile) {
  if (images <= 0)
    throw std::invalid_argument("--calib-images: must be > 0, got " + std::to_string(images));
  if (!(percentile > 0 && percentile <= 100))
    throw std::invalid_argument("--calib-percentile: must be in (0, 100], got " +
                                std::to_string(percentile));
}

void RangeCalibrator::add(size_t node, std::span<const float> values) {
  const size_t size = values.size();
  const size_t step = std::max<size_t>(1, size / kCalibSamplesPerBatch);
  float& peak = maxabs_.at(node);
  std::vector<float>& s = samples_[node];
  for (size_t k = 0; k < size; ++k) {
    const float a = std::fabs(values[k]);
    peak = std::max(peak, a);
    if (k % step == 0) s.push_back(a);
  }
}

std::vector<float> RangeCalibrator::ranges(double percentile) {
  const size_t nodes = maxabs_.size();
  std::vector<float> r(nodes, 1.0f);
  for (size_t i = 1; i < nodes; ++i) {
    float v = maxabs_[i];
    if (i + 1 < nodes && percentile < 100 && !samples_[i].empty()) {
      auto& sv = samples_[i];
      const size_t k =
          std::min(sv.size() - 1, size_t(std::floor(percentile / 100.0 * double(sv.size()))));
      std::nth_element(sv.begin(), sv.begin() + long(k), sv.end());
      v = sv[k];
    }
    r[i] = v > 0 ? v : 1e-6f;
  }
  return r;
}

std::vector<float> calibrate_ranges(const Model& m, const Dataset& d, int images, double percentile,
                                    int threads) {
  check_calibration(images, percentile);
  const FloatReference ref(m);
  const int n = std::min(images, d.n);
  RangeCalibrator cal(m.nodes.size());
  std::vector<std::vector<FloatTensor>> acts;
  std::vector<float> flat;
  for (int s = 0; s < n; s += kCalibBatch) {
    const int e = std::min(n, s + kCalibBatch);
    acts.assign(size_t(e - s), {});
    std::atomic<int> next{s};
    std::exception_ptr error;
    std::mutex mu;
    auto work = [&] {
      try {
        for (int k; (k = next.fetch_add(1)) < e;) acts[size_t(k - s)] = ref.run(d.image(k));
      } catch (...) {
        std::lock_guard lock(mu);
        if (!error) error = std::current_exception();
        next = e;
      }
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
    if (error) std::rethrow_exception(error);
    for (size_t i = 1; i < m.nodes.size(); ++i) {  // the batch's tensor of node i, image-major
      flat.clear();
      for (const auto& a : acts) flat.insert(flat.end(), a[i].data.begin(), a[i].data.end());
      cal.add(i, flat);
    }
  }
  return cal.ranges(percentile);
}

void apply_ranges(Model& m, std::span<const float> ranges) {
  if (ranges.size() != m.nodes.size())
    throw std::invalid_argument("apply_ranges: " + std::to_string(ranges.size()) + " ranges for " +
                                std::to_string(m.nodes.size()) + " nodes");
  for (size_t i = 1; i < m.nodes.size(); ++i) {
    Node& n = m.nodes[i];
    const bool mm = n.kind == NodeKind::Conv || n.kind == NodeKind::Linear;
    if (!mm && n.kind != NodeKind::Add) continue;
    const bool relu = mm ? n.mm.relu : n.add.relu;
    n.q = relu ? QuantInfo{ranges[i] / 255.0f, false} : QuantInfo{ranges[i] / 127.0f, true};
  }
  derive_integer_params(m);
}

void derive_integer_params(Model& m) {
  for (size_t i = 1; i < m.nodes.size(); ++i) {
    Node& n = m.nodes[i];
    const auto in_q = [&](size_t k) { return m.nodes[size_t(n.inputs.at(k))].q; };
    switch (n.kind) {
      case NodeKind::Conv:
      case NodeKind::Linear: {
        MatMulParams& p = n.mm;
        const float s_in = in_q(0).scale, s_out = n.q.scale;
        p.out.resize(size_t(p.out_ch));
        for (size_t o = 0; o < size_t(p.out_ch); ++o)
          p.out[o] =
              p.precision == Precision::Int8
                  ? quantize_out_params_int8(p.a.at(o), p.b.at(o), p.w_scale.at(o), s_in, s_out)
                  : quantize_out_params(p.a.at(o), p.b.at(o), p.wp, p.wn, s_in, s_out);
        break;
      }
      case NodeKind::Add:
        n.add = quantize_add(in_q(0).scale, in_q(1).scale, n.q.scale, n.add.relu);
        break;
      case NodeKind::Input:
        break;
      case NodeKind::MaxPool:
      case NodeKind::AvgPool:
      case NodeKind::GlobalAvgPool:
      case NodeKind::ShortcutA:
        n.q = in_q(0);
        break;
    }
  }
}

float quantize_int8_row(std::span<const float> w, std::span<int8_t> q) {
  if (w.size() != q.size())
    throw std::invalid_argument("quantize_int8_row: " + std::to_string(w.size()) + " weights, " +
                                std::to_string(q.size()) + " outputs");
  float mx = 0.0f;
  for (float v : w) mx = std::max(mx, std::fabs(v));
  const float ws = mx > 0 ? mx / 127.0f : 1.0f;
  for (size_t k = 0; k < w.size(); ++k)
    q[k] = int8_t(std::clamp(std::lround(w[k] / ws), -127L, 127L));
  return ws;
}

}  // namespace ttq
