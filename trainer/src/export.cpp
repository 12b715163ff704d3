#include "ttq/trainer/export.hpp"

#include <algorithm>
#include <cmath>
#include <iostream>
#include <stdexcept>

#include "ttq/calibrate.hpp"
#include "ttq/golden.hpp"
#include "ttq/model_io.hpp"
#include "ttq/nm.hpp"
#include "ttq/trainer/batch.hpp"

namespace ttq::train {
using nlohmann::json;

std::vector<float> calibrate_ranges(Net& net, const Dataset& d, int images, double percentile) {
  check_calibration(images, percentile);
  const int n = std::min(images, d.n);
  RangeCalibrator cal(net.nodes.size());
  Tensor x;
  std::vector<uint8_t> labels;
  std::vector<int> idx;
  for (int s = 0; s < n; s += kCalibBatch) {
    const int e = std::min(n, s + kCalibBatch);
    idx.resize(size_t(e - s));
    for (int i = s; i < e; ++i) idx[size_t(i - s)] = i;
    make_batch(d, idx, false, 0, nullptr, x, labels);
    net.forward(x, false);
    for (size_t i = 1; i < net.nodes.size(); ++i) {
      const Mat& v = net.nodes[i].out.m;
      cal.add(i, std::span<const float>(v.data(), size_t(v.size())));
    }
  }
  return cal.ranges(percentile);
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
    switch (tn.op) {
      case Op::Input:
        n.kind = NodeKind::Input;
        n.q = {1.0f / 255.0f, false};
        break;
      case Op::Conv:
      case Op::Linear: {
        const MatMul& mm = tn.mm;
        n.kind = tn.op == Op::Conv ? NodeKind::Conv : NodeKind::Linear;
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
        p.weights.resize(size_t(mm.cout) * size_t(mm.fan_in));
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
        } else {
          p.precision = Precision::Int8;
          p.w_scale.resize(size_t(mm.cout));
          for (int o = 0; o < mm.cout; ++o)
            p.w_scale[size_t(o)] = quantize_int8_row(
                std::span<const float>(mm.w.row(o).data(), size_t(mm.fan_in)),
                std::span(p.weights).subspan(size_t(o) * size_t(mm.fan_in), size_t(mm.fan_in)));
        }
        break;
      }
      case Op::MaxPool:
      case Op::AvgPool:
        n.kind = tn.op == Op::MaxPool ? NodeKind::MaxPool : NodeKind::AvgPool;
        n.pool = {tn.pool_k, tn.pool_stride, 0};
        break;
      case Op::GlobalAvgPool:
        n.kind = NodeKind::GlobalAvgPool;
        break;
      case Op::ShortcutA:
        n.kind = NodeKind::ShortcutA;
        n.sc.stride = tn.sc_stride;
        break;
      case Op::Add:
        n.kind = NodeKind::Add;
        n.add.relu = tn.relu;
        break;
    }
    m.nodes.push_back(std::move(n));
  }
  apply_ranges(m, ranges);  // activation scales and integer output steps (golden/calibrate)
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
