// The integer golden model against the Eigen float reference on real Fashion-MNIST images: every
// node within the quantization error documented in docs/ARITHMETIC.md; evaluation and ttq-eval.
#include <catch2/catch.hpp>
#include <cmath>
#include <cstdlib>
#include <filesystem>
#include <fstream>

#include "test_models.hpp"
#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/golden.hpp"
#include "ttq/layer.hpp"
#include "ttq/model_io.hpp"

using namespace ttq;
namespace fs = std::filesystem;

namespace {

const Dataset& fmnist_test() {
  static const Dataset d = load_dataset("fashion-mnist", "test");
  return d;
}

std::vector<const uint8_t*> images(const Dataset& d, int first, int count) {
  std::vector<const uint8_t*> v;
  for (int i = first; i < first + count; ++i) v.push_back(d.image(i));
  return v;
}

// Bound, in output LSBs, on |y_int - clamp(y_real / s_out)| for one output of node n given the
// fan-in vector x (docs/ARITHMETIC.md): 0.5 rounding + (|P| + |N| + 1) * 2^-(S+1) from rounding
// Mp, Mn, B, plus float32 slack for the reference's own sums.
double matmul_bound(const Node& n, std::span<const uint8_t> x, int o) {
  const MatMulParams& p = n.mm;
  const auto row = std::span(p.weights).subspan(size_t(o) * p.fan_in, size_t(p.fan_in));
  double pn = 0, mag = 0;
  for (int k = 0; k < p.fan_in; ++k) {
    const double t = std::abs(double(row[size_t(k)])) * x[size_t(k)];
    pn += t;
  }
  const OutParams& q = p.out[size_t(o)];
  mag = (std::abs(double(q.mp)) + std::abs(double(q.mn))) * pn + std::abs(double(q.bias));
  return 0.5 + (pn + 1) * std::ldexp(1.0, -(q.shift + 1)) + 1e-5 * std::ldexp(mag, -q.shift) + 1e-3;
}

}  // namespace

TEST_CASE("every node of the integer model is within the quantization error of the float reference",
          "[reference]") {
  const Dataset& d = fmnist_test();
  const Model m = test::tiny_net(1, images(d, 100, 32));  // calibrated on other images
  const FloatReference ref(m);
  const auto imgs = images(d, 0, 24);
  const auto acts = run_network(m, imgs);
  double worst_excess = -1e9;
  size_t checked = 0, unsaturated = 0;
  for (size_t b = 0; b < imgs.size(); ++b) {
    std::vector<FloatTensor> deq;
    for (const Tensor& t : acts[b]) deq.push_back(dequantize(t));
    for (size_t i = 1; i < m.nodes.size(); ++i) {
      const Node& n = m.nodes[i];
      const FloatTensor f = ref.run_node(i, deq);  // from the same (integer) inputs
      const double lo = n.q.is_signed ? -128 : 0, hi = n.q.is_signed ? 127 : 255;
      std::vector<uint8_t> cols;
      if (n.kind == NodeKind::Conv) cols = im2col(acts[b][size_t(n.inputs[0])], n.mm);
      if (n.kind == NodeKind::Linear) cols = flatten_u8(acts[b][size_t(n.inputs[0])]);
      const size_t npix = size_t(n.shape.h) * n.shape.w;
      for (size_t k = 0; k < f.data.size(); ++k) {
        const double real = double(f.data[k]) / n.q.scale;
        const double want = std::clamp(real, lo, hi);
        double bound = 1e-3;
        switch (n.kind) {
          case NodeKind::Conv:
          case NodeKind::Linear: {
            const size_t o = k / npix, pix = k % npix;
            bound = matmul_bound(
                n, std::span(cols).subspan(pix * size_t(n.mm.fan_in), size_t(n.mm.fan_in)), int(o));
            break;
          }
          case NodeKind::AvgPool:
          case NodeKind::GlobalAvgPool:
            bound = 0.5 + 1e-3;
            break;
          case NodeKind::Add: {
            const double qa = std::abs(acts[b][size_t(n.inputs[0])].data[k]);
            const double qb = std::abs(acts[b][size_t(n.inputs[1])].data[k]);
            bound = 0.5 + (qa + qb) * std::ldexp(1.0, -(n.add.shift + 1)) + 1e-3;
            break;
          }
          default:
            break;  // max pool and shortcut are exact
        }
        const double err = std::abs(double(acts[b][i].data[k]) - want);
        worst_excess = std::max(worst_excess, err - bound);
        ++checked;
        unsaturated += real > lo && real < hi;
        if (err > bound) {
          INFO("image " << b << " node " << i << " '" << n.name << "' element " << k << ": int "
                        << acts[b][i].data[k] << " real " << real << " bound " << bound);
          REQUIRE(err <= bound);
        }
      }
    }
  }
  INFO("checked " << checked << " outputs");
  CHECK(checked > 24 * 3000);
  // The calibration keeps most outputs inside the 8-bit range: the bound is exercised, not
  // satisfied only by clamping.
  CHECK(double(unsaturated) / double(checked) > 0.3);
  CHECK(worst_excess <= 0.0);
}

TEST_CASE("float and integer predictions agree on real images", "[reference]") {
  const Dataset& d = fmnist_test();
  const Model m = test::tiny_net(2, images(d, 200, 32));
  const EvalResult r = evaluate(m, d, 300, true, 2, false);
  CHECK(r.n == 300);
  // The calibrated 8-bit network keeps the float reference's decision on most images (random
  // weights give small logit margins, so this is a loose bound; trained models do far better).
  CHECK(double(r.agree) / r.n > 0.8);
  // The count is reproducible and equals a single-threaded run image by image.
  int correct = 0;
  for (int i = 0; i < 300; ++i) correct += predict(m, d.image(i)) == d.labels[size_t(i)];
  CHECK(r.correct_int == correct);
  const FloatReference ref(m);
  int fcorrect = 0;
  for (int i = 0; i < 300; ++i) fcorrect += ref.predict(d.image(i)) == d.labels[size_t(i)];
  CHECK(r.correct_float == fcorrect);
  const EvalResult r1 = evaluate(m, d, 300, false, 1, false);
  CHECK(r1.correct_int == r.correct_int);
  CHECK(r1.correct_float == 0);
  // Wrong input shape.
  CHECK_THROWS_WITH(evaluate(m, load_dataset("cifar10", "test"), 10),
                    Catch::Matchers::Contains("3x32x32"));
}

TEST_CASE("ttq-eval reports the same accuracy as evaluate()", "[reference][cli]") {
  const Dataset& d = fmnist_test();
  const Model m = test::tiny_net(4, images(d, 300, 32));
  const test::TempDir tmp("eval");
  const fs::path& dir = tmp.path;
  save_model(dir / "tiny.ttq", m);
  const std::string cmd = std::string(TTQ_EVAL_EXE) + " --model " + (dir / "tiny.ttq").string() +
                          " --images 200 --json " + (dir / "r.json").string() + " > " +
                          (dir / "out.txt").string() + " 2>&1";
  REQUIRE(std::system(cmd.c_str()) == 0);
  std::ifstream f(dir / "r.json");
  const auto j = nlohmann::json::parse(f);
  const EvalResult r = evaluate(m, d, 200, true, 2, false);
  CHECK(j.at("images") == 200);
  CHECK(j.at("correct_int") == r.correct_int);
  CHECK(j.at("correct_float") == r.correct_float);
  CHECK(j.at("dataset") == "fashion-mnist");
  CHECK(j.at("layers").size() == m.nodes.size());
  CHECK(j.at("size").at("file_bytes") == fs::file_size(dir / "tiny.ttq"));
  // A corrupt model: exit code 1 and a message naming the file.
  auto bytes = read_file(dir / "tiny.ttq");
  bytes[bytes.size() / 2] ^= 0x10;
  write_file_atomic(dir / "bad.ttq", bytes);
  const std::string bad = std::string(TTQ_EVAL_EXE) + " --model " + (dir / "bad.ttq").string() +
                          " > " + (dir / "bad.txt").string() + " 2>&1";
  const int rc = std::system(bad.c_str());
  CHECK(WEXITSTATUS(rc) == 1);
  std::ifstream e(dir / "bad.txt");
  const std::string msg((std::istreambuf_iterator<char>(e)), {});
  CHECK(msg.find("bad.ttq: checksum mismatch") != std::string::npos);
}
