// Cycles of real ternary layers on the N:M ternary array and on the dense INT8 baseline, for the
// `make synth` comparison (scripts/synth/run.py). The layers are LeNet-5's conv2 and fc1 from the
// reference .ttq model and two ResNet-20 convolutions (a 16-channel and a 64-channel one) from the
// ResNet-20 model when it is found; or, with --random, random layers of the LeNet-5 conv2 and fc1
// shapes, labelled as such in the output (unstructured at --sparsity, or N:M with --random-nm).
//   ttq_synth_layer --pes 16 --group-size 4 --group-nnz 2 --groups 2 --dense-pes 16
//                   --dense-lanes 4 --out layer.json [--model m.ttq] [--resnet r.ttq]
// Both arrays' cycles come from exact models of their RTL (the ternary one is the golden cycle
// model; the dense one scripts/synth/dense_cycles.hpp), weights on chip per pass. Each layer's
// "images" is the number of inferences one run of it serves (fc1: a batch of 16, one vector per
// image; a convolution: one image), for the weight bytes streamed per inference.
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <stdexcept>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "dense_cycles.hpp"
#include "ttq/cycle_model.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model.hpp"
#include "ttq/model_io.hpp"
#include "ttq/nm.hpp"
#include "ttq/tool_main.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kFcBatch = 16;  // images per fc1 run: one vector per image

struct LayerChoice {
  std::string name, source;
  int fan_in = 0, out_ch = 0, vectors = 0, images = 1;
  std::vector<int8_t> codes;  // [out_ch][fan_in]
};

// Ternary Conv/Linear layers of a model that match a shape (out_ch, fan_in), in model order.
std::optional<LayerChoice> find_layer(const ttq::Model& m, const fs::path& path, int out_ch, int fan_in,
                                      int nth = 0) {
  for (const auto& n : m.nodes) {
    if ((n.kind != ttq::NodeKind::Conv && n.kind != ttq::NodeKind::Linear) ||
        n.mm.precision != ttq::Precision::Ternary || n.mm.fan_in != fan_in || n.mm.out_ch != out_ch)
      continue;
    if (nth-- > 0) continue;
    LayerChoice c;
    c.name = m.arch + " " + n.name;
    c.source = "trained model " + path.string() + " (" + m.dataset + ")";
    c.fan_in = fan_in, c.out_ch = out_ch;
    c.vectors = n.kind == ttq::NodeKind::Linear ? kFcBatch : n.shape.h * n.shape.w;
    if (n.kind == ttq::NodeKind::Linear) {
      c.name += " (batch of " + std::to_string(kFcBatch) + " images)";
      c.images = kFcBatch;
    }
    c.codes = n.mm.weights;
    return c;
  }
  return std::nullopt;
}

fs::path first_existing(std::initializer_list<fs::path> paths) {
  for (const fs::path& p : paths)
    if (std::error_code ec; fs::is_regular_file(p, ec)) return p;
  return {};
}

// A random layer of the LeNet-5 conv2 shape (fc = false) or fc1 shape at a batch of kFcBatch
// images (fc = true): unstructured at `sparsity`, or nm_n:nm_m.
LayerChoice synthetic(bool fc, double sparsity, int nm_n, int nm_m, uint32_t seed) {
  LayerChoice c;
  if (fc) {
    c.name = "lenet5 fc1 shape (batch of " + std::to_string(kFcBatch) + " images)";
    c.fan_in = 1600, c.out_ch = 512, c.vectors = kFcBatch, c.images = kFcBatch;
  } else {
    c.name = "lenet5 conv2 shape";
    c.fan_in = 800, c.out_ch = 64, c.vectors = 100;
  }
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  c.codes.assign(size_t(c.fan_in) * c.out_ch, 0);
  if (nm_n > 0) {
    c.source = "random " + std::to_string(nm_n) + ":" + std::to_string(nm_m) + " codes, seed " + std::to_string(seed);
    ttq::random_nm_codes(std::span(c.codes), c.out_ch, c.fan_in, nm_n, nm_m, rng);
  } else {
    c.source = "random codes at " + std::to_string(int(sparsity * 100 + 0.5)) + "% zeros, seed " + std::to_string(seed);
    for (auto& v : c.codes) v = u(rng) < sparsity ? int8_t{0} : ((rng() & 1) ? int8_t{1} : int8_t{-1});
  }
  return c;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The ternary array's cycles for the layer, from the golden cycle model of the RTL: passes over
// output-channel slices, each with its weights on chip; their cycles add up.
nlohmann::json ternary_cycles(const LayerChoice& L, const ttq::ArrayConfig& cfg) {
  const std::vector<ttq::OutParams> out(static_cast<size_t>(L.out_ch));
  const auto passes = ttq::compile_passes(L.codes, L.out_ch, L.fan_in, out, cfg);
  const ttq::CycleStats total = ttq::cycle_model(passes, L.vectors);
  int64_t steps = 0;
  for (const auto& p : passes) steps += int64_t(p.steps.size());
  return {{"cycles", total.cycles},
          {"ideal_cycles", total.ideal},
          {"utilization", total.ideal / double(total.cycles)},
          {"busy_cycles", total.busy},
          {"steps", steps},
          {"passes", passes.size()},
          {"weight_load_cycles", total.wload_cycles},
          {"weight_load_bytes", total.wload_bytes},
          {"source", "golden cycle model (golden/include/ttq/cycle_model.hpp) of the RTL, equal to its "
                     "PERF_TOTAL; weights on chip per pass, loaded before the run (reported apart)"}};
}

// The dense INT8 array: its RTL's exact cycles (scripts/synth/dense_cycles.hpp, checked by
// test_dense_accel), the layer as passes over output chunks with the weights of a pass on chip;
// the weight loads are reported apart, as for the ternary array.
nlohmann::json dense_cycles(const LayerChoice& L, const dense::Config& c) {
  const dense::LayerCycles d = dense::layer_cycles(c, L.fan_in, L.out_ch, L.vectors);
  return {{"cycles", d.cycles},
          {"ideal_cycles", int64_t(L.vectors) * ceil_div(L.out_ch, c.pes) * ceil_div(L.fan_in, c.lanes)},
          {"passes", d.passes},
          {"outputs_per_pass", d.outputs_per_pass},
          {"weight_load_cycles", d.load_cycles},
          {"weight_load_bytes", d.weight_bytes},
          {"source", "exact RTL cycles (scripts/synth/dense_cycles.hpp, checked by test_dense_accel), "
                     "weights on chip per pass (" + std::to_string(d.passes) + " passes of " +
                     std::to_string(d.outputs_per_pass) + " outputs), weight loads apart, no back-pressure"}};
}

}  // namespace

namespace {

int run(int argc, char** argv) {
  CLI::App app{"Cycles of real ternary layers on the N:M ternary array and the dense INT8 baseline"};
  dense::Config dcfg;
  double sparsity = 0.5;
  std::string nm;
  uint32_t seed = 1;
  std::string model, resnet, out;
  bool random = false;
  ttq::ArrayConfig cfg;
  app.add_option("--pes", cfg.num_pes, "ternary NumPes")->capture_default_str();
  app.add_option("--group-size", cfg.group_size, "ternary GroupSize (M)")->capture_default_str();
  app.add_option("--group-nnz", cfg.group_nnz, "ternary GroupNnz (N)")->capture_default_str();
  app.add_option("--groups", cfg.groups, "ternary Groups (G)")->capture_default_str();
  app.add_option("--wdepth", cfg.wdepth, "ternary WDepth")->capture_default_str();
  app.add_option("--max-fan-in", cfg.max_fan_in, "ternary MaxFanIn")->capture_default_str();
  app.add_option("--max-outs", cfg.max_outs, "ternary MaxOuts")->capture_default_str();
  app.add_option("--dense-pes", dcfg.pes, "dense_accel NumPes")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--dense-lanes", dcfg.lanes, "dense_accel Lanes")->capture_default_str()->check(CLI::Range(1, 4096));
  app.add_option("--dense-max-fan-in", dcfg.max_fan_in, "dense_accel MaxFanIn")->capture_default_str();
  app.add_option("--dense-max-out-ch", dcfg.max_out_ch, "dense_accel MaxOutCh")->capture_default_str();
  app.add_option("--dense-wgt-depth", dcfg.wgt_depth, "dense_accel WgtDepth")->capture_default_str();
  app.add_option("--model", model, "LeNet-5 .ttq model (default: models/lenet5-fashion-mnist-2of4.ttq, "
                                   "else build/models/ the same, else models/lenet5-fashion-mnist.ttq)");
  app.add_option("--resnet", resnet, "ResNet-20 .ttq model (default: models/resnet20-cifar10-2of4.ttq, else "
                                     "models/resnet20-cifar10.ttq, if present)");
  app.add_flag("--random", random, "time random layers of the LeNet-5 conv2 and fc1 shapes instead of a model")
      ->excludes(app.get_option("--model"));
  app.add_option("--sparsity", sparsity, "zero fraction of the unstructured random layer")->check(CLI::Range(0.0, 1.0));
  app.add_option("--random-nm", nm, "N:M pattern of the random layer (e.g. 2:4) instead of --sparsity");
  app.add_option("--seed", seed, "seed of the random layer");
  app.add_option("--out", out, "JSON report")->required();
  CLI11_PARSE(app, argc, argv);
  cfg.validate();
  std::vector<LayerChoice> layers;
  if (random || !nm.empty()) {
    int n = 0, m = 0;
    if (!nm.empty() && (std::sscanf(nm.c_str(), "%d:%d", &n, &m) != 2 || n < 1 || m < n || m > 64))
      throw std::invalid_argument("--random-nm " + nm + ": expected N:M with 1 <= N <= M <= 64");
    layers.push_back(synthetic(false, sparsity, n, m, seed));
    layers.push_back(synthetic(true, sparsity, n, m, seed + 1));
  } else {
    // The reference models: the 2:4 LeNet-5 (make train) first, then the unstructured one.
    const fs::path src(TTQ_SOURCE_DIR);
    const fs::path lenet = !model.empty() ? fs::path(model)
                                          : first_existing({src / "models" / "lenet5-fashion-mnist-2of4.ttq",
                                                            src / "build" / "models" / "lenet5-fashion-mnist-2of4.ttq",
                                                            src / "models" / "lenet5-fashion-mnist.ttq"});
    if (lenet.empty()) throw std::runtime_error("no LeNet-5 model: pass --model or run make train");
    if (!fs::is_regular_file(lenet)) throw std::runtime_error("--model " + lenet.string() + ": no such file");
    const ttq::Model m = ttq::load_model(lenet);
    for (auto [oc, fi] : {std::pair{64, 800}, std::pair{512, 1600}}) {
      auto l = find_layer(m, lenet, oc, fi);
      if (!l) throw std::runtime_error("--model " + lenet.string() + ": no ternary layer " + std::to_string(oc) + " x " +
                                       std::to_string(fi) + " (lenet5 conv2 / fc1)");
      layers.push_back(std::move(*l));
    }
    const fs::path rn = !resnet.empty() ? fs::path(resnet)
                                        : first_existing({src / "models" / "resnet20-cifar10-2of4.ttq",
                                                          src / "models" / "resnet20-cifar10.ttq"});
    if (!rn.empty()) {
      const ttq::Model r = ttq::load_model(rn);
      for (auto [oc, fi] : {std::pair{16, 144}, std::pair{64, 576}})
        if (auto l = find_layer(r, rn, oc, fi, 1)) layers.push_back(std::move(*l));
    }
  }
  nlohmann::json arr = nlohmann::json::array();
  for (const LayerChoice& L : layers) {
    int64_t nnz = 0;
    for (int8_t c : L.codes) nnz += c != 0;
    arr.push_back({{"name", L.name},
                   {"source", L.source},
                   {"fan_in", L.fan_in},
                   {"out_ch", L.out_ch},
                   {"vectors", L.vectors},
                   {"images", L.images},
                   {"nonzeros", nnz},
                   {"sparsity", 1.0 - double(nnz) / double(L.codes.size())},
                   {"dense_macs", int64_t(L.vectors) * L.out_ch * L.fan_in},
                   {"ttq", ternary_cycles(L, cfg)},
                   {"dense", dense_cycles(L, dcfg)}});
  }
  const nlohmann::json j = {
      {"ttq_config", {{"num_pes", cfg.num_pes}, {"group_size", cfg.group_size}, {"group_nnz", cfg.group_nnz},
                      {"groups", cfg.groups}, {"wdepth", cfg.wdepth}, {"max_fan_in", cfg.max_fan_in},
                      {"max_outs", cfg.max_outs}}},
      {"dense_config", {{"num_pes", dcfg.pes}, {"lanes", dcfg.lanes}, {"max_fan_in", dcfg.max_fan_in},
                        {"max_out_ch", dcfg.max_out_ch}, {"wgt_depth", dcfg.wgt_depth}}},
      {"layers", arr}};
  ttq::write_json_atomic(out, j);
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ttq::tool_main("ttq_synth_layer", run, argc, argv); }
