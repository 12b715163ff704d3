// ONNX export and import (importer/): the reference models round-trip .ttq -> ONNX -> .ttq
// bit-identically, and the ternary detection recovers per-layer and per-channel forms.
#include <catch2/catch.hpp>
#include <filesystem>
#include <random>

#include "ttq/calibrate.hpp"
#include "ttq/model_io.hpp"
#include "ttq/onnx/export.hpp"
#include "ttq/onnx/import.hpp"
#include "ttq/onnx/weights.hpp"

using namespace ttq;
namespace fs = std::filesystem;

namespace {

// The ONNX bytes as a reader sees them (serialize, parse), then imported with the recorded scales.
Model round_trip(const Model& m) {
  std::string bytes;
  REQUIRE(onnx_io::export_onnx(m).SerializeToString(&bytes));
  onnx::ModelProto mp;
  REQUIRE(mp.ParseFromString(bytes));
  onnx_io::ImportResult r = onnx_io::import_onnx(mp, "round trip");
  REQUIRE(r.scales_recorded);
  derive_integer_params(r.model);
  return std::move(r.model);
}

}  // namespace

TEST_CASE("reference models round-trip .ttq -> ONNX -> .ttq bit-identically", "[onnx]") {
  const fs::path models = fs::path(TTQ_SOURCE_DIR) / "models";
  int seen = 0;
  for (const auto& e : fs::directory_iterator(models)) {
    if (e.path().extension() != ".ttq") continue;
    ++seen;
    const Model a = load_model(e.path());
    const Model b = round_trip(a);
    INFO(e.path().string());
    REQUIRE(a.nodes.size() == b.nodes.size());
    for (size_t i = 0; i < a.nodes.size(); ++i) {
      const MatMulParams &p = a.nodes[i].mm, &q = b.nodes[i].mm;
      INFO("node " << i << " " << a.nodes[i].name);
      CHECK(a.nodes[i].name == b.nodes[i].name);
      CHECK(a.nodes[i].kind == b.nodes[i].kind);
      CHECK(p.precision == q.precision);
      CHECK(p.weights == q.weights);  // every ternary code / int8 weight
      CHECK(p.wp == q.wp);
      CHECK(p.wn == q.wn);
      CHECK(p.w_scale == q.w_scale);
      REQUIRE(p.out.size() == q.out.size());
      for (size_t o = 0; o < p.out.size(); ++o) {
        CHECK(p.out[o].mp == q.out[o].mp);  // every integer multiplier, bias and shift
        CHECK(p.out[o].mn == q.out[o].mn);
        CHECK(p.out[o].bias == q.out[o].bias);
        CHECK(p.out[o].shift == q.out[o].shift);
      }
      CHECK(a.nodes[i].add.ma == b.nodes[i].add.ma);
      CHECK(a.nodes[i].add.mb == b.nodes[i].add.mb);
      CHECK(a.nodes[i].add.shift == b.nodes[i].add.shift);
    }
    CHECK(serialize(a) == serialize(b));  // and the whole file
  }
  CHECK(seen >= 3);
}

TEST_CASE("N:M patterns are recorded by the export and detected without the record", "[onnx]") {
  // The LeNet-5 reference made 2:4: in every group of 4 the 2 later nonzeros of each output are zeroed.
  Model m = load_model(fs::path(TTQ_SOURCE_DIR) / "models" / "lenet5-fashion-mnist.ttq");
  int made = 0;
  for (Node& n : m.nodes) {
    MatMulParams& p = n.mm;
    if ((n.kind != NodeKind::Conv && n.kind != NodeKind::Linear) || p.precision != Precision::Ternary) continue;
    for (int o = 0; o < p.out_ch; ++o)
      for (int k0 = 0; k0 < p.fan_in; k0 += 4) {
        int nz = 0;
        for (int k = k0; k < std::min(p.fan_in, k0 + 4); ++k) {
          int8_t& w = p.weights[size_t(o) * p.fan_in + k];
          if (w != 0 && ++nz > 2) w = 0;
        }
      }
    p.nm = {2, 4};
    ++made;
  }
  REQUIRE(made == 3);
  const Model b = round_trip(m);
  for (size_t i = 0; i < m.nodes.size(); ++i) CHECK(b.nodes[i].mm.nm == m.nodes[i].mm.nm);
  // Without the record (an ONNX file from elsewhere), the tightest pattern that holds is found,
  // and an unstructured layer stays unstructured.
  MatMulParams q = m.nodes[3].mm;
  q.nm = {};
  CHECK(onnx_io::detect_nm(q, "").find("2:4") != std::string::npos);
  CHECK(q.nm == NmPattern{2, 4});
  const Model orig = load_model(fs::path(TTQ_SOURCE_DIR) / "models" / "lenet5-fashion-mnist.ttq");
  MatMulParams u = orig.nodes[3].mm;
  CHECK(onnx_io::detect_nm(u, "").empty());
  CHECK(u.nm == NmPattern{});
  // A record the weights break is an error naming the group.
  CHECK_THROWS_WITH(onnx_io::detect_nm(u, "2:4"), Catch::Contains("group"));
}

TEST_CASE("ternary detection: per layer, per channel with signed scales, refusal", "[onnx]") {
  std::mt19937 rng(12);
  std::uniform_int_distribution<int> code(-1, 1);
  const int oc = 6, fan = 40;
  const float wp = 0.31f, wn = 0.27f;
  std::vector<int8_t> codes(size_t(oc * fan));
  for (auto& c : codes) c = int8_t(code(rng));
  const std::vector<float> scale = {1.0f, 0.5f, -2.0f, 3.25f, -0.75f, 1.5f};  // BN-folded rows
  std::vector<float> w(codes.size());
  for (int o = 0; o < oc; ++o)
    for (int k = 0; k < fan; ++k) {
      const int8_t c = codes[size_t(o * fan + k)];
      w[size_t(o * fan + k)] = scale[size_t(o)] * (c > 0 ? wp : c < 0 ? -wn : 0.0f);
    }
  MatMulParams p;
  p.out_ch = oc, p.fan_in = fan;
  p.a.assign(size_t(oc), 1.0f);
  std::string how, bad;
  REQUIRE(onnx_io::make_ternary(w, p, 1e-6, how, bad));
  CHECK(how.find("per output channel") != std::string::npos);
  CHECK(p.wp == wp);  // channel 0 has scale 1: Wp, Wn exactly
  CHECK(p.wn == wn);
  for (int o = 0; o < oc; ++o)
    for (int k = 0; k < fan; ++k) {
      const int8_t c = p.weights[size_t(o * fan + k)];
      const float back = p.a[size_t(o)] * (c > 0 ? p.wp : c < 0 ? -p.wn : 0.0f);
      CHECK(back == Approx(w[size_t(o * fan + k)]).epsilon(1e-6));
    }
  w[3] = 0.9f * wp;  // a fourth value in channel 0
  MatMulParams r = p;
  r.a.assign(size_t(oc), 1.0f);
  CHECK_FALSE(onnx_io::make_ternary(w, r, 1e-6, how, bad));
  CHECK(bad.find("output channel 0") != std::string::npos);
}
