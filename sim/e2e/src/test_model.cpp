#include "ttq/e2e/test_model.hpp"

#include <algorithm>
#include <cmath>
#include <random>
#include <stdexcept>

#include "ttq/golden.hpp"
#include "ttq/model_io.hpp"

namespace ttq::e2e {
namespace {

class Builder {
 public:
  Builder(Shape in, uint32_t seed, double zero_frac) : rng_(seed), zero_(zero_frac) {
    Node n;
    n.kind = NodeKind::Input;
    n.name = "input";
    n.shape = in;
    n.q = {1.0f / 255, false};
    m.nodes.push_back(n);
  }
  int conv(const std::string& name, int in, int out_ch, int k, int stride, int pad, bool relu,
           Precision p) {
    const Shape s = m.nodes[size_t(in)].shape;
    return matmul(name, NodeKind::Conv, in, out_ch, s.c * k * k, k, stride, pad, relu, p,
                  {out_ch, (s.h + 2 * pad - k) / stride + 1, (s.w + 2 * pad - k) / stride + 1});
  }
  int linear(const std::string& name, int in, int out, bool relu) {
    return matmul(name, NodeKind::Linear, in, out, int(m.nodes[size_t(in)].shape.size()), 1, 1, 0,
                  relu, Precision::Ternary, {out, 1, 1});
  }
  int simple(const std::string& name, NodeKind k, int in, Shape s, PoolParams pool = {}) {
    Node n;
    n.kind = k;
    n.name = name;
    n.inputs = {in};
    n.shape = s;
    n.pool = pool;
    m.nodes.push_back(n);
    return int(m.nodes.size() - 1);
  }
  int shortcut(const std::string& name, int in, int out_ch, int stride) {
    const Shape s = m.nodes[size_t(in)].shape;
    const int i = simple(name, NodeKind::ShortcutA, in,
                         {out_ch, (s.h - 1) / stride + 1, (s.w - 1) / stride + 1});
    m.nodes[size_t(i)].sc.stride = stride;
    return i;
  }
  int add(const std::string& name, int a, int b) {
    Node n;
    n.kind = NodeKind::Add;
    n.name = name;
    n.inputs = {a, b};
    n.shape = m.nodes[size_t(a)].shape;
    n.add.relu = true;
    m.nodes.push_back(n);
    return int(m.nodes.size() - 1);
  }

  // The last node (a ternary Linear) becomes a nearest-class-mean classifier over its input
  // features; then every rescaling node's output scale is set from the float peak on the
  // calibration images and the integer output step is exported.
  Model finish(const std::string& arch, const Dataset& calib) {
    m.arch = arch;
    m.dataset = calib.name;
    Node& fc = m.nodes.back();
    m.num_classes = fc.mm.out_ch;
    const int feat = fc.mm.fan_in, classes = fc.mm.out_ch;
    {
      const FloatReference ref(m);
      std::vector<double> mean(size_t(classes) * feat, 0.0), all(size_t(feat), 0.0);
      std::vector<int> cnt(size_t(classes), 0);
      const int n = std::min(calib.n, 2000);
      for (int i = 0; i < n; ++i) {
        const auto acts = ref.run(calib.image(i));
        const auto& f = acts[size_t(fc.inputs[0])].data;
        const int c = calib.labels[size_t(i)];
        if (c >= classes) throw std::invalid_argument("calibration label " + std::to_string(c) + " >= classes");
        cnt[size_t(c)] += 1;
        for (int k = 0; k < feat; ++k) mean[size_t(c) * feat + k] += f[size_t(k)], all[size_t(k)] += f[size_t(k)];
      }
      for (int k = 0; k < feat; ++k) all[size_t(k)] /= n;
      for (int c = 0; c < classes; ++c) {
        std::vector<double> diff(static_cast<size_t>(feat), 0.0);
        double mabs = 0;
        for (int k = 0; k < feat; ++k) {
          diff[size_t(k)] = mean[size_t(c) * feat + k] / std::max(cnt[size_t(c)], 1) - all[size_t(k)];
          mabs += std::fabs(diff[size_t(k)]) / feat;
        }
        double bias = 0;
        for (int k = 0; k < feat; ++k) {
          const double dk = diff[size_t(k)];
          const int8_t code = dk > 0.7 * mabs ? 1 : dk < -0.7 * mabs ? -1 : 0;
          fc.mm.weights[size_t(c) * feat + k] = code;
          bias -= code * all[size_t(k)];
        }
        fc.mm.a[size_t(c)] = 1.0f;
        fc.mm.b[size_t(c)] = float(bias * fc.mm.wp);
      }
    }
    std::vector<const uint8_t*> imgs;
    for (int i = 0; i < std::min(calib.n, 64); ++i) imgs.push_back(calib.image(i));
    calibrate_max_abs(m, imgs);
    validate(m, arch + " test model");
    return m;
  }

 private:
  int matmul(const std::string& name, NodeKind kind, int in, int out_ch, int fan_in, int k,
             int stride, int pad, bool relu, Precision prec, Shape shape) {
    Node n;
    n.kind = kind;
    n.name = name;
    n.inputs = {in};
    n.shape = shape;
    n.q = {1.0f, !relu};
    MatMulParams& p = n.mm;
    p.precision = prec;
    p.out_ch = out_ch;
    p.fan_in = fan_in;
    p.kh = p.kw = k;
    p.stride = stride;
    p.pad = pad;
    p.relu = relu;
    std::uniform_real_distribution<float> u(0.0f, 1.0f);
    const double half = (1.0 - zero_) / 2;
    for (int i = 0; i < out_ch * fan_in; ++i) {
      const float r = u(rng_);
      p.weights.push_back(prec == Precision::Int8 ? int8_t(std::lround(254 * r - 127))
                                                  : int8_t(r < zero_ ? 0 : r < zero_ + half ? 1 : -1));
    }
    const float sc = 1.0f / std::sqrt(float(fan_in) * float(1.0 - zero_));
    p.wp = p.wn = sc;
    for (int o = 0; o < out_ch; ++o) {
      if (prec == Precision::Int8) p.w_scale.push_back(sc / 127.0f);
      p.a.push_back(0.8f + 0.4f * u(rng_));
      p.b.push_back(0.1f * (u(rng_) - 0.5f));
      p.out.push_back({});
    }
    m.nodes.push_back(n);
    return int(m.nodes.size() - 1);
  }
  std::mt19937 rng_;
  double zero_;
  Model m;
};

}  // namespace

Model make_test_model(const std::string& arch, const Dataset& calib, uint32_t seed, double zero_frac) {
  if (!(zero_frac >= 0.0 && zero_frac < 1.0))
    throw std::invalid_argument("zero_frac " + std::to_string(zero_frac) + ": must be in [0, 1)");
  if (calib.n < 1) throw std::invalid_argument("calibration dataset " + calib.name + " is empty");
  if (arch == "lenet5") {
    if (calib.c != 1 || calib.h != 28 || calib.w != 28)
      throw std::invalid_argument("lenet5 test model: dataset " + calib.name + " is not 1x28x28");
    Builder b({1, 28, 28}, seed, zero_frac);
    int x = b.conv("conv1", 0, 32, 5, 1, 2, true, Precision::Int8);
    x = b.simple("pool1", NodeKind::MaxPool, x, {32, 14, 14}, {2, 2, 0});
    x = b.conv("conv2", x, 64, 5, 1, 0, true, Precision::Ternary);
    x = b.simple("pool2", NodeKind::MaxPool, x, {64, 5, 5}, {2, 2, 0});
    x = b.linear("fc1", x, 512, true);
    b.linear("fc2", x, calib.num_classes, false);
    return b.finish("lenet5", calib);
  }
  if (arch == "resnet20") {
    if (calib.c != 3 || calib.h != 32 || calib.w != 32)
      throw std::invalid_argument("resnet20 test model: dataset " + calib.name + " is not 3x32x32");
    Builder b({3, 32, 32}, seed, zero_frac);
    int x = b.conv("conv1", 0, 16, 3, 1, 1, true, Precision::Int8);
    int ch = 16;
    for (int stage = 0; stage < 3; ++stage)
      for (int blk = 0; blk < 3; ++blk) {
        const std::string tag = "s" + std::to_string(stage + 1) + "b" + std::to_string(blk + 1);
        const int out = 16 << stage, stride = (stage > 0 && blk == 0) ? 2 : 1;
        const int a = b.conv(tag + ".conv1", x, out, 3, stride, 1, true, Precision::Ternary);
        const int c = b.conv(tag + ".conv2", a, out, 3, 1, 1, false, Precision::Ternary);
        const int s = (stride == 1 && out == ch) ? x : b.shortcut(tag + ".short", x, out, stride);
        x = b.add(tag + ".add", c, s);
        ch = out;
      }
    x = b.simple("gap", NodeKind::GlobalAvgPool, x, {64, 1, 1});
    b.linear("fc", x, calib.num_classes, false);
    return b.finish("resnet20", calib);
  }
  throw std::invalid_argument("--arch " + arch + ": unknown (lenet5, resnet20)");
}

}  // namespace ttq::e2e
