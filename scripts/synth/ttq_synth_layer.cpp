// Cycles of one real ternary layer on the ternary array and on the dense INT8 baseline, for the
// `make synth` comparison (scripts/synth/run.py). The layer is the lenet5 conv2 (fan-in 800, 64
// outputs) of a trained .ttq model when one is found, else a random layer of stated sparsity,
// labelled as such in the output.
//   ttq_synth_layer --pes 8 --lanes 4 --out layer.json [--model m.ttq]
#include <algorithm>
#include <cstdint>
#include <filesystem>
#include <iostream>
#include <optional>
#include <random>
#include <stdexcept>
#include <span>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ttq/cycle_model.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model.hpp"
#include "ttq/model_io.hpp"

namespace fs = std::filesystem;

namespace {

constexpr int kFanIn = 800, kOutCh = 64, kVectors = 100;  // lenet5 conv2 on 14x14 -> 10x10

struct LayerChoice {
  std::string name, source;
  int fan_in = 0, out_ch = 0, vectors = 0;
  std::vector<int8_t> codes;  // [out_ch][fan_in]
};

// The first ternary Conv with the conv2 shape in the model, or nullopt.
std::optional<LayerChoice> from_model(const fs::path& path) {
  const ttq::Model m = ttq::load_model(path);
  for (const auto& n : m.nodes) {
    if (n.kind == ttq::NodeKind::Conv && n.mm.precision == ttq::Precision::Ternary &&
        n.mm.fan_in == kFanIn && n.mm.out_ch == kOutCh) {
      LayerChoice c;
      c.name = m.arch + " " + n.name;
      c.source = "trained model " + path.string() + " (" + m.dataset + ")";
      c.fan_in = n.mm.fan_in;
      c.out_ch = n.mm.out_ch;
      c.vectors = n.shape.h * n.shape.w;
      c.codes = n.mm.weights;
      return c;
    }
  }
  return std::nullopt;
}

// The reference model (the 2:4 LeNet-5, committed in models/, reproduced by `make train` into
// build/models/) first, then the unstructured one (make train-unstructured), so other lenet5 models
// in build/models (e.g. make train-sparse's) never replace them by name order.
std::vector<fs::path> candidate_models() {
  std::vector<fs::path> out;
  const fs::path src(TTQ_SOURCE_DIR);
  for (const char* name : {"lenet5-fashion-mnist-2of4.ttq", "lenet5-fashion-mnist.ttq"})
    for (const fs::path& ref : {src / "models" / name, src / "build" / "models" / name})
      if (std::error_code ec; fs::is_regular_file(ref, ec)) out.push_back(ref);
  for (const fs::path& dir : {fs::path(TTQ_SOURCE_DIR) / "build" / "models",
                             fs::path(TTQ_SOURCE_DIR) / "models", fs::path("build/models")}) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) continue;
    std::vector<fs::path> here;
    for (const auto& e : fs::directory_iterator(dir, ec))
      if (e.path().extension() == ".ttq" && e.path().filename().string().find("lenet5") == 0)
        here.push_back(e.path());
    std::sort(here.begin(), here.end());
    out.insert(out.end(), here.begin(), here.end());
  }
  return out;
}

LayerChoice synthetic(double sparsity, uint32_t seed, const std::string& why) {
  LayerChoice c;
  c.name = "lenet5 conv2 shape";
  c.source = "random codes at " + std::to_string(int(sparsity * 100 + 0.5)) +
             "% zeros, seed " + std::to_string(seed) + " (" + why + ")";
  c.fan_in = kFanIn;
  c.out_ch = kOutCh;
  c.vectors = kVectors;
  std::mt19937 rng(seed);
  std::uniform_real_distribution<double> u(0, 1);
  c.codes.resize(size_t(kFanIn) * kOutCh);
  for (auto& v : c.codes) v = u(rng) < sparsity ? int8_t{0} : ((rng() & 1) ? int8_t{1} : int8_t{-1});
  return c;
}

int64_t ceil_div(int64_t a, int64_t b) { return (a + b - 1) / b; }

// The ternary array's cycles for the layer, from the golden cycle model of the RTL. A layer whose
// outputs do not fit one pass (max_outs, or a PE's op memory) runs as several passes over output
// chunks, each with its weights on chip; their cycles add up.
nlohmann::json ternary_cycles(const LayerChoice& L, const ttq::ArrayConfig& cfg) {
  cfg.validate();
  int chunk = std::min(L.out_ch, cfg.max_outs);
  for (;;) {
    try {
      ttq::CycleStats total;
      int passes = 0;
      for (int o0 = 0; o0 < L.out_ch; o0 += chunk, ++passes) {
        const int n = std::min(chunk, L.out_ch - o0);
        const std::span<const int8_t> codes(L.codes.data() + size_t(o0) * L.fan_in,
                                            size_t(n) * L.fan_in);
        const std::vector<ttq::OutParams> out(static_cast<size_t>(n));
        const auto st = ttq::cycle_model(ttq::compile_layer(codes, n, L.fan_in, out, cfg), L.vectors);
        total.cycles += st.cycles;
        total.ideal += st.ideal;
        total.wload_cycles += st.wload_cycles;
        total.wload_bytes += st.wload_bytes;
      }
      return {{"cycles", total.cycles},
              {"ideal_cycles", total.ideal},
              {"utilization", total.ideal / double(total.cycles)},
              {"passes", passes},
              {"outputs_per_pass", chunk},
              {"weight_load_cycles", total.wload_cycles},
              {"weight_load_bytes", total.wload_bytes},
              {"source", "golden cycle model (golden/include/ttq/cycle_model.hpp) of the RTL, "
                         "weights on chip, no back-pressure" +
                             std::string(passes > 1 ? ", " + std::to_string(passes) +
                                                          " passes over output chunks"
                                                    : "")}};
    } catch (const std::invalid_argument&) {
      // Only a layer that does not fit one pass is split; anything else fails below at chunk 1.
      if (chunk <= 1) throw;
      chunk = (chunk + 1) / 2;
    }
  }
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Cycles of a real ternary layer on the ternary array and the dense INT8 baseline"};
  int pes = 8, lanes = 4;
  double sparsity = 0.5;
  uint32_t seed = 1;
  std::string model, out;
  bool random = false;
  ttq::ArrayConfig cfg;
  app.add_option("--pes", pes, "PEs (NumPes)")->required()->check(CLI::Range(1, 4096));
  app.add_option("--lanes", lanes, "lanes per PE")->required()->check(CLI::Range(1, 4096));
  app.add_option("--model", model, ".ttq model (default: models/lenet5-fashion-mnist-2of4.ttq, else the first lenet5*.ttq found)");
  app.add_option("--sparsity", sparsity, "zero fraction of the random layer used without a model")
      ->check(CLI::Range(0.0, 1.0));
  app.add_flag("--random", random, "time a random layer of --sparsity even if a model is found")
      ->excludes(app.get_option("--model"));
  app.add_option("--seed", seed, "seed of the random layer");
  app.add_option("--out", out, "JSON report")->required();
  app.add_option("--row-bytes", cfg.row_bytes, "RTL RowBytes")->capture_default_str();
  app.add_option("--win-rows", cfg.win_rows, "RTL WinRows")->capture_default_str();
  app.add_option("--sweep-rows", cfg.sweep_rows, "RTL SweepRows")->capture_default_str();
  app.add_option("--adv-bits", cfg.adv_bits, "RTL AdvBits")->capture_default_str();
  app.add_option("--max-fan-in", cfg.max_fan_in, "RTL MaxFanIn")->capture_default_str();
  app.add_option("--max-outs", cfg.max_outs, "RTL MaxOuts")->capture_default_str();
  app.add_option("--op-depth", cfg.op_depth, "RTL OpDepth")->capture_default_str();
  CLI11_PARSE(app, argc, argv);
  try {
    std::optional<LayerChoice> layer;
    if (random) {
      layer = synthetic(sparsity, seed, "asked with --random");
    } else if (!model.empty()) {
      if (!fs::is_regular_file(model)) throw std::runtime_error("--model " + model + ": no such file");
      layer = from_model(model);
      if (!layer)
        throw std::runtime_error("--model " + model + ": no ternary Conv with fan-in " +
                                 std::to_string(kFanIn) + " and " + std::to_string(kOutCh) +
                                 " outputs (lenet5 conv2)");
    } else {
      for (const auto& p : candidate_models()) {
        if ((layer = from_model(p))) break;
      }
      if (!layer) layer = synthetic(sparsity, seed, "no trained lenet5 .ttq model found");
    }
    const LayerChoice& L = *layer;
    int64_t nnz = 0;
    for (int8_t c : L.codes) nnz += c != 0;
    cfg.num_pes = pes;
    cfg.lanes = lanes;
    // Dense array: every weight, zero or not, at every lane every cycle; activation loading and
    // pipeline fill are not counted (in the dense baseline's favour).
    const int64_t dense = int64_t(L.vectors) * ceil_div(L.out_ch, pes) * ceil_div(L.fan_in, lanes);
    nlohmann::json j = {
        {"layer",
         {{"name", L.name},
          {"source", L.source},
          {"fan_in", L.fan_in},
          {"out_ch", L.out_ch},
          {"vectors", L.vectors},
          {"nonzeros", nnz},
          {"sparsity", 1.0 - double(nnz) / double(L.codes.size())}}},
        {"num_pes", pes},
        {"lanes", lanes},
        {"dense_macs", int64_t(L.vectors) * L.out_ch * L.fan_in},
        {"ttq", ternary_cycles(L, cfg)},
        {"dense",
         {{"cycles", dense},
          {"source", "vectors x ceil(out_ch / PEs) x ceil(fan_in / lanes): every lane busy "
                     "every cycle, activation loading not counted (favours the dense array)"}}},
    };
    ttq::write_json_atomic(out, j);
    return 0;
  } catch (const std::exception& e) {
    std::cerr << "ttq_synth_layer: error: " << e.what() << "\n";
    return 1;
  }
}
