#include "ttq/trainer/export.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

#include "ttq/golden.hpp"
#include "ttq/model_io.hpp"
#include "ttq/nm.hpp"
#include "ttq/trainer/batch.hpp"

namespace ttq::train {
using nlohmann::json;

std::vector<float> calibrate_ranges(Net& net, const Dataset& d, int images, double percentile) {
  if (images <= 0)
    throw std::invalid_argument("--calib-images: must be > 0, got " + std::to_string(images));
  if (!(percentile > 0 && percentile <= 100))
    throw std::invalid_argument("--calib-percentile: must be in (0, 100], got " +
                                std::to_string(percentile));
  const int n = std::min(images, d.n);
  const size_t nodes = net.nodes.size();
  std::vector<std::vector<float>> samples(nodes);
  std::vector<float> maxabs(nodes, 0.0f);
  constexpr size_t kSamplesPerBatch = 200000;
  Tensor x;
  std::vector<uint8_t> labels;
  std::vector<int> idx;
  for (int s = 0; s < n; s += 500) {
    const int e = std::min(n, s + 500);
    idx.resize(size_t(e - s));
    for (int i = s; i < e; ++i) idx[size_t(i - s)] = i;
    make_batch(d, idx, false, 0, nullptr, x, labels);
    net.forward(x, false);
    for (size_t i = 1; i < nodes; ++i) {
      const Mat& v = net.nodes[i].out.m;
      const size_t size = size_t(v.size());
      const size_t step = std::max<size_t>(1, size / kSamplesPerBatch);
      for (size_t k = 0; k < size; ++k) {
        const float a = std::fabs(v.data()[k]);
        maxabs[i] = std::max(maxabs[i], a);
        if (k % step == 0) samples[i].push_back(a);
      }
    }
  }
  std::vector<float> ranges(nodes, 1.0f);
  for (size_t i = 1; i < nodes; ++i) {
    float r = maxabs[i];
    if (i + 1 < nodes && percentile < 100 && !samples[i].empty()) {
      auto& sv = samples[i];
      const size_t k =
          std::min(sv.size() - 1, size_t(std::floor(percentile / 100.0 * double(sv.size()))));
      std::nth_element(sv.begin(), sv.begin() + long(k), sv.end());
      r = sv[k];
    }
    ranges[i] = r > 0 ? r : 1e-6f;
  }
  return ranges;
}

Model to_model(Net& net, const std::vector<float>& ranges, const std::string& dataset) {
  if (ranges.size() != net.nodes.size())
    throw std::invalid_argument("to_model: " + std::to_string(ranges.size()) + " ranges for " +
                                std::to_string(net.nodes.size()) + " nodes");
  net.quantize_weights();  // current thresholds and TWN/BWN scales
  Model m;
  m.arch = net.arch;
  m.dataset = dataset;
  m.num_classes = net.classes;
  for (size_t i = 0; i < net.nodes.size(); ++i) {
    const train::Node& tn = net.nodes[i];
    ttq::Node n;
    n.name = tn.name;
    n.inputs = tn.inputs;
    n.shape = {tn.c, tn.h, tn.w};
    const auto in_q = [&](int k) { return m.nodes[size_t(tn.inputs[size_t(k)])].q; };
    switch (tn.op) {
      case Op::Input:
        n.kind = NodeKind::Input;
        n.q = {1.0f / 255.0f, false};
        break;
      case Op::Conv:
      case Op::Linear: {
        const MatMul& mm = tn.mm;
        n.kind = tn.op == Op::Conv ? NodeKind::Conv : NodeKind::Linear;
        n.q = mm.relu ? QuantInfo{ranges[i] / 255.0f, false} : QuantInfo{ranges[i] / 127.0f, true};
        MatMulParams& p = n.mm;
        p.out_ch = mm.cout, p.fan_in = mm.fan_in, p.relu = mm.relu;
        if (tn.op == Op::Conv) p.kh = p.kw = mm.k, p.stride = mm.stride, p.pad = mm.pad;
        p.a.resize(size_t(mm.cout));
        p.b.resize(size_t(mm.cout));
        for (int o = 0; o < mm.cout; ++o) {
          float a = 1.0f, b = mm.has_bias ? mm.bias[o] : 0.0f;
          if (mm.has_bn) {
            const float s = mm.gamma[o] / std::sqrt(mm.run_var[o] + net.bn_eps);
            b = mm.beta[o] + s * (b - mm.run_mean[o]);
            a = s;
          }
          p.a[size_t(o)] = a, p.b[size_t(o)] = b;
        }
        const float s_in = in_q(0).scale, s_out = n.q.scale;
        p.weights.resize(size_t(mm.cout) * size_t(mm.fan_in));
        p.out.resize(size_t(mm.cout));
        const bool quant = mm.quantizable && net.mode != Quant::Float;
        if (quant) {
          p.precision = Precision::Ternary;
          const bool ttq = net.mode == Quant::TTQ;
          p.wp = ttq ? mm.wp : mm.alpha;
          p.wn = ttq ? mm.wn : mm.alpha;
          if (net.mode != Quant::BWN) p.nm = net.pattern;
          for (size_t k = 0; k < p.weights.size(); ++k) {
            const float q = mm.q.data()[k];
            p.weights[k] = int8_t(q > 0 ? 1 : q < 0 ? -1 : 0);
          }
          for (int o = 0; o < mm.cout; ++o)
            p.out[size_t(o)] =
                quantize_out_params(p.a[size_t(o)], p.b[size_t(o)], p.wp, p.wn, s_in, s_out);
        } else {
          p.precision = Precision::Int8;
          p.w_scale.resize(size_t(mm.cout));
          for (int o = 0; o < mm.cout; ++o) {
            const float mx = mm.w.row(o).cwiseAbs().maxCoeff();
            const float ws = mx > 0 ? mx / 127.0f : 1.0f;
            p.w_scale[size_t(o)] = ws;
            for (int k = 0; k < mm.fan_in; ++k)
              p.weights[size_t(o) * size_t(mm.fan_in) + size_t(k)] =
                  int8_t(std::clamp(std::lround(mm.w(o, k) / ws), -127L, 127L));
            p.out[size_t(o)] =
                quantize_out_params_int8(p.a[size_t(o)], p.b[size_t(o)], ws, s_in, s_out);
          }
        }
        break;
      }
      case Op::MaxPool:
      case Op::AvgPool:
        n.kind = tn.op == Op::MaxPool ? NodeKind::MaxPool : NodeKind::AvgPool;
        n.pool = {tn.pool_k, tn.pool_stride, 0};
        n.q = in_q(0);
        break;
      case Op::GlobalAvgPool:
        n.kind = NodeKind::GlobalAvgPool;
        n.q = in_q(0);
        break;
      case Op::ShortcutA:
        n.kind = NodeKind::ShortcutA;
        n.sc.stride = tn.sc_stride;
        n.q = in_q(0);
        break;
      case Op::Add:
        n.kind = NodeKind::Add;
        n.q = tn.relu ? QuantInfo{ranges[i] / 255.0f, false} : QuantInfo{ranges[i] / 127.0f, true};
        n.add = quantize_add(in_q(0).scale, in_q(1).scale, n.q.scale, tn.relu);
        break;
    }
    m.nodes.push_back(std::move(n));
  }
  validate(m, "export of " + net.arch);
  return m;
}

json export_and_check(Net& net, const ExportOptions& cfg, const Dataset& train,
                      const std::vector<Dataset>& evals, const std::filesystem::path& path) {
  const std::vector<float> ranges =
      calibrate_ranges(net, train, cfg.calib_images, cfg.calib_percentile);
  const Model built = to_model(net, ranges, cfg.dataset);
  save_model(path, built);
  const Model m = load_model(path);  // evaluate exactly what was written
  json j = {{"path", path.string()},
            {"size", to_json(size_report(m))},
            {"calibration",
             {{"images", std::min(cfg.calib_images, train.n)},
              {"split", train.split},
              {"percentile", cfg.calib_percentile}}}};
  // Per weighted layer: precision, N:M pattern and zero weights, as written.
  json layers = json::array();
  for (const ttq::Node& n : m.nodes) {
    if (n.kind != NodeKind::Conv && n.kind != NodeKind::Linear) continue;
    const auto zeros = std::count(n.mm.weights.begin(), n.mm.weights.end(), int8_t{0});
    layers.push_back({{"name", n.name},
                      {"precision", precision_name(n.mm.precision)},
                      {"pattern", to_string(n.mm.nm)},
                      {"weights", n.mm.weights.size()},
                      {"zeros", zeros}});
  }
  j["layers"] = layers;
  for (const Dataset& d : evals) {
    const train::EvalResult fl = train::evaluate(net, d);
    const ttq::EvalResult r = ttq::evaluate(m, d, 0, true, cfg.threads, cfg.progress);
    j["eval"][d.split] = {{"n", r.n},
                          {"float_trainer_acc", fl.accuracy},
                          {"float_reference_acc", r.acc_float()},
                          {"integer_acc", r.acc_int()},
                          {"int_float_agreement", r.n ? double(r.agree) / r.n : 0.0},
                          {"integer_minus_float_points", 100.0 * (r.acc_int() - fl.accuracy)}};
    std::cerr << "export " << d.split << ": float (trainer) " << 100 * fl.accuracy
              << "%, float (golden reference) " << 100 * r.acc_float() << "%, integer (golden) "
              << 100 * r.acc_int() << "%\n";
  }
  return j;
}

}  // namespace ttq::train
