// ttq-sc-platform: a SystemC/TLM-2.0 virtual platform (CPU, bus, memory, TtqAccelTlm) that runs
// one ternary layer of a trained .ttq model on real input vectors (im2col of test-set images) with
// the shared driver sequence and checks the results bit for bit against ttq::ternary_matvec and
// the counters against the cycle model. Without a trained model it runs a seeded random layer and
// says so. --bad-dma runs the directed DMA bus-error test. docs/SYSTEMC.md.
// Exit codes: 0 pass, 1 wrong results / counters / time, 2 bad arguments or the job could not
// run, 3 a DMA bus error stopped the job (reported, with --report, under "bus_error").
#include <CLI/CLI.hpp>
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/golden.hpp"
#include "ttq/model_io.hpp"
#include "ttq/sc/platform.hpp"
#include "ttq/tool_main.hpp"

namespace fs = std::filesystem;
using sc_core::SC_NS;
using sc_core::sc_time;

namespace {

constexpr uint64_t kMemBase = 0x8000'0000ull, kAccelBase = 0x4000'0000ull;

// The trained models looked for when --model is not given (the reference model first).
std::vector<fs::path> default_models() {
  std::vector<fs::path> c;
  for (const fs::path& dir :
       {fs::path(TTQ_BUILD_DIR) / "models", fs::path(TTQ_SOURCE_DIR) / "models",
        fs::path(TTQ_SOURCE_DIR) / "build" / "models"})
    for (const char* f : {"lenet5-fashion-mnist.ttq", "lenet5-mnist.ttq", "resnet20-cifar10.ttq"})
      c.push_back(dir / f);
  return c;
}

// A ternary Conv/Linear node of a trained model, fed with the im2col vectors the integer network
// computes for the first test images of the model's dataset.
ttq::sc::LayerJob model_job(const fs::path& path, const std::string& layer, int nvec,
                            const std::optional<fs::path>& data_dir) {
  const ttq::Model m = ttq::load_model(path);
  int idx = -1;
  std::string names;
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const ttq::Node& n = m.nodes[i];
    if ((n.kind != ttq::NodeKind::Conv && n.kind != ttq::NodeKind::Linear) ||
        n.mm.precision != ttq::Precision::Ternary)
      continue;
    names += (names.empty() ? "" : ", ") + n.name;
    if (idx < 0 && (layer.empty() ? n.mm.fan_in <= ttq::ArrayConfig{}.max_fan_in : n.name == layer))
      idx = int(i);
  }
  if (idx < 0)
    throw std::invalid_argument("--layer '" + layer + "': no such ternary Conv/Linear node in " +
                                path.string() + " (ternary nodes: " + names + ")");
  const ttq::Node& node = m.nodes[size_t(idx)];
  const ttq::Dataset d = ttq::load_dataset(m.dataset, "test", data_dir);
  std::vector<uint8_t> vecs;
  int got = 0;
  for (int img = 0; got < nvec; ++img) {
    if (img >= d.n)
      throw std::invalid_argument("--vectors " + std::to_string(nvec) + ": the test set of " +
                                  m.dataset + " yields only " + std::to_string(got));
    const uint8_t* im = d.image(img);
    ttq::run_network(
        m, std::span<const uint8_t* const>(&im, 1),
        [&](int ni, const ttq::Node& n, std::span<const uint8_t> v, int nv, std::span<int32_t>) {
          if (ni != idx) return false;
          const int take = std::min(nv, nvec - got);
          vecs.insert(vecs.end(), v.begin(), v.begin() + ptrdiff_t(take) * n.mm.fan_in);
          got += take;
          return false;
        });
  }
  ttq::sc::LayerJob j;
  j.label =
      path.string() + " node '" + node.name + "' (" + m.arch + ", " + m.dataset + " test images)";
  j.codes = node.mm.weights;
  j.out_ch = node.mm.out_ch, j.fan_in = node.mm.fan_in;
  j.out = node.mm.out;
  j.relu = node.mm.relu;
  j.vectors = std::move(vecs);
  j.nvec = nvec;
  return j;
}

// A seeded random layer (half the weights zero): --random, or no trained model exists.
ttq::sc::LayerJob random_job(uint64_t seed, int out_ch, int fan_in, int nvec, bool relu,
                             bool asked) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<int> code(-1, 1), act(0, 255), mul(1500, 3000), bias(0, 128);
  ttq::sc::LayerJob j;
  j.label = std::string("RANDOM ternary layer (") +
            (asked ? "--random" : "no trained model found") + "; seed " + std::to_string(seed) +
            ", " + std::to_string(out_ch) + " x " + std::to_string(fan_in) + ")";
  j.out_ch = out_ch, j.fan_in = fan_in, j.nvec = nvec, j.relu = relu;
  j.codes.resize(size_t(out_ch) * fan_in);
  for (auto& c : j.codes) c = rng() % 2 ? 0 : int8_t(rng() % 2 ? 1 : -1);
  for (int o = 0; o < out_ch; ++o)
    j.out.push_back(
        {int16_t(mul(rng)), int16_t(mul(rng)), (bias(rng) - (relu ? 0 : 64)) * 65536, 16});
  j.vectors.resize(size_t(nvec) * fan_in);
  for (auto& a : j.vectors) a = uint8_t(act(rng));
  return j;
}

// --bad-reg: every SLVERR access must have raised a TLM error on the bus, the control read none.
// Exit 0 if so, 1 if not.
int register_probe_exit(const ttq::sc::LayerReport& r) {
  bool ok = !r.register_probes.empty();
  for (const ttq::sc::RegisterProbe& p : r.register_probes) {
    ok = ok && p.as_expected();
    std::printf("%-32s %s (%s)\n", p.what.c_str(), p.error.empty() ? "OK response" : p.error.c_str(),
                p.as_expected() ? "as expected" : "WRONG");
  }
  std::printf("register error responses: %s\n", ok ? "pass" : "FAIL");
  return ok ? 0 : 1;
}

// A DMA error stopped the job: say so on stderr and in the report; exit code 3.
int bus_error_exit(const ttq::sc::BusErrorReport& be, const std::string& injected,
                   uint64_t bad_addr, const std::string& report, const ttq::sc::LayerJob& job,
                   double period_ns) {
  std::fprintf(stderr, "ttq-sc-platform: %s\n", be.message.c_str());
  std::printf("DMA BUS ERROR (injected: %s): code %u (%s) at %s, interrupt %s, seen at %s\n",
              injected.c_str(), be.code, ttq::sc::dma_reg::err_name(be.code),
              ttq::sc::hex(be.addr).c_str(), be.irq ? "raised" : "NOT raised",
              be.at.to_string().c_str());
  if (!report.empty())
    ttq::write_json_atomic(report, {{"tool", "ttq-sc-platform"},
                                    {"layer", job.label},
                                    {"clock_ns", period_ns},
                                    {"pass", false},
                                    {"bus_error",
                                     {{"injected", injected},
                                      {"descriptor_addr", bad_addr},
                                      {"code", be.code},
                                      {"code_name", ttq::sc::dma_reg::err_name(be.code)},
                                      {"memory_error", be.code == ttq::sc::dma_reg::kErrMemory},
                                      {"addr", be.addr},
                                      {"irq", be.irq},
                                      {"seen_at_s", be.at.to_seconds()},
                                      {"message", be.message}}}});
  return 3;
}

int run(int argc, char** argv) {
  CLI::App app{"ttq-sc-platform: a ternary layer through the SystemC/TLM-2.0 accelerator platform"};
  std::string model, layer, report, data_dir;
  int nvec = 64, rand_out = 80, rand_fan_in = 300, burst = 256;
  uint64_t seed = 1;
  double period_ns = 5.0, mem_latency_ns = 40.0, mem_beat_ns = 1.0;
  bool random = false, quiet = false, signed_out = false, memory_bound = false, bad_reg = false;
  std::string bad_dma = "none";
  app.add_option("--model", model,
                 "trained .ttq model (default: build/models/lenet5-*.ttq if present)");
  app.add_option("--layer", layer, "ternary Conv/Linear node name (default: the first that fits)");
  app.add_option("--vectors", nvec, "input vectors (im2col rows of test images)")
      ->check(CLI::Range(1, 1 << 20));
  app.add_option("--clock-ns", period_ns, "accelerator clock period in ns")
      ->check(CLI::Range(0.001, 1e6));
  app.add_option("--mem-latency-ns", mem_latency_ns, "memory latency per transaction, ns")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--mem-beat-ns", mem_beat_ns, "memory time per 16 bytes, ns")
      ->check(CLI::Range(0.0, 1e6));
  app.add_option("--burst-bytes", burst, "DMA burst (one memory transaction), multiple of 16")
      ->check(CLI::Range(16, 1 << 16));
  app.add_flag("--random", random, "run a seeded random layer instead of a trained one");
  app.add_option("--seed", seed, "seed of the random layer");
  app.add_option("--random-shape", rand_out, "random layer outputs")->check(CLI::Range(1, 4096));
  app.add_option("--random-fan-in", rand_fan_in, "random layer fan-in")->check(CLI::Range(1, 2048));
  app.add_flag("--random-signed", signed_out, "random layer without ReLU (signed 8-bit outputs)");
  app.add_flag("--memory-bound", memory_bound,
               "memory may stall the streams: results and time are checked, the counters are "
               "reported but not held to the cycle model (which assumes no back-pressure)");
  app.add_option("--bad-dma", bad_dma,
                 "directed bus-error test: the DMA descriptor of this stream points past the end "
                 "of memory (none, weights, activations, results)")
      ->check(CLI::IsMember({"none", "weights", "activations", "results"}));
  app.add_flag("--bad-reg", bad_reg,
               "instead of the layer, write a read-only register and read an unmapped one: each "
               "must end in a TLM error response (the RTL's SLVERR); exit 0 if so, 1 if not");
  app.add_option("--data-dir", data_dir, "dataset directory (default: the lookup path)");
  app.add_option("--report", report, "JSON report path (e.g. build/reports/systemc.json)");
  app.add_flag("--quiet", quiet, "no SystemC banner / info messages");
  CLI11_PARSE(app, argc, argv);

  ttq::sc::LayerJob job;
  std::string source = "random";
  if (!random && model.empty())
    for (const fs::path& p : default_models())
      if (fs::exists(p)) {
        model = p.string();
        break;
      }
  if (!random && !model.empty()) {
    if (!fs::exists(model)) throw std::invalid_argument("--model " + model + ": no such file");
    job = model_job(model, layer, nvec,
                    data_dir.empty() ? std::nullopt : std::optional<fs::path>(data_dir));
    source = "model";
  } else {
    if (!layer.empty()) throw std::invalid_argument("--layer " + layer + ": needs a --model");
    job = random_job(seed, rand_out, rand_fan_in, nvec, !signed_out, random);
  }
  std::printf("layer: %s\n  %d outputs x fan-in %d, %d vectors, relu %d\n", job.label.c_str(),
              job.out_ch, job.fan_in, job.nvec, int(job.relu));

  if (quiet) {
    sc_core::sc_report_handler::set_actions(sc_core::SC_INFO, sc_core::SC_DO_NOTHING);
  }
  ttq::sc::TlmOptions opt;
  opt.period = sc_time(period_ns, SC_NS);
  opt.burst_bytes = uint32_t(burst);
  opt.w_fifo_words = std::max<size_t>(opt.w_fifo_words, 2 * size_t(burst) / 4);
  opt.a_fifo_beats = std::max<size_t>(opt.a_fifo_beats, 2 * size_t(burst) / ttq::sc::kBeatBytes);
  const uint64_t mem_size = 64ull << 20;
  const ttq::sc::BusMap map{kMemBase, mem_size, kAccelBase};
  // The budget of a pass grows with the memory's latency per burst (in clock periods).
  job.slowdown = 1.0 + mem_latency_ns / period_ns;
  const ttq::sc::BadDma bad = bad_dma == "weights"       ? ttq::sc::BadDma::Weights
                              : bad_dma == "activations" ? ttq::sc::BadDma::Activations
                              : bad_dma == "results"     ? ttq::sc::BadDma::Results
                                                         : ttq::sc::BadDma::None;
  ttq::sc::TtqAccelTlm accel("accel", opt);
  ttq::sc::Memory mem("mem", mem_size, sc_time(mem_latency_ns, SC_NS), sc_time(mem_beat_ns, SC_NS));
  ttq::sc::Bus bus("bus", kMemBase, mem_size, kAccelBase);
  ttq::sc::Cpu cpu("cpu", job, accel, map, bad);
  sc_core::sc_signal<bool> irq("irq");
  cpu.bus.bind(bus.in);
  bus.mem.bind(mem.socket);
  bus.accel.bind(accel.regs);
  accel.dma.bind(bus.in);  // the DMA sees memory at the same system addresses as the CPU
  accel.irq.bind(irq);
  cpu.irq.bind(irq);
  if (bad_reg) cpu.probe_register_errors();
  if (bad != ttq::sc::BadDma::None)  // the DMA's warning is the expected outcome here
    sc_core::sc_report_handler::set_actions(sc_core::SC_WARNING, sc_core::SC_DO_NOTHING);

  const auto t0 = std::chrono::steady_clock::now();
  sc_core::sc_start();
  const double wall = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  if (!cpu.finished()) throw std::runtime_error("simulation stopped before the CPU finished");
  if (bad_reg) return register_probe_exit(cpu.report());
  const ttq::sc::BusErrorReport& be = cpu.report().bus_error;
  if (be.seen) return bus_error_exit(be, bad_dma, kMemBase + mem_size, report, job, period_ns);
  if (bad != ttq::sc::BadDma::None)
    throw std::runtime_error("--bad-dma " + bad_dma + ": no DMA error reached the CPU" +
                             (cpu.error().empty() ? "" : " (" + cpu.error() + ")"));
  if (!cpu.error().empty()) throw std::runtime_error(cpu.error());

  const ttq::sc::LayerReport& r = cpu.report();
  const double period_s = opt.period.to_seconds();
  bool ok = r.mismatches == 0;
  nlohmann::json jp = nlohmann::json::array();
  std::printf("%-6s %-6s %10s %10s %8s %8s %12s %12s %8s\n", "pass", "outs", "PERF_TOTAL", "model",
              "stall", "wload", "layer time", "cyc x T", "match");
  for (size_t i = 0; i < r.passes.size(); ++i) {
    const ttq::sc::PassReport& p = r.passes[i];
    ok = ok && (p.cycles_match || memory_bound) && p.time_match;
    std::printf("%-6zu %-6d %10u %10lld %8u %8u %12s %12s %8s\n", i, p.out_ch, p.perf.total,
                static_cast<long long>(p.model.cycles), p.perf.stall, p.perf.wload_cycles,
                p.layer_time.to_string().c_str(),
                (opt.period * double(p.perf.total)).to_string().c_str(),
                p.time_match && p.cycles_match ? "yes"
                : p.time_match && memory_bound ? "stalled"
                                               : "NO");
    jp.push_back({{"out0", p.out0},
                  {"out_ch", p.out_ch},
                  {"perf_total", p.perf.total},
                  {"perf_busy", p.perf.busy},
                  {"perf_stall", p.perf.stall},
                  {"perf_nnz", p.perf.nnz},
                  {"perf_results", p.perf.results},
                  {"wload_cycles", p.perf.wload_cycles},
                  {"wload_words", p.perf.wload_words},
                  {"model_cycles", p.model.cycles},
                  {"model_busy", p.model.busy},
                  {"model_stall", p.model.stall},
                  {"model_wload_cycles", p.model.wload_cycles},
                  {"layer_edges", p.layer_edges},
                  {"start_s", p.start.to_seconds()},
                  {"last_result_s", p.last_result.to_seconds()},
                  {"layer_time_s", p.layer_time.to_seconds()},
                  {"cycles_x_period_s", double(p.perf.total) * period_s},
                  {"irq_latency_s", p.irq_latency.to_seconds()},
                  {"cycles_match", p.cycles_match},
                  {"time_match", p.time_match}});
  }
  int64_t cycles = 0;
  for (const auto& p : r.passes) cycles += p.perf.total;
  const double sim_cycles = double(accel.cycles());
  std::printf("outputs: %zu, mismatches vs ttq::ternary_matvec: %lld%s%s\n", r.y.size(),
              static_cast<long long>(r.mismatches), r.mismatches ? ", first: " : "",
              r.first_mismatch.c_str());
  std::printf(
      "layer: %lld cycles in %zu pass(es) = %.3f us at %.3f ns; whole job %s simulated, "
      "%.0f cycles in %.2f s wall (%.0f cycles/s); memory: %llu transactions\n",
      static_cast<long long>(cycles), r.passes.size(), double(cycles) * period_s * 1e6, period_ns,
      r.sim_time.to_string().c_str(), sim_cycles, wall, sim_cycles / wall,
      static_cast<unsigned long long>(mem.transactions()));
  std::printf("%s\n",
              !ok ? "FAIL"
              : memory_bound
                  ? "PASS: results bit-exact, time == cycles x period (memory-bound)"
                  : "PASS: results bit-exact, counters == cycle model, time == cycles x period");
  if (!report.empty()) {
    nlohmann::json j = {{"tool", "ttq-sc-platform"},
                        {"source", source},
                        {"layer", job.label},
                        {"out_ch", job.out_ch},
                        {"fan_in", job.fan_in},
                        {"vectors", job.nvec},
                        {"relu", job.relu},
                        {"clock_ns", period_ns},
                        {"memory_bound", memory_bound},
                        {"mem_latency_ns", mem_latency_ns},
                        {"mem_beat_ns", mem_beat_ns},
                        {"burst_bytes", burst},
                        {"outputs", r.y.size()},
                        {"mismatches", r.mismatches},
                        {"layer_cycles", cycles},
                        {"layer_time_s", double(cycles) * period_s},
                        {"job_sim_time_s", r.sim_time.to_seconds()},
                        {"sim_cycles", sim_cycles},
                        {"wall_s", wall},
                        {"cycles_per_s", sim_cycles / wall},
                        {"mem_transactions", mem.transactions()},
                        {"mem_bytes_read", mem.bytes_read()},
                        {"mem_bytes_written", mem.bytes_written()},
                        {"passes", jp},
                        {"pass", ok}};
    ttq::write_json_atomic(report, j);
  }
  return ok ? 0 : 1;
}

}  // namespace

int sc_main(int argc, char* argv[]) {
  return ttq::tool_main("ttq-sc-platform", run, argc, argv, 2);
}
