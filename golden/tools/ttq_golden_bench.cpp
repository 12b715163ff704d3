// ttq-golden-bench: images/s of the integer golden model and of the float reference on the
// network shapes the project targets (lenet5 on Fashion-MNIST, resnet20 on CIFAR-10), with
// random ternary weights (65% nonzero) exported through the same helpers as the trainer and
// activation scales calibrated on real images. Speed only: the weights are not trained.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <random>

#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/golden.hpp"
#include "ttq/model_io.hpp"
#include "ttq/tool_main.hpp"

namespace {

using namespace ttq;

class Builder {
 public:
  Builder(Shape in, uint32_t seed) : rng_(seed) {
    Node n;
    n.kind = NodeKind::Input;
    n.name = "input";
    n.shape = in;
    n.q = {1.0f / 255, false};
    m.nodes.push_back(n);
  }
  int conv(int in, int out_ch, int k, int stride, int pad, bool relu, Precision p) {
    const Shape s = m.nodes[size_t(in)].shape;
    return matmul(NodeKind::Conv, in, out_ch, s.c * k * k, k, stride, pad, relu, p,
                  {out_ch, (s.h + 2 * pad - k) / stride + 1, (s.w + 2 * pad - k) / stride + 1});
  }
  int linear(int in, int out, bool relu) {
    return matmul(NodeKind::Linear, in, out, int(m.nodes[size_t(in)].shape.size()), 1, 1, 0, relu,
                  Precision::Ternary, {out, 1, 1});
  }
  int simple(NodeKind k, int in, Shape s, PoolParams pool = {}) {
    Node n;
    n.kind = k;
    n.name = std::string(kind_name(k)) + std::to_string(m.nodes.size());
    n.inputs = {in};
    n.shape = s;
    n.pool = pool;
    n.q = m.nodes[size_t(in)].q;
    m.nodes.push_back(n);
    return int(m.nodes.size() - 1);
  }
  int shortcut(int in, int out_ch, int stride) {
    const Shape s = m.nodes[size_t(in)].shape;
    const int i =
        simple(NodeKind::ShortcutA, in, {out_ch, (s.h - 1) / stride + 1, (s.w - 1) / stride + 1});
    m.nodes[size_t(i)].sc.stride = stride;
    return i;
  }
  int add(int a, int b) {
    Node n;
    n.kind = NodeKind::Add;
    n.name = "add" + std::to_string(m.nodes.size());
    n.inputs = {a, b};
    n.shape = m.nodes[size_t(a)].shape;
    n.add.relu = true;
    m.nodes.push_back(n);
    return int(m.nodes.size() - 1);
  }
  // Sets each rescaling node's output scale from the float reference's peak on `calib`, then
  // exports Mp/Mn/B/S and the add multipliers.
  Model finish(const std::string& arch, const std::string& dataset, const Dataset& calib) {
    m.arch = arch;
    m.dataset = dataset;
    m.num_classes = int(m.nodes.back().shape.size());
    std::vector<const uint8_t*> imgs;
    for (int i = 0; i < std::min(calib.n, 16); ++i) imgs.push_back(calib.image(i));
    calibrate_max_abs(m, imgs);
    validate(m, arch);
    return m;
  }

 private:
  int matmul(NodeKind kind, int in, int out_ch, int fan_in, int k, int stride, int pad, bool relu,
             Precision prec, Shape shape) {
    Node n;
    n.kind = kind;
    n.name = (kind == NodeKind::Conv ? "conv" : "fc") + std::to_string(m.nodes.size());
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
    for (int i = 0; i < out_ch * fan_in; ++i) {
      const float r = u(rng_);
      p.weights.push_back(prec == Precision::Int8 ? int8_t(std::lround(254 * r - 127))
                                                  : int8_t(r < 0.35f    ? 0
                                                           : r < 0.675f ? 1
                                                                        : -1));
    }
    const float sc = 1.0f / std::sqrt(float(fan_in));
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
  Model m;
};

// The trainer's lenet5: conv 5x5 32 (int8) - pool - conv 5x5 64 - pool - fc 512 - fc 10.
Model lenet5(const Dataset& d) {
  Builder b({1, 28, 28}, 1);
  int x = b.conv(0, 32, 5, 1, 2, true, Precision::Int8);
  x = b.simple(NodeKind::MaxPool, x, {32, 14, 14}, {2, 2, 0});
  x = b.conv(x, 64, 5, 1, 0, true, Precision::Ternary);
  x = b.simple(NodeKind::MaxPool, x, {64, 5, 5}, {2, 2, 0});
  x = b.linear(x, 512, true);
  b.linear(x, 10, false);
  return b.finish("lenet5-shape", "fashion-mnist", d);
}

Model resnet20(const Dataset& d) {
  Builder b({3, 32, 32}, 2);
  int x = b.conv(0, 16, 3, 1, 1, true, Precision::Int8);
  int ch = 16;
  for (int stage = 0; stage < 3; ++stage)
    for (int blk = 0; blk < 3; ++blk) {
      const int out = 16 << stage, stride = (stage > 0 && blk == 0) ? 2 : 1;
      const int a = b.conv(x, out, 3, stride, 1, true, Precision::Ternary);
      const int c = b.conv(a, out, 3, 1, 1, false, Precision::Ternary);
      const int s = (stride == 1 && out == ch) ? x : b.shortcut(x, out, stride);
      x = b.add(c, s);
      ch = out;
    }
  x = b.simple(NodeKind::GlobalAvgPool, x, {64, 1, 1});
  b.linear(x, 10, false);
  return b.finish("resnet20-shape", "cifar10", d);
}

nlohmann::json bench(const Model& m, const Dataset& d, int images) {
  images = std::min(images, d.n);
  std::vector<const uint8_t*> ptrs;
  for (int i = 0; i < images; ++i) ptrs.push_back(d.image(i));
  size_t macs = 0;
  for (const Node& n : m.nodes)
    if (n.kind == NodeKind::Conv || n.kind == NodeKind::Linear)
      macs += size_t(n.mm.out_ch) * n.mm.fan_in * size_t(n.shape.h) * n.shape.w;
  using clk = std::chrono::steady_clock;
  auto t0 = clk::now();
  for (int i = 0; i < images; i += 32) {
    const size_t hi = size_t(std::min(images, i + 32));
    run_network(m, std::span(ptrs).subspan(size_t(i), hi - size_t(i)));
  }
  const double t_int = std::chrono::duration<double>(clk::now() - t0).count();
  const FloatReference ref(m);
  t0 = clk::now();
  for (int i = 0; i < images; ++i) ref.run(ptrs[size_t(i)]);
  const double t_float = std::chrono::duration<double>(clk::now() - t0).count();
  const SizeReport sr = size_report(m);
  std::printf(
      "%-15s %9zu MACs/image  integer golden %8.1f images/s  float reference %8.1f images/s"
      "  file %zu B (fp32 weights / file %.1fx)\n",
      m.arch.c_str(), macs, images / t_int, images / t_float, sr.file_bytes, sr.ratio_file);
  return {{"arch", m.arch},
          {"dataset", d.name + " " + d.split},
          {"images", images},
          {"macs_per_image", macs},
          {"size", to_json(size_report(m))},
          {"golden_int_images_per_s", images / t_int},
          {"float_ref_images_per_s", images / t_float},
          {"threads", 1}};
}

int run(int argc, char** argv) {
  CLI::App app{"ttq-golden-bench: single-thread speed of the golden model and float reference"};
  std::string out = "build/reports/golden_bench.json";
  int images = 256;
  app.add_option("--json", out, "report path")->capture_default_str();
  app.add_option("--images", images, "images per network")
      ->capture_default_str()
      ->check(CLI::PositiveNumber);
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  const Dataset fm = load_dataset("fashion-mnist", "test");
  const Dataset cf = load_dataset("cifar10", "test");
  nlohmann::json r = {
      {"note", "random ternary weights, calibrated scales; speed only"},
      {"results", {bench(lenet5(fm), fm, images * 8), bench(resnet20(cf), cf, images)}}};
  write_json_atomic(out, r);
  std::printf("report: %s\n", out.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ttq::tool_main("ttq-golden-bench", run, argc, argv);
}
