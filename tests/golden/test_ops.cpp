// Layer ops of the golden model: im2col against a direct convolution, pooling, add, shortcut on
// hand-worked data, and the batched network run with its hook.
#include <catch2/catch.hpp>
#include <random>
#include <vector>

#include "test_models.hpp"
#include "ttq/dataset.hpp"
#include "ttq/golden.hpp"
#include "ttq/layer.hpp"
#include "ttq/model_io.hpp"

using namespace ttq;

namespace {

Tensor tensor(Shape s, std::vector<int32_t> d, bool is_signed = false) {
  return Tensor{s, QuantInfo{0.1f, is_signed}, std::move(d)};
}

Tensor random_tensor(Shape s, std::mt19937& rng) {
  std::uniform_int_distribution<int> u(0, 255);
  Tensor t{s, {}, std::vector<int32_t>(s.size())};
  for (auto& v : t.data) v = u(rng);
  return t;
}

// A one-op model: Input of shape `in` followed by node n (inputs {0} or {0, 0}).
Model one_op(Shape in, Node n, bool in_signed = false) {
  Model m;
  m.num_classes = int(n.shape.size());
  Node i;
  i.kind = NodeKind::Input;
  i.name = "in";
  i.shape = in;
  i.q = {0.1f, in_signed};
  n.name = "op";
  if (n.inputs.empty()) n.inputs = {0};
  m.nodes = {i, n};
  return m;
}

Tensor run_one(const Model& m, const Tensor& x) {
  std::vector<Tensor> acts{x};
  return run_node(m, 1, acts);
}

}  // namespace

TEST_CASE("im2col matches a direct convolution", "[ops]") {
  std::mt19937 rng(7);
  struct Cfg {
    Shape in;
    int kh, kw, stride, pad;
  };
  for (const Cfg c : {Cfg{{3, 7, 6}, 3, 2, 2, 1}, Cfg{{2, 5, 5}, 1, 1, 1, 0},
                      Cfg{{1, 4, 9}, 3, 3, 1, 2}, Cfg{{4, 8, 8}, 5, 5, 3, 0}}) {
    const Tensor x = random_tensor(c.in, rng);
    MatMulParams p;
    p.kh = c.kh, p.kw = c.kw, p.stride = c.stride, p.pad = c.pad;
    p.out_ch = 3;
    p.fan_in = c.in.c * c.kh * c.kw;
    const Shape o = conv_out_shape(c.in, p);
    const std::vector<uint8_t> cols = im2col(x, p);
    REQUIRE(cols.size() == size_t(o.h) * o.w * p.fan_in);
    std::uniform_int_distribution<int> wd(-3, 3);
    std::vector<int> w(size_t(p.out_ch) * p.fan_in);
    for (auto& v : w) v = wd(rng);
    for (int oc = 0; oc < p.out_ch; ++oc)
      for (int y = 0; y < o.h; ++y)
        for (int xx = 0; xx < o.w; ++xx) {
          // Direct convolution, indexing the input tensor itself.
          long direct = 0;
          for (int ch = 0; ch < c.in.c; ++ch)
            for (int i = 0; i < c.kh; ++i)
              for (int j = 0; j < c.kw; ++j) {
                const int iy = y * c.stride - c.pad + i, ix = xx * c.stride - c.pad + j;
                if (iy < 0 || ix < 0 || iy >= c.in.h || ix >= c.in.w) continue;
                direct += long(w[size_t(oc) * p.fan_in + size_t((ch * c.kh + i) * c.kw + j)]) *
                          x.data[(size_t(ch) * c.in.h + iy) * c.in.w + ix];
              }
          long via = 0;
          const uint8_t* v = cols.data() + (size_t(y) * o.w + xx) * p.fan_in;
          for (int k = 0; k < p.fan_in; ++k) via += long(w[size_t(oc) * p.fan_in + k]) * v[k];
          REQUIRE(via == direct);
        }
  }
  // An activation outside uint8 cannot enter the array.
  Tensor bad = tensor({1, 2, 2}, {0, 1, 256, 3});
  MatMulParams p;
  p.kh = p.kw = 1, p.out_ch = 1, p.fan_in = 1;
  CHECK_THROWS_WITH(im2col(bad, p), Catch::Matchers::Contains("256"));
}

TEST_CASE("conv and linear nodes equal a direct computation through output_step", "[ops]") {
  std::mt19937 rng(11);
  Node n;
  n.kind = NodeKind::Conv;
  n.shape = {2, 3, 3};
  n.q = {0.1f, true};
  n.mm.precision = Precision::Int8;
  n.mm.out_ch = 2, n.mm.fan_in = 2 * 9, n.mm.kh = n.mm.kw = 3, n.mm.stride = 2, n.mm.pad = 1;
  std::uniform_int_distribution<int> wd(-128, 127);
  for (int k = 0; k < 2 * 18; ++k) n.mm.weights.push_back(int8_t(wd(rng)));
  n.mm.w_scale = {1.0f, 1.0f};
  n.mm.a = {1.0f, 1.0f};
  n.mm.b = {0.0f, 0.0f};
  n.mm.out = {OutParams{3, 0, -500, 9}, OutParams{-2, 0, 77, 8}};
  const Model m = one_op({2, 5, 6}, n);
  validate(m);
  const Tensor x = random_tensor({2, 5, 6}, rng);
  const Tensor y = run_one(m, x);
  REQUIRE(y.shape == Shape{2, 3, 3});
  for (int oc = 0; oc < 2; ++oc)
    for (int oy = 0; oy < 3; ++oy)
      for (int ox = 0; ox < 3; ++ox) {
        int64_t acc = 0;
        for (int c = 0; c < 2; ++c)
          for (int i = 0; i < 3; ++i)
            for (int j = 0; j < 3; ++j) {
              const int iy = oy * 2 - 1 + i, ix = ox * 2 - 1 + j;
              if (iy < 0 || ix < 0 || iy >= 5 || ix >= 6) continue;
              acc += int64_t{n.mm.weights[size_t(oc) * 18 + size_t((c * 3 + i) * 3 + j)]} *
                     x.data[(size_t(c) * 5 + iy) * 6 + ix];
            }
        const OutParams& o = n.mm.out[size_t(oc)];
        const int64_t want = std::clamp<int64_t>(
            (acc * o.mp + o.bias + (int64_t{1} << (o.shift - 1))) >> o.shift, -128, 127);
        REQUIRE(y.data[(size_t(oc) * 3 + oy) * 3 + ox] == want);
      }
  // Linear over a CHW tensor: the flattening order is c, h, w.
  const Model lin = test::tiny_linear();
  const Tensor xi = tensor({1, 2, 2}, {10, 20, 30, 40});
  const Tensor yl = run_one(lin, xi);
  for (int o = 0; o < 3; ++o) {
    int64_t p = 0, nn = 0;
    for (int k = 0; k < 4; ++k) {
      const int8_t c = lin.nodes[1].mm.weights[size_t(o * 4 + k)];
      if (c > 0) p += xi.data[size_t(k)];
      if (c < 0) nn += xi.data[size_t(k)];
    }
    CHECK(yl.data[size_t(o)] == output_step(p, nn, lin.nodes[1].mm.out[size_t(o)], false));
  }
}

TEST_CASE("max pool on hand-worked data, with and without padding", "[ops]") {
  const std::vector<int32_t> d{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  Node n;
  n.kind = NodeKind::MaxPool;
  n.pool = {2, 2, 0};
  n.shape = {1, 2, 2};
  n.q = {0.1f, false};
  CHECK(run_one(one_op({1, 4, 4}, n), tensor({1, 4, 4}, d)).data ==
        std::vector<int32_t>{6, 8, 14, 16});
  // Padded positions are ignored, not read as 0: on all-negative data every window's max is
  // negative. Windows rows/cols -1..1, -1..1 -> max(-1,-2,-5,-6) = -1; (0,1) -> -2; (1,0) -> -5;
  // (1,1) rows/cols 1..3 -> -6.
  n.pool = {3, 2, 1};
  n.q.is_signed = true;
  auto neg = d;
  for (auto& v : neg) v = -v;
  CHECK(run_one(one_op({1, 4, 4}, n, true), tensor({1, 4, 4}, neg, true)).data ==
        std::vector<int32_t>{-1, -2, -5, -6});
}

TEST_CASE("average pools round half up for both signs", "[ops]") {
  const std::vector<int32_t> d{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16};
  Node n;
  n.kind = NodeKind::AvgPool;
  n.pool = {2, 2, 0};
  n.shape = {1, 2, 2};
  n.q = {0.1f, false};
  // means 3.5, 5.5, 11.5, 13.5
  CHECK(run_one(one_op({1, 4, 4}, n), tensor({1, 4, 4}, d)).data ==
        std::vector<int32_t>{4, 6, 12, 14});
  auto neg = d;
  for (auto& v : neg) v = -v;
  n.q.is_signed = true;
  // means -3.5, -5.5, -11.5, -13.5 -> half up -3, -5, -11, -13
  CHECK(run_one(one_op({1, 4, 4}, n, true), tensor({1, 4, 4}, neg, true)).data ==
        std::vector<int32_t>{-3, -5, -11, -13});
  // Padding counts as zeros in the divisor k*k: (0,0) = (1+2+5+6)/9 = 1.56 -> 2;
  // (0,1) = (2+3+4+6+7+8)/9 = 3.33 -> 3; (1,0) = (5+6+9+10+13+14)/9 = 6.33 -> 6;
  // (1,1) = (6+7+8+10+11+12+14+15+16)/9 = 11
  n.pool = {3, 2, 1};
  n.q.is_signed = false;
  CHECK(run_one(one_op({1, 4, 4}, n), tensor({1, 4, 4}, d)).data ==
        std::vector<int32_t>{2, 3, 6, 11});
  Node g;
  g.kind = NodeKind::GlobalAvgPool;
  g.shape = {3, 1, 1};
  g.q = {0.1f, true};
  // channel means 2.5 -> 3, -2.5 -> -2, 0.25 -> 0
  CHECK(run_one(one_op({3, 2, 2}, g, true),
                tensor({3, 2, 2}, {1, 2, 3, 4, -1, -2, -3, -4, 0, 0, 0, 1}, true))
            .data == std::vector<int32_t>{3, -2, 0});
}

TEST_CASE("residual add: rescale, rounding, relu, saturation", "[ops]") {
  Model m = one_op({1, 1, 4}, Node{});
  Node& n = m.nodes[1];
  n.kind = NodeKind::Add;
  n.inputs = {0, 0};
  n.shape = {1, 1, 4};
  n.add = {3, -2, 2, false};
  n.q = {0.1f, true};
  m.num_classes = 4;
  // qa = qb = x: (3 - 2) x / 4 = x / 4
  CHECK(run_one(m, tensor({1, 1, 4}, {2, 6, 10, 255})).data == std::vector<int32_t>{1, 2, 3, 64});
  // Two different operands: a 3-node graph whose second node is a 1x1 max pool (a copy).
  Model m2 = m;
  Node cp;
  cp.kind = NodeKind::MaxPool;
  cp.name = "copy";
  cp.inputs = {0};
  cp.pool = {1, 1, 0};
  cp.shape = {1, 1, 4};
  cp.q = m.nodes[0].q;
  m2.nodes = {m.nodes[0], cp, m.nodes[1]};
  m2.nodes[2].inputs = {0, 1};
  validate(m2);
  std::vector<Tensor> acts{tensor({1, 1, 4}, {10, 1, 255, 0}), tensor({1, 1, 4}, {5, 3, 0, 255})};
  // 3*10 - 2*5 = 20 -> 5; 3 - 6 = -3 -> -0.75 -> -1; 765/4 = 191.25 -> saturates at 127;
  // -510/4 = -127.5 -> rounds half up to -127
  CHECK(run_node(m2, 2, acts).data == std::vector<int32_t>{5, -1, 127, -127});
  acts[1].data[3] = 256 / 2 + 1;  // -2*129 = -258 -> -64.5 -> -64
  CHECK(run_node(m2, 2, acts).data[3] == -64);
  m2.nodes[2].add = {32767, 32767, 0, false};  // saturation both ways at shift 0
  acts = {tensor({1, 1, 4}, {1, 0, 255, 0}), tensor({1, 1, 4}, {0, 0, 255, 0})};
  CHECK(run_node(m2, 2, acts).data == std::vector<int32_t>{127, 0, 127, 0});
  m2.nodes[2].add = {-32768, 0, 0, false};
  CHECK(run_node(m2, 2, acts).data == std::vector<int32_t>{-128, 0, -128, 0});
  m2.nodes[2].add = {3, -2, 2, false};
  acts = {tensor({1, 1, 4}, {10, 1, 255, 0}), tensor({1, 1, 4}, {5, 3, 0, 255})};
  m2.nodes[2].add.relu = true;
  CHECK(run_node(m2, 2, acts).data == std::vector<int32_t>{5, 0, 191, 0});
}

TEST_CASE("option-A shortcut: subsample by stride, zero-pad channels evenly", "[ops]") {
  Node n;
  n.kind = NodeKind::ShortcutA;
  n.sc.stride = 2;
  n.shape = {6, 2, 2};
  n.q = {0.1f, false};
  std::vector<int32_t> d(2 * 3 * 3);
  for (size_t k = 0; k < d.size(); ++k) d[k] = int32_t(k + 1);
  // channel 0: 1..9 -> rows/cols 0,2 -> 1,3,7,9; channel 1: 10..18 -> 10,12,16,18
  const Tensor y = run_one(one_op({2, 3, 3}, n), tensor({2, 3, 3}, d));
  CHECK(y.data == std::vector<int32_t>{0,  0,  0,  0,  0, 0, 0, 0, 1, 3, 7, 9,
                                       10, 12, 16, 18, 0, 0, 0, 0, 0, 0, 0, 0});
  n.sc.stride = 1;
  n.shape = {2, 3, 3};
  CHECK(run_one(one_op({2, 3, 3}, n), tensor({2, 3, 3}, d)).data == d);
}

TEST_CASE("batched run_network: hook sees all im2col vectors, results as unbatched", "[ops]") {
  const Dataset ds = head(load_dataset("fashion-mnist", "test"), 8);
  std::vector<const uint8_t*> imgs;
  for (int i = 0; i < ds.n; ++i) imgs.push_back(ds.image(i));
  const Model m = test::tiny_net(3, imgs);
  const auto plain = run_network(m, imgs);
  REQUIRE(plain.size() == 8);
  // Batched results equal single-image runs.
  for (int i = 0; i < 8; ++i) {
    const uint8_t* one[1] = {imgs[size_t(i)]};
    const auto r = run_network(m, one);
    for (size_t k = 0; k < m.nodes.size(); ++k) REQUIRE(r[0][k].data == plain[size_t(i)][k].data);
    CHECK(predict(m, imgs[size_t(i)]) == argmax(plain[size_t(i)].back().data));
  }
  // A hook that computes the matmul itself (as the RTL would) gives identical results.
  std::vector<int> seen;
  auto hook = [&](int idx, const Node& n, std::span<const uint8_t> v, int nvec,
                  std::span<int32_t> y) {
    seen.push_back(idx);
    const int per = n.kind == NodeKind::Conv ? n.shape.h * n.shape.w : 1;
    REQUIRE(nvec == 8 * per);
    REQUIRE(v.size() == size_t(nvec) * size_t(n.mm.fan_in));
    REQUIRE(y.size() == size_t(nvec) * size_t(n.mm.out_ch));
    if (n.mm.precision != Precision::Ternary) return false;  // int8 stays on the host
    for (int k = 0; k < nvec; ++k)
      ternary_matvec(n.mm.weights, n.mm.out_ch, n.mm.fan_in,
                     v.subspan(size_t(k) * n.mm.fan_in, size_t(n.mm.fan_in)), n.mm.out, n.mm.relu,
                     y.subspan(size_t(k) * n.mm.out_ch, size_t(n.mm.out_ch)));
    return true;
  };
  const auto hooked = run_network(m, imgs, hook);
  CHECK(seen == std::vector<int>{1, 3, 6, 9});
  for (int i = 0; i < 8; ++i)
    for (size_t k = 0; k < m.nodes.size(); ++k)
      REQUIRE(hooked[size_t(i)][k].data == plain[size_t(i)][k].data);
  // The hook's outputs are what the network uses: a hook that zeroes conv3 changes downstream.
  auto zero = [&](int idx, const Node&, std::span<const uint8_t>, int, std::span<int32_t> y) {
    if (idx != 6) return false;
    std::fill(y.begin(), y.end(), 0);
    return true;
  };
  const auto z = run_network(m, imgs, zero);
  for (int i = 0; i < 8; ++i) {
    CHECK(std::all_of(z[size_t(i)][6].data.begin(), z[size_t(i)][6].data.end(),
                      [](int v) { return v == 0; }));
    CHECK(z[size_t(i)][5].data == plain[size_t(i)][5].data);
  }
  // Image-major then pixel order: vector 0 of image 1 in the batch is conv1's first pixel of
  // imgs[1].
  auto order = [&](int idx, const Node& n, std::span<const uint8_t> v, int, std::span<int32_t>) {
    if (idx == 1) {
      const size_t per = size_t(n.shape.h) * n.shape.w * size_t(n.mm.fan_in);
      const auto expect = im2col(input_tensor(m, imgs[1]), n.mm);
      REQUIRE(std::equal(expect.begin(), expect.end(), v.begin() + ptrdiff_t(per)));
    }
    return false;
  };
  run_network(m, imgs, order);
}

TEST_CASE("argmax ties go to the lowest index", "[ops]") {
  CHECK(argmax(std::vector<int32_t>{3, 7, 7, 1}) == 1);
  CHECK(argmax(std::vector<int32_t>{-5, -5}) == 0);
  CHECK(argmax(std::vector<float>{0.5f, 0.25f, 0.5f}) == 0);
  CHECK_THROWS(argmax(std::vector<int32_t>{}));
}
