// ttq-rtl-bench: utilization and zero-skipping speedup of the Verilated ttq_accel (default
// configuration) on N:M-structured (2:4, 1:4) and unstructured random layers, measured on the RTL
// (PERF_TOTAL, weights already on chip) for the sparse and the dense ("every weight in a slot")
// schedule, with weight-load cost and simulation speed. Every RTL cycle count is also checked
// against the golden cycle model. Writes a JSON report and prints a table. Targets (issue 13) on
// 2:4 layers: utilization >= 0.90 and at most 0.55x the dense schedule's cycles.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>

#include "ttq/accel_sim.hpp"
#include "ttq/cycle_model.hpp"
#include "ttq/fileio.hpp"
#include "ttq/layer.hpp"
#include "ttq/nm.hpp"
#include "ttq/tool_main.hpp"

namespace {

struct Case {
  std::string name;
  int out_ch, fan_in, nvec;
  int nm_n;         // > 0: nm_n nonzeros in every group of group_size; 0: unstructured
  double sparsity;  // unstructured only
  bool target;      // 2:4 layer with many vectors: the targets apply
  std::string pattern(int m) const {
    return nm_n > 0 ? std::to_string(nm_n) + ":" + std::to_string(m)
                    : std::to_string(int(100 * sparsity + 0.5)) + "% zeros";
  }
};

int run_main(int argc, char** argv) {
  CLI::App app{"ttq-rtl-bench: RTL utilization / speedup / sim speed benchmark"};
  std::string json;
  int nvec = 16;
  uint64_t seed = 1;
  app.add_option("--json", json, "report path (e.g. build/reports/rtl_bench.json)")->required();
  app.add_option("--nvec", nvec, "activation vectors per random layer")->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "seed of the random layers");
  CLI11_PARSE(app, argc, argv);

  std::vector<Case> cases;
  for (int n : {2, 1, 0}) {
    const double s = 0.5;
    for (int f : {256, 576, 800, 1600}) cases.push_back({"random", 64, f, nvec, n, s, n == 2});
    // lenet5 ternary layers: conv2 (one image = 100 output pixels), fc1 and fc2 (16 images)
    cases.push_back({"lenet5 conv2", 64, 800, 100, n, s, n == 2});
    cases.push_back({"lenet5 fc1", 512, 1600, 16, n, s, n == 2});
    cases.push_back({"lenet5 fc2", 10, 512, 16, n, s, false});
  }

  ttq::SimOptions opt;
  opt.seed = seed;
  ttq::AccelSim sim(opt);
  const ttq::ArrayConfig& cfg = sim.config();
  std::mt19937_64 g(seed);
  nlohmann::json rows = nlohmann::json::array();
  int64_t sim_cycles = 0;
  bool all_met = true;
  const auto t0 = std::chrono::steady_clock::now();
  std::printf("%-13s %5s %6s %5s %9s | %9s %9s %6s | %9s %7s %7s | %8s %8s %s\n", "layer", "out", "fan_in",
              "nvec", "weights", "cycles", "ideal", "util", "dense", "speedup", "target", "wl_cyc", "wl_bytes",
              "met");
  for (const Case& c : cases) {
    std::uniform_real_distribution<double> u(0, 1);
    std::vector<int8_t> codes(size_t(c.out_ch) * c.fan_in, 0);
    const int m = cfg.group_size;
    if (c.nm_n == 0) {
      for (auto& w : codes) w = u(g) < c.sparsity ? 0 : (u(g) < 0.5 ? 1 : -1);
    } else {
      ttq::random_nm_codes(std::span(codes), c.out_ch, c.fan_in, c.nm_n, m, g);
    }
    std::vector<ttq::OutParams> par(size_t(c.out_ch));
    for (auto& p : par) p = ttq::OutParams{int16_t(g() % 2000), int16_t(g() % 2000), int32_t(g() % 4000) - 2000, 12};
    std::vector<uint8_t> x(size_t(c.nvec) * c.fan_in);
    for (auto& v : x) v = uint8_t(g());

    const ttq::LayerRun sp = sim.run_layer(codes, c.out_ch, c.fan_in, par, true, x, c.nvec, false);
    const ttq::LayerRun dn = sim.run_layer(codes, c.out_ch, c.fan_in, par, true, x, c.nvec, true);
    sim_cycles += sp.sim_cycles + dn.sim_cycles;
    // Outputs must be right, and the cycles the model's.
    std::vector<int32_t> y(size_t(c.out_ch));
    for (int v = 0; v < c.nvec; ++v) {
      ttq::ternary_matvec(codes, c.out_ch, c.fan_in, std::span<const uint8_t>(x).subspan(size_t(v) * c.fan_in, size_t(c.fan_in)),
                          par, true, y);
      for (int o = 0; o < c.out_ch; ++o)
        if (sp.y[size_t(v) * c.out_ch + o] != y[size_t(o)] || dn.y[size_t(v) * c.out_ch + o] != y[size_t(o)])
          throw std::runtime_error(c.name + ": RTL output differs from the golden model at vector " + std::to_string(v) + ", output " + std::to_string(o));
    }
    const int64_t model_sp = ttq::cycle_model(sim.compile_passes(codes, c.out_ch, c.fan_in, par, false), c.nvec).cycles;
    const int64_t model_dn = ttq::cycle_model(sim.compile_passes(codes, c.out_ch, c.fan_in, par, true), c.nvec).cycles;
    if (model_sp != sp.cycles || model_dn != dn.cycles)
      throw std::runtime_error(c.name + ": RTL cycles " + std::to_string(sp.cycles) + "/" + std::to_string(dn.cycles) +
                               " differ from the cycle model " + std::to_string(model_sp) + "/" + std::to_string(model_dn));

    const double ideal = double(sp.perf.nnz) / double(cfg.num_pes * cfg.slots());
    const double util = ideal / double(sp.cycles);
    const double speedup = double(dn.cycles) / double(sp.cycles);
    const double target = 1.0 / 0.55;
    const bool met = util >= 0.9 && speedup >= target;
    if (c.target) all_met = all_met && met;
    std::printf("%-13s %5d %6d %5d %9s | %9lld %9.0f %6.3f | %9lld %7.2f %7.2f | %8lld %8lld %s\n", c.name.c_str(),
                c.out_ch, c.fan_in, c.nvec, c.pattern(m).c_str(), (long long)sp.cycles, ideal, util, (long long)dn.cycles,
                speedup, target, (long long)sp.wload_cycles, (long long)sp.wload_bytes,
                c.target ? (met ? "yes" : "NO") : "(n/a)");
    rows.push_back({{"layer", c.name}, {"out_ch", c.out_ch}, {"fan_in", c.fan_in}, {"nvec", c.nvec},
                    {"pattern", c.pattern(m)}, {"passes", sp.passes}, {"nonzeros", sp.perf.nnz},
                    {"cycles", sp.cycles}, {"ideal_cycles", ideal}, {"utilization", util},
                    {"dense_cycles", dn.cycles}, {"speedup", speedup}, {"speedup_target", target},
                    {"targets_apply", c.target}, {"targets_met", met},
                    {"weight_load_cycles", sp.wload_cycles}, {"weight_load_bytes", sp.wload_bytes},
                    {"dense_weight_load_cycles", dn.wload_cycles}, {"dense_weight_load_bytes", dn.wload_bytes},
                    {"busy_cycles", sp.perf.busy}, {"stall_cycles", sp.perf.stall}});
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const double cps = double(sim_cycles) / secs;
  std::printf("simulation speed: %lld cycles in %.2f s = %.0f cycles/s (Verilator, 1 thread, --assert)\n",
              (long long)sim_cycles, secs, cps);
  std::printf("targets on 2:4 layers (util >= 0.90, cycles <= 0.55x the dense schedule): %s\n",
              all_met ? "all met" : "NOT all met");
  nlohmann::json j = {{"config", {{"num_pes", cfg.num_pes}, {"group_size", cfg.group_size},
                                  {"group_nnz", cfg.group_nnz}, {"groups", cfg.groups},
                                  {"max_fan_in", cfg.max_fan_in}, {"max_outs", cfg.max_outs}, {"wdepth", cfg.wdepth}}},
                      {"seed", seed}, {"layers", rows}, {"sim_cycles", sim_cycles}, {"sim_seconds", secs},
                      {"sim_cycles_per_second", cps}, {"targets_met", all_met},
                      {"command", "scripts/bench.d/rtl <build>"}};
  ttq::write_json_atomic(json, j);
  std::printf("wrote %s\n", json.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ttq::tool_main("ttq-rtl-bench", run_main, argc, argv); }
