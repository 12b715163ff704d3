// ttq-rtl-test: random and directed layers on the Verilated ttq_accel, every output compared
// bit for bit with ttq::ternary_matvec and, when no stream is stalled, every performance counter
// with the golden cycle model. Prints its seed; a failure prints the command that reproduces it.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <stdexcept>
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

using ttq::OutParams;

struct Layer {
  std::string name;
  int index = -1;  // random layer number (for --only)
  int out_ch = 1, fan_in = 1, nvec = 1;
  bool relu = false, dense = false;
  double stall = 0.0;
  int64_t reset_after = -1;  // >= 0: reset this many cycles into a first run, then run clean
  std::vector<int8_t> codes;
  std::vector<OutParams> out;
  std::vector<uint8_t> x;
};

struct Summary {
  int layers = 0, passed = 0, failed = 0;
  int64_t rtl_cycles = 0, sim_cycles = 0, outputs = 0, cycle_checks = 0;
  double worst_util = -1.0;  // unstalled N:M layers: fan_in >= 200, out_ch >= num_pes
  std::string first_failure;
};

std::string cmd_line;  // how this run was started, for reproduction

// Fills codes with the given fraction of zeros, the rest +1/-1.
void random_codes(Layer& l, double sparsity, std::mt19937_64& g) {
  std::uniform_real_distribution<double> u(0.0, 1.0);
  l.codes.resize(size_t(l.out_ch) * l.fan_in);
  for (auto& c : l.codes) c = u(g) < sparsity ? 0 : (u(g) < 0.5 ? 1 : -1);
}

// N:M-structured codes: in every group of m consecutive inputs of an output, at most n nonzeros
// (exactly n where the group is long enough, unless `fewer`).
void nm_codes(Layer& l, int n, int m, bool fewer, std::mt19937_64& g) {
  l.codes.resize(size_t(l.out_ch) * l.fan_in);
  ttq::random_nm_codes(std::span(l.codes), l.out_ch, l.fan_in, n, m, g, fewer);
}

void random_params(Layer& l, std::mt19937_64& g) {
  std::uniform_int_distribution<int> pick(0, 9);
  l.out.resize(size_t(l.out_ch));
  for (auto& o : l.out) {
    const int kind = pick(g);
    auto r16 = [&] { return int16_t(std::uniform_int_distribution<int>(-32768, 32767)(g)); };
    if (kind == 0) {  // extremes: saturate both ways
      o.mp = int16_t(g() & 1 ? 32767 : -32768);
      o.mn = int16_t(g() & 1 ? 32767 : -32768);
      o.bias = g() & 1 ? INT32_MAX : INT32_MIN;
      o.shift = uint8_t(g() % 32);
    } else if (kind <= 3) {  // realistic: small multipliers, moderate shift
      o.mp = int16_t(std::uniform_int_distribution<int>(0, 2000)(g));
      o.mn = int16_t(std::uniform_int_distribution<int>(0, 2000)(g));
      o.bias = std::uniform_int_distribution<int32_t>(-(1 << 20), 1 << 20)(g);
      o.shift = uint8_t(std::uniform_int_distribution<int>(8, 20)(g));
    } else {
      o.mp = r16(), o.mn = r16();
      o.bias = int32_t(uint32_t(g()));
      o.shift = uint8_t(g() % 32);
    }
  }
}

void random_acts(Layer& l, std::mt19937_64& g) {
  l.x.resize(size_t(l.nvec) * l.fan_in);
  const int kind = int(g() % 6);
  for (auto& v : l.x) {
    if (kind == 0) v = 255;
    else if (kind == 1) v = 0;
    else if (kind == 2) v = (g() & 1) ? 255 : 0;
    else v = uint8_t(g());
  }
}

Layer random_layer(const ttq::ArrayConfig& cfg, std::mt19937_64& g, int index) {
  Layer l;
  l.name = "random#" + std::to_string(index);
  l.index = index;
  std::uniform_real_distribution<double> u(0.0, 1.0);
  const double f = u(g);
  if (f < 0.15) l.fan_in = 1 + int(g() % 16);
  else if (f < 0.25) l.fan_in = cfg.max_fan_in;
  else if (f < 0.6) l.fan_in = 1 + int(g() % 256);
  else l.fan_in = 1 + int(g() % cfg.max_fan_in);
  const double o = u(g);
  if (o < 0.1) l.out_ch = 1;
  else if (o < 0.25) l.out_ch = cfg.max_outs;
  else l.out_ch = 1 + int(g() % cfg.max_outs);
  const double s = u(g);
  l.nvec = int(g() % 5);
  l.relu = g() & 1;
  l.dense = u(g) < 0.1;
  l.stall = u(g) < 0.5 ? 0.0 : 0.9 * u(g);
  if (u(g) < 0.05) l.reset_after = int64_t(g() % 400);
  // A third N:M-structured (the array's native case), the rest unstructured at 0-100% zeros.
  const bool nm = s < 0.35;
  const int n = 1 + int(g() % cfg.group_nnz);
  const bool fewer = u(g) < 0.3;
  const double sparsity = s < 0.45 ? 0.0 : s < 0.55 ? 1.0 : u(g);
  l.name += nm ? " nm" + std::to_string(n) + ":" + std::to_string(cfg.group_size) : "";
  // Keep the layer within one pass of the weight memory (the host would split it otherwise).
  for (;;) {
    if (nm) nm_codes(l, n, cfg.group_size, fewer, g);
    else random_codes(l, sparsity, g);
    const std::vector<OutParams> none(size_t(l.out_ch));
    try {
      (void)ttq::compile_layer(l.codes, l.out_ch, l.fan_in, none, cfg, l.dense);
      break;
    } catch (const std::invalid_argument&) {
      if (l.out_ch == 1) l.fan_in = std::max(1, l.fan_in / 2);
      l.out_ch = std::max(1, l.out_ch / 2);
    }
  }
  random_params(l, g);
  random_acts(l, g);
  return l;
}

// Runs one layer, checks it, returns false (and prints why) on a mismatch.
bool check_layer(ttq::AccelSim& sim, const Layer& l, Summary& sum, bool verbose) {
  const ttq::ArrayConfig& cfg = sim.config();
  ++sum.layers;
  auto fail = [&](const std::string& what) {
    ++sum.failed;
    std::string msg = "FAIL layer " + l.name + " (out_ch " + std::to_string(l.out_ch) + ", fan_in " +
                      std::to_string(l.fan_in) + ", nvec " + std::to_string(l.nvec) + ", stall " +
                      std::to_string(l.stall) + (l.dense ? ", dense" : "") + (l.relu ? ", relu" : "") +
                      "): " + what + "\n  reproduce: " + cmd_line +
                      (l.index >= 0 ? " --only " + std::to_string(l.index) : "");
    std::fprintf(stderr, "%s\n", msg.c_str());
    if (sum.first_failure.empty()) sum.first_failure = msg;
    return false;
  };
  try {
    // A layer too large for one pass runs as the host runs it: passes over output slices.
    const std::vector<ttq::Program> passes = ttq::compile_passes(l.codes, l.out_ch, l.fan_in, l.out, cfg, l.dense);
    std::vector<int32_t> want(size_t(l.nvec) * l.out_ch);
    for (int v = 0; v < l.nvec; ++v)
      ttq::ternary_matvec(l.codes, l.out_ch, l.fan_in,
                          std::span<const uint8_t>(l.x).subspan(size_t(v) * l.fan_in, size_t(l.fan_in)),
                          l.out, l.relu, std::span<int32_t>(want).subspan(size_t(v) * l.out_ch, size_t(l.out_ch)));
    sim.set_stall(l.stall);
    int64_t layer_cycles = 0;
    int o0 = 0;
    for (const ttq::Program& prog : passes) {
      if (l.reset_after >= 0 && o0 == 0) sim.run_and_reset(prog, l.relu, l.x, l.nvec, l.reset_after);
      const ttq::LayerRun run = sim.run_program(prog, l.relu, l.x, l.nvec);
      sum.sim_cycles += run.sim_cycles;
      sum.rtl_cycles += run.cycles;
      layer_cycles += run.cycles;
      const std::string where = passes.size() > 1 ? " (pass of outputs " + std::to_string(o0) + "..)" : "";
      for (int v = 0; v < l.nvec; ++v)
        for (int o = 0; o < prog.out_ch; ++o) {
          const int32_t got = run.y[size_t(v) * prog.out_ch + o], exp = want[size_t(v) * l.out_ch + o0 + o];
          if (got != exp)
            return fail("vector " + std::to_string(v) + ", output " + std::to_string(o0 + o) + ": expected " +
                        std::to_string(exp) + ", got " + std::to_string(got));
        }
      // counters that hold under any back-pressure
      const ttq::CycleStats m = ttq::cycle_model(prog, l.nvec);
      if (int64_t(run.perf.nnz) != m.nonzeros)
        return fail("PERF_NNZ " + std::to_string(run.perf.nnz) + " != model " + std::to_string(m.nonzeros) + where);
      if (int64_t(run.perf.results) != int64_t(l.nvec) * prog.out_ch)
        return fail("PERF_RESULTS " + std::to_string(run.perf.results) + where);
      if (run.wload_cycles < m.wload_cycles || run.wload_bytes != m.wload_bytes)
        return fail("weight load " + std::to_string(run.wload_cycles) + " cycles / " +
                    std::to_string(run.wload_bytes) + " bytes vs model " + std::to_string(m.wload_cycles) +
                    " / " + std::to_string(m.wload_bytes) + where);
      if (l.stall == 0.0) {  // exact cycle model
        ++sum.cycle_checks;
        auto eq = [&](const char* name, int64_t got, int64_t exp) {
          if (got != exp)
            throw std::runtime_error(std::string(name) + " " + std::to_string(got) + " != cycle model " +
                                     std::to_string(exp) + where);
        };
        eq("PERF_TOTAL", run.perf.total, m.cycles);
        eq("PERF_BUSY", run.perf.busy, m.busy);
        eq("PERF_STALL", run.perf.stall, m.stall);
        eq("PERF_WLOAD_CYC", run.wload_cycles, m.wload_cycles);
        if (!l.dense && l.fan_in >= 200 && prog.out_ch >= cfg.num_pes && l.nvec > 0 &&
            l.name.find(" nm") != std::string::npos)
          sum.worst_util = sum.worst_util < 0 ? m.utilization() : std::min(sum.worst_util, m.utilization());
      }
      o0 += prog.out_ch;
    }
    sum.outputs += int64_t(l.nvec) * l.out_ch;
    if (verbose)
      std::printf("  ok  %-14s out %3d fan_in %4d nvec %d stall %.2f%s  cycles %lld\n", l.name.c_str(),
                  l.out_ch, l.fan_in, l.nvec, l.stall, l.dense ? " dense" : "", (long long)layer_cycles);
    ++sum.passed;
    return true;
  } catch (const std::exception& e) {
    return fail(e.what());
  }
}

// Halves a layer's fan-in (keeping the first inputs of every output and vector) until even one
// output fits the weight memory: the host splits outputs into passes, not fan-ins.
void fit_fan_in(Layer& l, const ttq::ArrayConfig& cfg) {
  for (;;) {
    try {
      (void)ttq::compile_passes(l.codes, l.out_ch, l.fan_in, l.out, cfg, l.dense);
      return;
    } catch (const std::invalid_argument&) {
      if (l.fan_in == 1) throw;
    }
    const int f = l.fan_in / 2;
    std::vector<int8_t> c(size_t(l.out_ch) * f);
    std::vector<uint8_t> x(size_t(l.nvec) * f);
    for (int o = 0; o < l.out_ch; ++o)
      std::copy_n(l.codes.begin() + ptrdiff_t(size_t(o) * l.fan_in), f, c.begin() + ptrdiff_t(size_t(o) * f));
    for (int v = 0; v < l.nvec; ++v)
      std::copy_n(l.x.begin() + ptrdiff_t(size_t(v) * l.fan_in), f, x.begin() + ptrdiff_t(size_t(v) * f));
    l.codes = std::move(c), l.x = std::move(x), l.fan_in = f;
  }
}

std::vector<Layer> directed_layers(const ttq::ArrayConfig& cfg, std::mt19937_64& g) {
  std::vector<Layer> v;
  auto mk = [&](std::string name, int out_ch, int fan_in, double sparsity, int nvec) {
    Layer l;
    l.name = std::move(name), l.nvec = nvec;
    l.out_ch = std::min(out_ch, cfg.max_outs), l.fan_in = std::min(fan_in, cfg.max_fan_in);
    random_codes(l, sparsity, g);
    random_params(l, g);
    random_acts(l, g);
    return l;
  };
  v.push_back(mk("fanin1", 1, 1, 0.0, 3));
  v.push_back(mk("fanin1x64", cfg.max_outs, 1, 0.0, 2));
  v.push_back(mk("outs17", 17, 300, 0.5, 3));
  v.push_back(mk("outs50", 50, 257, 0.7, 2));
  v.push_back(mk("maxfanin", 16, cfg.max_fan_in, 0.7, 2));
  {  // the largest N:M pass: max fan-in, as many rounds as fill the weight memory exactly
    const int rounds = std::max(1, std::min(cfg.max_rounds(), cfg.wdepth / cfg.max_wins()));
    Layer l = mk("max_both", rounds * cfg.num_pes, cfg.max_fan_in, 0.0, 2);
    nm_codes(l, cfg.group_nnz, cfg.group_size, false, g);
    v.push_back(l);
  }
  v.push_back(mk("all_zero", 40, 500, 1.0, 2));
  v.push_back(mk("all_nonzero", 32, 200, 0.0, 2));
  {  // saturation both ways with and without ReLU
    Layer l = mk("saturate", 64, 100, 0.0, 2);
    for (size_t k = 0; k < l.out.size(); ++k) {
      l.out[k] = OutParams{int16_t(k % 2 ? 32767 : -32768), int16_t(k % 3 ? -32768 : 32767),
                           k % 4 < 2 ? INT32_MAX : INT32_MIN, uint8_t(k % 5)};
    }
    for (auto& x : l.x) x = 255;
    v.push_back(l);
    l.name = "saturate_relu", l.relu = true;
    v.push_back(l);
  }
  {  // rounding: shift 1..31 with values exactly at .5 (bias only: all-zero activations)
    Layer l = mk("round_half_up", 62, 8, 0.0, 1);
    for (int k = 0; k < l.out_ch; ++k) {  // bias = +-1.5 * 2^s: exactly half way
      const int s = 1 + k % 31;
      const int64_t b = ((k / 31 + k) % 2 == 0 ? 1 : -1) * (int64_t{3} << (s - 1));
      l.out[size_t(k)] = OutParams{1, 1, int32_t(std::clamp<int64_t>(b, INT32_MIN, INT32_MAX)), uint8_t(s)};
    }
    for (auto& x : l.x) x = 0;
    v.push_back(l);
  }
  {  // shift 0 and shift 31
    Layer l = mk("shift_0_31", 32, 64, 0.3, 2);
    for (size_t k = 0; k < l.out.size(); ++k) l.out[k].shift = k % 2 ? 31 : 0;
    v.push_back(l);
  }
  {  // heavy back-pressure on every stream
    Layer l = mk("stall90", 40, 333, 0.5, 3);
    l.stall = 0.9;
    v.push_back(l);
  }
  {  // reset in the middle of a layer, then the same layer clean
    Layer l = mk("reset_mid", 48, 400, 0.5, 3);
    l.reset_after = 150;
    v.push_back(l);
  }
  {  // the dense ("processing zeros too") schedule
    Layer l = mk("dense_sched", 64, 256, 0.5, 2);
    l.dense = true;
    v.push_back(l);
  }
  v.push_back(mk("no_vectors", 20, 100, 0.5, 0));
  {  // N:M at the array's N, exactly: one step per window
    Layer l = mk("nm_exact", cfg.max_outs, 800, 0.0, 3);
    nm_codes(l, cfg.group_nnz, cfg.group_size, false, g);
    v.push_back(l);
  }
  {  // long runs of all-zero windows: skipped, with empty steps past the descriptor's advance
    Layer l = mk("zero_runs", 2 * cfg.num_pes, cfg.max_fan_in, 0.0, 2);
    for (int o = 0; o < l.out_ch; ++o)
      for (int k = 0; k < l.fan_in; ++k)
        if (k % 700 > 3) l.codes[size_t(o) * l.fan_in + k] = 0;
    v.push_back(l);
  }
  for (Layer& l : v) fit_fan_in(l, cfg);
  return v;
}

int run_main(int argc, char** argv) {
  CLI::App app{"ttq-rtl-test: random + directed layers on the Verilated ttq_accel vs the golden model"};
  uint64_t seed = 0;
  int layers = 50;
  bool directed = false, verbose = false;
  std::string trace, json;
  double stall = -1.0;
  int only = -1;
  app.add_option("--seed", seed, "random seed (default: from the clock, printed)");
  app.add_option("--layers", layers, "random layers to run")->check(CLI::NonNegativeNumber);
  app.add_flag("--directed", directed, "also run the directed corner tests");
  app.add_option("--stall", stall, "fixed stall probability for every layer (default: random)")
      ->check(CLI::Range(0.0, 0.95));
  app.add_option("--trace", trace, "write an FST waveform to this file");
  app.add_option("--json", json, "write a JSON summary to this file");
  app.add_option("--only", only, "run only random layer N (the others are generated, not run)");
  app.add_flag("-v,--verbose", verbose, "print every layer");
  ttq::ArrayConfig cfg;  // must equal the parameters this binary's model was verilated with
  app.add_option("--num-pes", cfg.num_pes, "NumPes of the Verilated model");
  app.add_option("--group-size", cfg.group_size, "GroupSize (M)");
  app.add_option("--group-nnz", cfg.group_nnz, "GroupNnz (N)");
  app.add_option("--groups", cfg.groups, "Groups (G)");
  app.add_option("--max-fan-in", cfg.max_fan_in, "MaxFanIn");
  app.add_option("--max-outs", cfg.max_outs, "MaxOuts");
  app.add_option("--wdepth", cfg.wdepth, "WDepth");
  CLI11_PARSE(app, argc, argv);
  if (app.count("--seed") == 0)
    seed = uint64_t(std::chrono::high_resolution_clock::now().time_since_epoch().count()) % 1000000007u;
  cmd_line = std::string(argv[0]) + " --seed " + std::to_string(seed) + " --layers " + std::to_string(layers) +
             (directed ? " --directed" : "") + (stall >= 0 ? " --stall " + std::to_string(stall) : "");
  const ttq::ArrayConfig def;
  auto opt_if = [&](const char* name, int v, int d) {
    if (v != d) cmd_line += std::string(" --") + name + " " + std::to_string(v);
  };
  opt_if("num-pes", cfg.num_pes, def.num_pes);
  opt_if("group-size", cfg.group_size, def.group_size);
  opt_if("group-nnz", cfg.group_nnz, def.group_nnz);
  opt_if("groups", cfg.groups, def.groups);
  opt_if("max-fan-in", cfg.max_fan_in, def.max_fan_in);
  opt_if("max-outs", cfg.max_outs, def.max_outs);
  opt_if("wdepth", cfg.wdepth, def.wdepth);
  std::printf("ttq-rtl-test: seed %llu (%s)\n", (unsigned long long)seed, cmd_line.c_str());

  ttq::SimOptions opt;
  opt.cfg = cfg;
  opt.seed = seed;
  opt.trace_path = trace;
  ttq::AccelSim sim(opt);
  std::mt19937_64 g(seed);
  Summary sum;
  const auto t0 = std::chrono::steady_clock::now();
  if (directed)
    for (Layer& l : directed_layers(opt.cfg, g)) {
      if (stall >= 0) l.stall = stall;
      check_layer(sim, l, sum, verbose);
    }
  for (int i = 0; i < layers; ++i) {
    Layer l = random_layer(opt.cfg, g, i);
    if (only >= 0 && i != only) continue;
    if (stall >= 0) l.stall = stall;
    check_layer(sim, l, sum, verbose);
  }
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("ttq-rtl-test: seed %llu: %d layers, %d passed, %d failed; %lld outputs compared, "
              "%lld exact cycle checks; %lld RTL layer cycles, %lld simulated cycles in %.1f s "
              "(%.0f cycles/s); worst utilization %.3f\n",
              (unsigned long long)seed, sum.layers, sum.passed, sum.failed, (long long)sum.outputs,
              (long long)sum.cycle_checks, (long long)sum.rtl_cycles, (long long)sum.sim_cycles, secs,
              double(sum.sim_cycles) / std::max(secs, 1e-9), sum.worst_util);
  if (!json.empty()) {
    nlohmann::json j = {{"seed", seed},           {"layers", sum.layers},
                        {"passed", sum.passed},   {"failed", sum.failed},
                        {"outputs", sum.outputs}, {"cycle_checks", sum.cycle_checks},
                        {"rtl_cycles", sum.rtl_cycles}, {"sim_cycles", sum.sim_cycles},
                        {"seconds", secs},        {"worst_utilization", sum.worst_util},
                        {"first_failure", sum.first_failure}, {"command", cmd_line}};
    ttq::write_json_atomic(json, j);
  }
  return sum.failed == 0 ? 0 : 1;
}

}  // namespace

int main(int argc, char** argv) { return ttq::tool_main("ttq-rtl-test", run_main, argc, argv, 2); }
