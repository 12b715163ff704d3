// End to end on the Verilated RTL: the committed trained lenet5 (models/lenet5-fashion-mnist.ttq)
// on real Fashion-MNIST test images; a resnet20 stand-in on CIFAR-10 for the residual adds (built
// here with the golden export helpers, ttq/e2e/test_model.hpp); the checker's failure path and
// waveform reproduction (the FST file is read back with the FST reader Verilator ships).
#include <catch2/catch.hpp>

#include <filesystem>
#include <map>
#include <random>
#include <string>
#include <vector>

#include "gtkwave/fstapi.h"

#include "ttq/dataset.hpp"
#include "ttq/e2e/e2e.hpp"
#include "ttq/e2e/test_model.hpp"
#include "ttq/golden.hpp"
#include "ttq/model_io.hpp"

namespace fs = std::filesystem;
using namespace ttq;

namespace {

struct TempDir {
  fs::path path = fs::temp_directory_path() / ("ttq-e2e-" + std::to_string(std::random_device{}()));
  TempDir() { fs::create_directories(path); }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

// The committed trained model (trainer/, docs/TRAINER.md); load_model throws naming the file if
// it is missing or corrupt.
const Model& lenet5() {
  static const Model m = load_model(fs::path(TTQ_SOURCE_DIR) / "models" / "lenet5-fashion-mnist.ttq");
  return m;
}

const Dataset& fmnist_test() {
  static const Dataset d = load_dataset("fashion-mnist", "test");
  return d;
}

e2e::SimConfig config(int images) {
  e2e::SimConfig c;
  c.model_path = "lenet5";
  c.images = images;
  c.threads = 2;
  c.batch = 64;
  c.progress = false;
  return c;
}

// What an FST waveform holds: every variable's full name and bit width, the end time, and per
// variable how many value changes it has.
struct FstContents {
  uint64_t end_time = 0;
  std::map<std::string, fstHandle> vars;
  std::map<fstHandle, int64_t> changes;
};

FstContents read_fst(const fs::path& f) {
  FstContents c;
  void* ctx = fstReaderOpen(f.c_str());
  REQUIRE(ctx != nullptr);
  c.end_time = fstReaderGetEndTime(ctx);
  std::vector<std::string> scope;
  while (const fstHier* h = fstReaderIterateHier(ctx)) {
    if (h->htyp == FST_HT_SCOPE) {
      scope.push_back(h->u.scope.name);
    } else if (h->htyp == FST_HT_UPSCOPE) {
      if (!scope.empty()) scope.pop_back();
    } else if (h->htyp == FST_HT_VAR) {
      std::string name;
      for (const auto& s : scope) name += s + ".";
      std::string v = h->u.var.name;  // "acc [31:0]" for a vector: keep the name
      if (const size_t sp = v.find(' '); sp != std::string::npos) v.resize(sp);
      c.vars.emplace(name + v, h->u.var.handle);
    }
  }
  fstReaderSetFacProcessMaskAll(ctx);
  fstReaderIterBlocks(
      ctx,
      [](void* user, uint64_t, fstHandle fac, const unsigned char*) {
        ++(*static_cast<std::map<fstHandle, int64_t>*>(user))[fac];
      },
      &c.changes, nullptr);
  fstReaderClose(ctx);
  return c;
}

// At most n nonzeros in every group of m consecutive inputs of every output.
bool is_nm(const std::vector<int8_t>& codes, int out_ch, int fan_in, int n, int m) {
  for (int o = 0; o < out_ch; ++o)
    for (int k0 = 0; k0 < fan_in; k0 += m) {
      int nz = 0;
      for (int k = k0; k < std::min(fan_in, k0 + m); ++k) nz += codes[size_t(o) * fan_in + k] != 0;
      if (nz > n) return false;
    }
  return true;
}
}  // namespace

TEST_CASE("trained lenet5 on 300 Fashion-MNIST test images: RTL bit-exact, RTL accuracy == golden accuracy") {
  const Model& m = lenet5();
  const Dataset& d = fmnist_test();
  const nlohmann::json r = e2e::run_sim(m, d, config(300));
  INFO(r["accuracy"].dump());
  CHECK(r["images"] == 300);
  CHECK(r["mismatches"] == 0);
  CHECK(r["rtl_equals_golden"] == true);
  CHECK(r["correct"]["rtl"] == r["correct"]["golden"]);
  // The golden accuracy agrees with the golden model's own evaluator on the same images.
  const EvalResult ev = evaluate(m, head(d, 300), 300, false, 2);
  CHECK(r["correct"]["golden"].get<int>() == ev.correct_int);
  // The trained model's accuracy (92.3% on the whole test set, docs/TRAINER.md): a wrong
  // layer, a mis-wired host op or a broken checker would not reach it.
  CHECK(r["accuracy"]["rtl"].get<double>() > 0.85);
  CHECK(r["accuracy"]["float"].get<double>() > 0.85);
  // Every ternary layer ran on the RTL with a sane schedule.
  int ternary = 0;
  for (const Node& n : m.nodes)
    ternary += (n.kind == NodeKind::Conv || n.kind == NodeKind::Linear) && n.mm.precision == Precision::Ternary;
  REQUIRE(r["layers"].size() == size_t(ternary));
  for (const auto& l : r["layers"]) {
    INFO(l.dump());
    CHECK(l["vectors"].get<int64_t>() == 300 * l["vectors_per_image"].get<int64_t>());
    CHECK(l["utilization"].get<double>() > 0.0);
    CHECK(l["utilization"].get<double>() <= 1.0);
    CHECK(l["cycles"].get<double>() >= l["ideal_cycles"].get<double>());
    CHECK(l["speedup_vs_dense"].get<double>() >= 1.0);  // never slower than processing every weight
    // A 2:4 layer takes one step per window: at most 0.55x the dense schedule's cycles.
    const Node& n = m.nodes[l["node"].get<size_t>()];
    if (is_nm(n.mm.weights, n.mm.out_ch, n.mm.fan_in, 2, 4)) CHECK(l["speedup_vs_dense"].get<double>() >= 1.0 / 0.55);
  }
  CHECK(r["per_image"]["cycles"].get<double>() > 0);
}

TEST_CASE("the first image and the tail of the set give the same result one at a time") {
  // Cycle counts depend on the batch, outputs do not: image 9999 alone on one thread.
  const Dataset& d = fmnist_test();
  e2e::SimConfig c = config(0);
  c.image = d.n - 1;
  c.threads = 1;
  const nlohmann::json r = e2e::run_sim(lenet5(), d, c);
  CHECK(r["images"] == 1);
  CHECK(r["first_image"] == d.n - 1);
  CHECK(r["correct"]["rtl"] == r["correct"]["golden"]);
}

TEST_CASE("resnet20 on CIFAR-10 images with residual adds: RTL bit-exact") {
  const Dataset test = load_dataset("cifar10", "test");
  const Model m = e2e::make_test_model("resnet20", head(load_dataset("cifar10", "heldout"), 300));
  e2e::SimConfig c = config(4);
  c.batch = 2;
  const nlohmann::json r = e2e::run_sim(m, test, c);
  CHECK(r["mismatches"] == 0);
  CHECK(r["correct"]["rtl"] == r["correct"]["golden"]);
  CHECK(r["layers"].size() == 19);  // 18 block convs + fc
  int adds = 0;
  for (const auto& h : r["host_nodes"]) adds += h["kind"] == "Add";
  CHECK(adds == 9);
}

TEST_CASE("an RTL output that differs stops the run naming image, layer, values and a reproduce command") {
  e2e::SimConfig c = config(8);
  c.fault_image = 5;
  c.fault_layer = "conv2";
  c.model_path = "m.ttq";
  try {
    e2e::run_sim(lenet5(), fmnist_test(), c);
    FAIL("no mismatch reported");
  } catch (const e2e::Mismatch& e) {
    const std::string w = e.what();
    INFO(w);
    CHECK(w.find("image 5 ") != std::string::npos);
    CHECK(w.find("layer 'conv2'") != std::string::npos);
    CHECK(w.find("output pixel (0,0), output channel 0") != std::string::npos);
    CHECK(w.find("expected") != std::string::npos);
    CHECK(w.find("--model m.ttq --dataset fashion-mnist --split test --image 5 --threads 1 --layer conv2 --trace-dir") !=
          std::string::npos);
  }
}

// This used to hang (asleep on a mutex) in the worker's destructor after the traced model was
// gone: Verilator's per-thread current context dangled (fixed in AccelSim, sim/src/accel_sim.cpp).
TEST_CASE("tracing one image and one layer writes only that layer's waveform") {
  TempDir t;
  e2e::SimConfig c = config(0);
  c.image = 7;
  c.threads = 1;
  c.layer = "fc2";
  c.trace_dir = t.path.string();
  const nlohmann::json r = e2e::run_sim(lenet5(), fmnist_test(), c);
  CHECK(r["mismatches"] == 0);
  CHECK(r["correct"]["rtl"] == r["correct"]["golden"]);
  const fs::path f = t.path / "fc2-image7.fst";
  REQUIRE(fs::exists(f));
  CHECK(fs::file_size(f) > 1000);
  CHECK(std::distance(fs::directory_iterator(t.path), fs::directory_iterator{}) == 1);
  // A viewable waveform of the array running fc2: the top ports and PE internals, a clock that
  // toggles over the whole layer (2 time units per cycle) and the result stream's beats.
  const FstContents w = read_fst(f);
  INFO(w.vars.size() << " variables, end time " << w.end_time);
  // Scopes: the model's instance name (AccelSim: "ttq_accel") holds the ports, then the design.
  auto var = [&](const std::string& name) -> fstHandle {
    const auto it = w.vars.find(name);
    REQUIRE(it != w.vars.end());
    return it->second;
  };
  auto changes = [&](fstHandle h) { return w.changes.count(h) ? w.changes.at(h) : int64_t{0}; };
  const fstHandle clk = var("ttq_accel.ttq_accel.clk_i"),
                  rvalid = var("ttq_accel.ttq_accel.m_axis_r_tvalid_o");
  bool pe = false;
  for (const auto& [name, h] : w.vars) pe = pe || name.rfind("ttq_accel.ttq_accel.gen_pe[0].u_pe.", 0) == 0;
  CHECK(pe);
  const nlohmann::json& fc2 = r["layers"].back();
  REQUIRE(fc2["name"] == "fc2");
  const int64_t cycles = fc2["cycles"].get<int64_t>();
  CHECK(int64_t(w.end_time) >= 2 * cycles);
  CHECK(changes(clk) >= 2 * cycles);
  CHECK(changes(rvalid) >= 2);  // the result stream's valid rises and falls at least once
}

TEST_CASE("the fast and the checked builds of the RTL give the same results and cycle counts") {
  e2e::SimConfig c = config(16);
  c.batch = 8;
  const nlohmann::json fast = e2e::run_sim(lenet5(), fmnist_test(), c);
  c.checked_rtl = true;
  const nlohmann::json checked = e2e::run_sim(lenet5(), fmnist_test(), c);
  CHECK(fast["rtl_build"].get<std::string>().rfind("fast", 0) == 0);
  CHECK(checked["rtl_build"].get<std::string>().rfind("checked", 0) == 0);
  CHECK(fast["correct"] == checked["correct"]);
  CHECK(fast["mismatches"] == 0);
  CHECK(checked["mismatches"] == 0);
  REQUIRE(fast["layers"].size() == checked["layers"].size());
  for (size_t i = 0; i < fast["layers"].size(); ++i) {
    CHECK(fast["layers"][i]["cycles"] == checked["layers"][i]["cycles"]);
    CHECK(fast["layers"][i]["weight_load_cycles"] == checked["layers"][i]["weight_load_cycles"]);
  }
}

TEST_CASE("bad options are rejected naming the option and value") {
  e2e::SimConfig c = config(0);
  c.image = 10000;
  CHECK_THROWS_WITH(e2e::run_sim(lenet5(), fmnist_test(), c), Catch::Contains("--image 10000"));
  c = config(20000);
  CHECK_THROWS_WITH(e2e::run_sim(lenet5(), fmnist_test(), c), Catch::Contains("--images 20000"));
  c = config(1);
  c.layer = "nope";
  c.trace_dir = "/tmp";
  CHECK_THROWS_WITH(e2e::run_sim(lenet5(), fmnist_test(), c), Catch::Contains("--layer nope"));
  c = config(1);
  const Dataset cifar = head(load_dataset("cifar10", "test"), 2);
  CHECK_THROWS_WITH(e2e::run_sim(lenet5(), cifar, c), Catch::Contains("3x32x32"));
}
