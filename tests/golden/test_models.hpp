// Small models built by hand for the golden tests: a minimal one for byte-level file checks and a
// calibrated network using every node kind, exported with the same helpers the trainer uses.
#pragma once

#include <algorithm>
#include <cmath>
#include <filesystem>
#include <random>
#include <string>

#include "ttq/golden.hpp"
#include "ttq/model.hpp"

namespace ttq::test {

// A fresh temporary directory, removed when the test ends (also when it fails).
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag)
      : path(std::filesystem::temp_directory_path() /
             ("ttq-test-" + tag + "-" + std::to_string(std::random_device{}()))) {
    std::filesystem::create_directories(path);
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
};

// Input 1x2x2 -> Linear ternary (fan_in 4) -> 3 signed logits. 12 codes, packed into 3 bytes.
inline Model tiny_linear() {
  Model m;
  m.arch = "tiny";
  m.dataset = "unit";
  m.num_classes = 3;
  Node in;
  in.kind = NodeKind::Input;
  in.name = "in";
  in.shape = {1, 2, 2};
  in.q = {1.0f / 255, false};
  Node fc;
  fc.kind = NodeKind::Linear;
  fc.name = "fc";
  fc.inputs = {0};
  fc.shape = {3, 1, 1};
  fc.q = {0.05f, true};
  fc.mm.precision = Precision::Ternary;
  fc.mm.out_ch = 3;
  fc.mm.fan_in = 4;
  fc.mm.relu = false;
  fc.mm.weights = {1, 0, -1, 1, -1, -1, 0, 0, 0, 1, 1, -1};
  fc.mm.wp = 0.75f;
  fc.mm.wn = 1.25f;
  fc.mm.a = {1.0f, 0.5f, -2.0f};
  fc.mm.b = {0.1f, -0.2f, 0.0f};
  for (int o = 0; o < 3; ++o)
    fc.mm.out.push_back(quantize_out_params(fc.mm.a[size_t(o)], fc.mm.b[size_t(o)], fc.mm.wp,
                                            fc.mm.wn, in.q.scale, fc.q.scale));
  m.nodes = {in, fc};
  return m;
}

namespace detail {
inline Node matmul(NodeKind k, const std::string& name, int input, Shape shape, Precision prec,
                   int in_c, int kh, int stride, int pad, bool relu, std::mt19937& rng) {
  Node n;
  n.kind = k;
  n.name = name;
  n.inputs = {input};
  n.shape = shape;
  n.q = {1.0f, !relu};
  MatMulParams& p = n.mm;
  p.precision = prec;
  p.out_ch = shape.c;
  p.fan_in = in_c * kh * kh;
  p.kh = p.kw = kh;
  p.stride = stride;
  p.pad = pad;
  p.relu = relu;
  std::uniform_real_distribution<float> u(0.0f, 1.0f);
  std::uniform_int_distribution<int> w8(-127, 127);
  for (int i = 0; i < p.out_ch * p.fan_in; ++i) {
    if (prec == Precision::Int8) {
      p.weights.push_back(int8_t(w8(rng)));
    } else {
      const float r = u(rng);
      p.weights.push_back(r < 0.4f ? 0 : r < 0.7f ? 1 : -1);
    }
  }
  const float fan_scale = 1.0f / std::sqrt(float(p.fan_in));
  p.wp = (0.6f + u(rng)) * fan_scale;
  p.wn = (0.6f + u(rng)) * fan_scale;
  for (int o = 0; o < p.out_ch; ++o) {
    if (prec == Precision::Int8) p.w_scale.push_back((0.5f + u(rng)) * fan_scale / 127.0f);
    // One channel with a negative BN scale: the multipliers change sign.
    p.a.push_back(o == 1 ? -(0.5f + u(rng)) : 0.5f + u(rng));
    p.b.push_back(0.3f * (u(rng) - 0.4f));
    p.out.push_back({});
  }
  return n;
}
}  // namespace detail

// Input 1x28x28 -> conv1 int8 3x3 p1 (4, relu) -> maxpool 2 -> conv2 ternary 3x3 s2 p1 (8, relu)
//   -> add(conv2, shortcutA(pool1)) relu -> conv3 ternary 3x3 p1 (8, relu) -> avgpool 3 s2 p1
//   -> global avg pool -> fc ternary (10, signed logits).
// Random weights from `seed`; activation scales calibrated on `calib` images (max over them),
// then output parameters exported with quantize_out_params / quantize_add.
inline Model tiny_net(uint32_t seed, const std::vector<const uint8_t*>& calib) {
  using detail::matmul;
  std::mt19937 rng(seed);
  Model m;
  m.arch = "tinynet";
  m.dataset = "fashion-mnist";
  m.num_classes = 10;
  Node in;
  in.kind = NodeKind::Input;
  in.name = "input";
  in.shape = {1, 28, 28};
  in.q = {1.0f / 255, false};
  m.nodes.push_back(in);
  m.nodes.push_back(
      matmul(NodeKind::Conv, "conv1", 0, {4, 28, 28}, Precision::Int8, 1, 3, 1, 1, true, rng));
  Node pool;
  pool.kind = NodeKind::MaxPool;
  pool.name = "pool1";
  pool.inputs = {1};
  pool.shape = {4, 14, 14};
  pool.pool = {2, 2, 0};
  m.nodes.push_back(pool);
  m.nodes.push_back(
      matmul(NodeKind::Conv, "conv2", 2, {8, 7, 7}, Precision::Ternary, 4, 3, 2, 1, true, rng));
  Node sc;
  sc.kind = NodeKind::ShortcutA;
  sc.name = "short";
  sc.inputs = {2};
  sc.shape = {8, 7, 7};
  sc.sc.stride = 2;
  m.nodes.push_back(sc);
  Node add;
  add.kind = NodeKind::Add;
  add.name = "add";
  add.inputs = {3, 4};
  add.shape = {8, 7, 7};
  add.add.relu = true;
  m.nodes.push_back(add);
  m.nodes.push_back(
      matmul(NodeKind::Conv, "conv3", 5, {8, 7, 7}, Precision::Ternary, 8, 3, 1, 1, true, rng));
  Node ap;
  ap.kind = NodeKind::AvgPool;
  ap.name = "avgpool";
  ap.inputs = {6};
  ap.shape = {8, 4, 4};
  ap.pool = {3, 2, 1};
  m.nodes.push_back(ap);
  Node gap;
  gap.kind = NodeKind::GlobalAvgPool;
  gap.name = "gap";
  gap.inputs = {7};
  gap.shape = {8, 1, 1};
  m.nodes.push_back(gap);
  Node fc =
      matmul(NodeKind::Linear, "fc", 8, {10, 1, 1}, Precision::Ternary, 8, 1, 1, 0, false, rng);
  m.nodes.push_back(fc);

  // Calibrate: the float reference ignores q (except the input's) and the integer parameters.
  calibrate_max_abs(m, calib);
  return m;
}

}  // namespace ttq::test
