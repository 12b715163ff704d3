#include "ttq/e2e/e2e.hpp"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <exception>
#include <future>
#include <map>
#include <mutex>
#include <sstream>
#include <thread>
#include <utility>

#include "ttq/accel_sim.hpp"
#include "ttq/cycle_model.hpp"
#include "ttq/golden.hpp"
#include "ttq/layer.hpp"
#include "ttq/model_io.hpp"
#include "ttq/progress.hpp"

namespace ttq::e2e {
namespace {

using Clock = std::chrono::steady_clock;

bool on_rtl(const Node& n) {
  return (n.kind == NodeKind::Conv || n.kind == NodeKind::Linear) &&
         n.mm.precision == Precision::Ternary;
}

// Vectors one image contributes to a matmul node: output pixels of a Conv, 1 for a Linear.
int vectors_per_image(const Node& n) { return n.kind == NodeKind::Conv ? n.shape.h * n.shape.w : 1; }

// Per ternary node, summed over every call of one thread (then over threads).
struct LayerAcc {
  int64_t vectors = 0, calls = 0, passes = 0;
  int64_t cycles = 0, busy = 0, stall = 0, nnz_ops = 0, results = 0;
  int64_t wload_cycles = 0, wload_bytes = 0, sim_cycles = 0;
  double ideal = 0;
  void add(const LayerAcc& o) {
    vectors += o.vectors, calls += o.calls, passes += o.passes;
    cycles += o.cycles, busy += o.busy, stall += o.stall, nnz_ops += o.nnz_ops, results += o.results;
    wload_cycles += o.wload_cycles, wload_bytes += o.wload_bytes, sim_cycles += o.sim_cycles;
    ideal += o.ideal;
  }
};

struct Counts {
  int n = 0, correct_float = 0, correct_golden = 0, correct_rtl = 0;
  std::vector<ImagePrediction> rows;  // --predictions only
  void add(const Counts& o) {
    n += o.n, correct_float += o.correct_float, correct_golden += o.correct_golden,
        correct_rtl += o.correct_rtl;
    rows.insert(rows.end(), o.rows.begin(), o.rows.end());
  }
};

// --predictions: the rows in image order as CSV.
void write_predictions(const SimConfig& cfg, std::vector<ImagePrediction>& rows) {
  if (cfg.predictions.empty()) return;
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.index < b.index; });
  write_predictions_csv(cfg.predictions, rows);
}

std::string shell_quote(const std::string& s) {
  if (!s.empty() && s.find_first_not_of("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
                                        "-_./=:+,@") == std::string::npos)
    return s;
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}

double secs(Clock::time_point a, Clock::time_point b) {
  return std::chrono::duration<double>(b - a).count();
}

// Thread-seconds spent per activity (summed over threads).
struct Times {
  double rtl_network = 0;     // run_network with the hook (includes rtl and check)
  double rtl = 0;             // Verilated ttq_accel: load, stream, collect
  double check = 0;           // RTL outputs vs the golden run's outputs of the same node
  double golden_network = 0;  // independent golden run of the batch
  double float_ref = 0;       // float reference
  void add(const Times& o) {
    rtl_network += o.rtl_network, rtl += o.rtl, check += o.check;
    golden_network += o.golden_network, float_ref += o.float_ref;
  }
};

// The golden cycle model's statistics per (node, pass, nvec), shared by the threads: each entry
// is computed once (cycle_model of a 6,400-vector conv2 batch takes about a second).
class CycleCache {
 public:
  const CycleStats& get(int ni, size_t pass, const Program& prog, int nvec) {
    const auto key = std::make_tuple(ni, pass, nvec);
    std::shared_future<CycleStats> f;
    std::promise<CycleStats> mine;
    bool compute = false;
    {
      std::lock_guard lock(mu_);
      auto it = map_.find(key);
      if (it == map_.end()) {
        it = map_.emplace(key, mine.get_future().share()).first;
        compute = true;
      }
      f = it->second;
    }
    if (compute) {
      try {
        mine.set_value(cycle_model(prog, nvec));
      } catch (...) {
        mine.set_exception(std::current_exception());
      }
    }
    return f.get();  // a reference into the shared state, which the map keeps alive
  }

 private:
  std::mutex mu_;
  std::map<std::tuple<int, size_t, int>, std::shared_future<CycleStats>> map_;
};

// One thread's state: its own Verilated ttq_accel, the compiled programs of every ternary node.
class Worker {
 public:
  Worker(const Model& m, const Dataset& d, const SimConfig& cfg, int id, CycleCache& cycles)
      : m_(m), d_(d), cfg_(cfg), sim_(options(id, !cfg.checked_rtl)), cycles_(cycles),
        acc_(m.nodes.size()) {}

  // fast: the speed build of the Verilated model (no assertions / tracing); waveforms and
  // --checked-rtl use the checked build.
  static SimOptions options(int id, bool fast) {
    SimOptions o;
    o.seed = uint64_t(id) + 1;
    o.fast = fast;
    return o;
  }

  // A batch of images (indices into d_) through the golden model alone, then through the network
  // with every ternary layer on the RTL (via the hook, which checks each layer's RTL outputs
  // against the golden run's outputs of that node), and through the float reference.
  Counts run_batch(const std::vector<int>& idx, const FloatReference* ref) {
    Counts counts;
    batch_ = &idx;
    std::vector<const uint8_t*> ptrs;
    for (int i : idx) ptrs.push_back(d_.image(i));
    const MatMulHook hook = [this](int ni, const Node& n, std::span<const uint8_t> v, int nvec,
                                   std::span<int32_t> y) { return on_matmul(ni, n, v, nvec, y); };
    const auto t0 = Clock::now();
    gold_ = run_network(m_, ptrs);
    const auto t1 = Clock::now();
    const auto rtl = run_network(m_, ptrs, hook);
    const auto t2 = Clock::now();
    times_.golden_network += secs(t0, t1);
    times_.rtl_network += secs(t1, t2);
    const auto& gold = gold_;
    const size_t last = m_.nodes.size() - 1;
    for (size_t b = 0; b < idx.size(); ++b) {
      const Tensor& yr = rtl[b][last];
      const Tensor& yg = gold[b][last];
      if (yr.data != yg.data) {
        size_t k = 0;
        while (k < yr.data.size() && yr.data[k] == yg.data[k]) ++k;
        throw Mismatch("network output of image " + std::to_string(idx[b]) + " (node '" +
                       m_.nodes[last].name + "', output " + std::to_string(k) +
                       "): golden run " + std::to_string(yg.data[k]) + ", RTL run " +
                       std::to_string(yr.data[k]) + " although every RTL layer matched" +
                       repro(idx[b], 1, m_.nodes[last].name));
      }
      const int label = d_.labels[size_t(idx[b])];
      counts.n += 1;
      counts.correct_rtl += argmax(yr.data) == label;
      counts.correct_golden += argmax(yg.data) == label;
      std::vector<float> fl;
      if (ref) fl = ref->run(d_.image(idx[b])).back().data;
      if (ref) counts.correct_float += argmax(fl) == label;
      if (!cfg_.predictions.empty())
        counts.rows.push_back({idx[b], label, argmax(yr.data), yr.data, ref ? argmax(fl) : -1, fl});
    }
    times_.float_ref += secs(t2, Clock::now());
    return counts;
  }

  const std::vector<LayerAcc>& acc() const { return acc_; }
  uint64_t sim_cycles() const { return sim_.cycles() + traced_cycles_; }
  const Times& times() const { return times_; }

 private:
  bool on_matmul(int ni, const Node& n, std::span<const uint8_t> vectors, int nvec,
                 std::span<int32_t> y) {
    if (!on_rtl(n)) return false;  // the Int8 first layer stays on the host
    const MatMulParams& p = n.mm;
    auto it = programs_.find(ni);
    if (it == programs_.end())
      it = programs_.emplace(ni, sim_.compile_passes(p.weights, p.out_ch, p.fan_in, p.out)).first;
    const std::vector<Program>& passes = it->second;

    std::unique_ptr<AccelSim> traced;
    AccelSim* sim = &sim_;
    if (!cfg_.trace_dir.empty() && (cfg_.layer.empty() || cfg_.layer == n.name ||
                                    cfg_.layer == std::to_string(ni))) {
      SimOptions o = options(0, false);  // the checked build: assertions on, traceable
      const std::filesystem::path f = std::filesystem::path(cfg_.trace_dir) /
                                      (n.name + "-image" + std::to_string(batch_->front()) + ".fst");
      std::filesystem::create_directories(f.parent_path());
      o.trace_path = f.string();
      traced = std::make_unique<AccelSim>(o);
      sim = traced.get();
      std::fprintf(stderr, "trace: %s (layer '%s', node %d, %d vectors)\n", f.c_str(),
                   n.name.c_str(), ni, nvec);
    }
    const uint64_t c0 = sim->cycles();
    const auto t0 = Clock::now();

    LayerAcc& a = acc_[size_t(ni)];
    int o0 = 0;
    for (size_t pi = 0; pi < passes.size(); ++pi) {
      const Program& prog = passes[pi];
      const LayerRun r = sim->run_program(prog, p.relu, vectors, nvec);
      const CycleStats& cm = expected(ni, pi, prog, nvec);
      check_counter(n, ni, pi, "PERF_TOTAL (cycles)", r.perf.total, cm.cycles);
      check_counter(n, ni, pi, "PERF_BUSY", r.perf.busy, cm.busy);
      check_counter(n, ni, pi, "PERF_STALL", r.perf.stall, cm.stall);
      check_counter(n, ni, pi, "PERF_NNZ", r.perf.nnz, cm.nonzeros);
      check_counter(n, ni, pi, "PERF_RESULTS", r.perf.results, cm.results);
      for (int v = 0; v < nvec; ++v)
        std::copy_n(r.y.begin() + ptrdiff_t(size_t(v) * prog.out_ch), prog.out_ch,
                    y.begin() + ptrdiff_t(size_t(v) * p.out_ch + o0));
      o0 += prog.out_ch;
      a.passes += 1;
      a.cycles += r.cycles, a.busy += r.perf.busy, a.stall += r.perf.stall;
      a.nnz_ops += r.perf.nnz, a.results += r.perf.results, a.ideal += cm.ideal;
      a.wload_cycles += r.wload_cycles, a.wload_bytes += r.wload_bytes;
    }
    if (cfg_.fault_image >= 0 && cfg_.fault_layer == n.name) {
      const auto& b = *batch_;
      const auto f = std::find(b.begin(), b.end(), cfg_.fault_image);
      if (f != b.end()) y[size_t(f - b.begin()) * size_t(nvec / int(b.size())) * size_t(p.out_ch)] ^= 1;
    }
    a.calls += 1;
    a.vectors += nvec;
    a.sim_cycles += int64_t(sim->cycles() - c0);
    if (traced) traced_cycles_ += traced->cycles();

    const auto t1 = Clock::now();
    times_.rtl += secs(t0, t1);
    // Bit-exact check of every output against the golden model: the independent golden run of
    // this batch (run_batch) computed node ni with ternary_matvec on its own im2col vectors,
    // which are these vectors as long as every earlier layer matched (checked there first).
    const int vpi = nvec / int(batch_->size());
    const size_t oc = size_t(p.out_ch);
    for (int v = 0; v < nvec; ++v) {
      const std::vector<int32_t>& want = gold_[size_t(v / vpi)][size_t(ni)].data;
      const size_t pix = size_t(v % vpi);
      const int32_t* got = y.data() + size_t(v) * oc;
      for (size_t o = 0; o < oc; ++o) {
        if (got[o] == want[o * size_t(vpi) + pix]) continue;
        mismatch(ni, n, vectors, nvec, y, v, int(o), want[o * size_t(vpi) + pix]);
      }
    }
    times_.check += secs(t1, Clock::now());
    return true;
  }

  // Reports output o of vector v of node ni, which differs from the golden run's (want).
  [[noreturn]] void mismatch(int ni, const Node& n, std::span<const uint8_t> vectors, int nvec,
                             std::span<const int32_t> y, int v, int o, int32_t want) const {
    const MatMulParams& p = n.mm;
    const int vpi = nvec / int(batch_->size());
    const int image = (*batch_)[size_t(v / vpi)], pix = v % vpi;
    const int32_t got = y[size_t(v) * size_t(p.out_ch) + size_t(o)];
    // Tell an RTL error from a host-side one: the golden ternary_matvec on the vector the RTL got.
    std::vector<int32_t> same(size_t(p.out_ch));
    ternary_matvec(p.weights, p.out_ch, p.fan_in,
                   vectors.subspan(size_t(v) * size_t(p.fan_in), size_t(p.fan_in)), p.out, p.relu, same);
    const std::string where = n.kind == NodeKind::Conv
                                  ? ", output pixel (" + std::to_string(pix / n.shape.w) + "," +
                                        std::to_string(pix % n.shape.w) + ")"
                                  : "";
    const std::string head = "image " + std::to_string(image) + " of " + d_.name + " " + d_.split +
                             ", layer '" + n.name + "' (node " + std::to_string(ni) + ")" + where +
                             ", output channel " + std::to_string(o) + ": expected " +
                             std::to_string(want) + " (golden model), got " + std::to_string(got);
    if (same[size_t(o)] == got)
      throw Mismatch("host-side mismatch: " + head + " (RTL) although the RTL is right for the "
                     "vector it was given (golden ternary_matvec " + std::to_string(same[size_t(o)]) +
                     "): its input vectors differ from the golden run's" + repro(image, 1, n.name));
    throw Mismatch("RTL output mismatch: " + head + " (RTL; golden ternary_matvec on the same vector " +
                   std::to_string(same[size_t(o)]) + ")" + repro(image, 1, n.name));
  }

  const CycleStats& expected(int ni, size_t pass, const Program& prog, int nvec) {
    return cycles_.get(ni, pass, prog, nvec);
  }

  void check_counter(const Node& n, int ni, size_t pass, const char* what, int64_t got,
                     int64_t want) const {
    if (got == want) return;
    const std::vector<int>& b = *batch_;
    throw Mismatch("RTL cycle/counter mismatch: layer '" + n.name + "' (node " + std::to_string(ni) +
                   "), pass " + std::to_string(pass) + ", batch of images " +
                   std::to_string(b.front()) + ".." + std::to_string(b.back()) + ": " + what +
                   " expected " + std::to_string(want) + " (golden cycle model), got " +
                   std::to_string(got) + " (RTL)" + repro(b.front(), int(b.size()), n.name));
  }

  // The command that reruns exactly this batch on one thread with a waveform of the layer.
  std::string repro(int first, int count, const std::string& layer) const {
    std::string c = "\n  reproduce with a waveform: " + shell_quote(cfg_.exe) + " --model " +
                    shell_quote(cfg_.model_path.string()) + " --dataset " + shell_quote(cfg_.dataset) +
                    " --split " + shell_quote(cfg_.split);
    if (cfg_.data_dir) c += " --data-dir " + shell_quote(cfg_.data_dir->string());
    if (count == 1)
      c += " --image " + std::to_string(first);
    else
      c += " --first " + std::to_string(first) + " --images " + std::to_string(count) +
           " --batch " + std::to_string(count);
    c += " --threads 1 --layer " + shell_quote(layer) + " --trace-dir build/traces";
    return c;
  }

  const Model& m_;
  const Dataset& d_;
  const SimConfig& cfg_;
  AccelSim sim_;
  CycleCache& cycles_;
  std::map<int, std::vector<Program>> programs_;
  std::vector<LayerAcc> acc_;
  const std::vector<int>* batch_ = nullptr;
  std::vector<std::vector<Tensor>> gold_;  // the golden run of the current batch
  uint64_t traced_cycles_ = 0;
  Times times_;
};

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

}  // namespace

nlohmann::json run_sim(const Model& m, const Dataset& d, const SimConfig& cfg) {
  validate(m, cfg.model_path.string());
  const Shape in = m.nodes[0].shape;
  if (in.c != d.c || in.h != d.h || in.w != d.w)
    throw std::invalid_argument("--dataset " + d.name + ": images are " + std::to_string(d.c) + "x" +
                                std::to_string(d.h) + "x" + std::to_string(d.w) + " but model " +
                                cfg.model_path.string() + " expects " + std::to_string(in.c) + "x" +
                                std::to_string(in.h) + "x" + std::to_string(in.w));
  if (m.num_classes != d.num_classes)
    throw std::invalid_argument("--dataset " + d.name + ": " + std::to_string(d.num_classes) +
                                " classes but model " + cfg.model_path.string() + " has " +
                                std::to_string(m.num_classes));
  if (cfg.threads < 1) throw std::invalid_argument("--threads " + std::to_string(cfg.threads) + ": must be >= 1");
  if (cfg.batch < 1) throw std::invalid_argument("--batch " + std::to_string(cfg.batch) + ": must be >= 1");
  if (!(cfg.clock_ns > 0)) throw std::invalid_argument("--clock-ns " + std::to_string(cfg.clock_ns) + ": must be > 0");

  // Which images.
  int first = cfg.first, count = cfg.images <= 0 ? d.n - cfg.first : cfg.images;
  if (cfg.image >= 0) first = cfg.image, count = 1;
  if (first < 0 || first >= d.n)
    throw std::invalid_argument((cfg.image >= 0 ? "--image " : "--first ") + std::to_string(first) +
                                ": the " + d.name + " " + d.split + " split has " +
                                std::to_string(d.n) + " images");
  if (count > d.n - first)
    throw std::invalid_argument("--images " + std::to_string(count) + ": only " +
                                std::to_string(d.n - first) + " images from index " +
                                std::to_string(first) + " in " + d.name + " " + d.split);
  if (!cfg.trace_dir.empty() && count > cfg.batch)
    throw std::invalid_argument("--trace-dir " + cfg.trace_dir + ": traces one batch; use --image I or --images N <= --batch (" +
                                std::to_string(count) + " images requested)");
  bool layer_found = cfg.layer.empty();
  for (size_t i = 0; i < m.nodes.size(); ++i)
    if (cfg.layer == m.nodes[i].name || cfg.layer == std::to_string(i)) layer_found = layer_found || on_rtl(m.nodes[i]);
  if (!layer_found)
    throw std::invalid_argument("--layer " + cfg.layer + ": no ternary Conv/Linear node of that name or index in " +
                                cfg.model_path.string());

  const int threads = std::max(1, std::min(cfg.threads, (count + cfg.batch - 1) / cfg.batch));
  std::vector<std::vector<int>> batches;
  for (int i = 0; i < count; i += cfg.batch) {
    std::vector<int> b;
    for (int k = i; k < std::min(count, i + cfg.batch); ++k) b.push_back(first + k);
    batches.push_back(std::move(b));
  }

  std::unique_ptr<FloatReference> ref;
  if (cfg.with_float) ref = std::make_unique<FloatReference>(m);

  std::atomic<size_t> next{0};
  std::atomic<bool> stop{false};
  std::mutex mu;
  std::exception_ptr error;
  Counts total;
  std::vector<LayerAcc> acc(m.nodes.size());
  uint64_t sim_cycles = 0;
  Times times;
  std::optional<Progress> bar;
  if (cfg.progress) bar.emplace("sim " + m.arch + " on RTL", size_t(count));
  const auto t0 = Clock::now();

  CycleCache cycle_cache;
  auto work = [&](int id) {
    try {
      Worker w(m, d, cfg, id, cycle_cache);
      for (;;) {
        if (stop) break;
        const size_t b = next++;
        if (b >= batches.size()) break;
        const Counts c = w.run_batch(batches[b], ref.get());
        std::lock_guard lock(mu);
        total.add(c);
        if (bar) {
          const double s = std::chrono::duration<double>(Clock::now() - t0).count();
          bar->update(size_t(total.n), fmt("%.1f img/s", total.n / std::max(s, 1e-9)) +
                                           fmt("  RTL acc %.2f%%", 100.0 * total.correct_rtl / total.n));
        }
      }
      std::lock_guard lock(mu);
      for (size_t i = 0; i < acc.size(); ++i) acc[i].add(w.acc()[i]);
      sim_cycles += w.sim_cycles();
      times.add(w.times());
    } catch (...) {
      std::lock_guard lock(mu);
      if (!error) error = std::current_exception();
      stop = true;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < threads; ++t) pool.emplace_back(work, t);
  work(0);
  for (auto& t : pool) t.join();
  const double wall = std::chrono::duration<double>(Clock::now() - t0).count();
  if (error) {
    if (bar) bar->finish("stopped");
    std::rethrow_exception(error);
  }
  write_predictions(cfg, total.rows);
  if (bar) bar->finish(fmt("%.1f img/s", total.n / std::max(wall, 1e-9)) +
                       fmt("  RTL acc %.2f%%", 100.0 * total.correct_rtl / std::max(total.n, 1)));

  // ---- report ---------------------------------------------------------------------------------
  nlohmann::json layers = nlohmann::json::array(), host = nlohmann::json::array();
  int64_t cyc_all = 0, wload_all = 0;
  double ideal_all = 0;
  // The array the workers simulate; passes are compiled on the host, no Verilated model needed.
  const ArrayConfig hw = Worker::options(0, false).cfg;
  for (size_t i = 1; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    if (!on_rtl(n)) {
      host.push_back({{"node", i}, {"name", n.name}, {"kind", kind_name(n.kind)},
                      {"precision", n.kind == NodeKind::Conv || n.kind == NodeKind::Linear
                                        ? precision_name(n.mm.precision) : "-"}});
      continue;
    }
    const LayerAcc& a = acc[i];
    const MatMulParams& p = n.mm;
    int64_t nz = 0;
    for (int8_t c : p.weights) nz += c != 0;
    // Speedup over the dense schedule of the same array, by the cycle model, at one batch.
    const int64_t nvec = int64_t(vectors_per_image(n)) * std::min(cfg.batch, count);
    int64_t sparse_cyc = 0;
    const std::vector<Program> sparse = compile_passes(p.weights, p.out_ch, p.fan_in, p.out, hw, false);
    for (size_t pi = 0; pi < sparse.size(); ++pi)
      sparse_cyc += cycle_cache.get(int(i), pi, sparse[pi], int(nvec)).cycles;
    const int64_t dense_cyc = cycle_model(compile_passes(p.weights, p.out_ch, p.fan_in, p.out, hw, true), nvec).cycles;
    cyc_all += a.cycles, ideal_all += a.ideal, wload_all += a.wload_cycles;
    layers.push_back({{"node", i}, {"name", n.name}, {"kind", kind_name(n.kind)},
                      {"out_ch", p.out_ch}, {"fan_in", p.fan_in},
                      {"vectors_per_image", vectors_per_image(n)},
                      {"passes", a.calls ? a.passes / a.calls : 0},
                      {"weights", p.weights.size()}, {"nonzero_weights", nz},
                      {"sparsity", 1.0 - double(nz) / double(p.weights.size())},
                      {"cycles", a.cycles}, {"ideal_cycles", a.ideal},
                      {"cycles_per_image", double(a.cycles) / total.n},
                      {"ideal_cycles_per_image", a.ideal / total.n},
                      {"utilization", a.cycles ? a.ideal / double(a.cycles) : 0.0},
                      {"busy_cycles", a.busy}, {"stall_cycles", a.stall},
                      {"weight_load_cycles", a.wload_cycles}, {"weight_load_bytes", a.wload_bytes},
                      {"dense_cycles_per_batch", dense_cyc}, {"sparse_cycles_per_batch", sparse_cyc},
                      {"speedup_vs_dense", sparse_cyc ? double(dense_cyc) / double(sparse_cyc) : 0.0},
                      {"vectors", a.vectors}, {"calls", a.calls}});
  }
  const double cyc_img = double(cyc_all) / total.n;
  const double cyc_img_load = double(cyc_all + wload_all) / total.n;
  auto acc_of = [&](int c) { return total.n ? double(c) / total.n : 0.0; };
  nlohmann::json r = {
      {"command", cfg.command},
      {"model", cfg.model_path.string()},
      {"arch", m.arch},
      {"model_dataset", m.dataset},
      {"dataset", d.name},
      {"split", d.split},
      {"first_image", first},
      {"images", total.n},
      {"threads", threads},
      {"batch", cfg.batch},
      {"accuracy",
       {{"float", cfg.with_float ? nlohmann::json(acc_of(total.correct_float)) : nlohmann::json()},
        {"golden", acc_of(total.correct_golden)},
        {"rtl", acc_of(total.correct_rtl)}}},
      {"correct",
       {{"float", total.correct_float}, {"golden", total.correct_golden}, {"rtl", total.correct_rtl}}},
      {"rtl_equals_golden", total.correct_rtl == total.correct_golden},
      {"mismatches", 0},
      {"checked",
       "every output of every RTL layer vs the golden model's output of that node (an independent "
       "golden run of the batch); PERF_TOTAL/BUSY/STALL/NNZ/RESULTS of every pass vs cycle_model; "
       "network logits vs the golden run"},
      {"rtl_build", cfg.checked_rtl ? "checked (assertions, --x-assign unique)"
                                    : "fast (no assertions, --x-assign fast)"},
      {"layers", layers},
      {"host_nodes", host},
      {"aggregate_utilization", cyc_all ? ideal_all / double(cyc_all) : 0.0},
      {"per_image",
       {{"cycles", cyc_img},
        {"cycles_with_weight_load", cyc_img_load},
        {"clock_ns", cfg.clock_ns},
        {"images_per_s", cyc_img > 0 ? 1e9 / (cfg.clock_ns * cyc_img) : 0.0},
        {"images_per_s_with_weight_load", cyc_img_load > 0 ? 1e9 / (cfg.clock_ns * cyc_img_load) : 0.0}}},
      {"simulation",
       {{"wall_s", wall},
        {"images_per_s", total.n / std::max(wall, 1e-9)},
        {"cycles_simulated", sim_cycles},
        {"cycles_per_s", double(sim_cycles) / std::max(wall, 1e-9)},
        {"thread_seconds",
         {{"rtl", times.rtl},
          {"check_vs_golden", times.check},
          {"host_ops_in_rtl_run", times.rtl_network - times.rtl - times.check},
          {"golden_network", times.golden_network},
          {"float_reference", times.float_ref}}}}}};
  return r;
}

std::string markdown(const nlohmann::json& r) {
  std::ostringstream o;
  auto pct = [](const nlohmann::json& v) { return v.is_null() ? std::string("n/a") : fmt("%.2f%%", 100.0 * v.get<double>()); };
  o << "## ttq-sim: " << r["arch"].get<std::string>() << " on the Verilated ttq_accel\n\n";
  o << "| | |\n|---|---|\n";
  o << "| model | " << r["model"].get<std::string>() << " |\n";
  o << "| images | " << r["images"] << " of " << r["dataset"].get<std::string>() << " "
    << r["split"].get<std::string>() << " (from index " << r["first_image"] << ") |\n";
  o << "| accuracy float TTQ / golden int / RTL | " << pct(r["accuracy"]["float"]) << " / "
    << pct(r["accuracy"]["golden"]) << " / " << pct(r["accuracy"]["rtl"]) << " |\n";
  o << "| RTL == golden | " << (r["rtl_equals_golden"].get<bool>() ? "yes" : "NO") << " |\n";
  o << "| mismatches | " << r["mismatches"] << " |\n";
  o << "| aggregate utilization | " << fmt("%.3f", r["aggregate_utilization"].get<double>()) << " |\n";
  const auto& pi = r["per_image"];
  o << "| cycles / image (+ weight load) | " << fmt("%.0f", pi["cycles"].get<double>()) << " ("
    << fmt("%.0f", pi["cycles_with_weight_load"].get<double>()) << ") |\n";
  o << "| images/s at " << fmt("%.2f", pi["clock_ns"].get<double>()) << " ns (+ weight load) | "
    << fmt("%.0f", pi["images_per_s"].get<double>()) << " ("
    << fmt("%.0f", pi["images_per_s_with_weight_load"].get<double>()) << ") |\n";
  const auto& s = r["simulation"];
  o << "| wall time, threads | " << fmt("%.1f s", s["wall_s"].get<double>()) << ", " << r["threads"] << " |\n";
  o << "| simulated cycles/s | " << fmt("%.3g", s["cycles_per_s"].get<double>()) << " |\n\n";
  o << "| layer | kind | out x fan-in | vec/img | nonzero w | sparsity | cycles/img | ideal/img | util | speedup vs dense |\n";
  o << "|---|---|---|---|---|---|---|---|---|---|\n";
  for (const auto& l : r["layers"])
    o << "| " << l["name"].get<std::string>() << " | " << l["kind"].get<std::string>() << " | "
      << l["out_ch"] << " x " << l["fan_in"] << " | " << l["vectors_per_image"] << " | "
      << l["nonzero_weights"] << " | " << fmt("%.3f", l["sparsity"].get<double>()) << " | "
      << fmt("%.0f", l["cycles_per_image"].get<double>()) << " | "
      << fmt("%.0f", l["ideal_cycles_per_image"].get<double>()) << " | "
      << fmt("%.3f", l["utilization"].get<double>()) << " | "
      << fmt("%.2fx", l["speedup_vs_dense"].get<double>()) << " |\n";
  o << "\nOn the host (golden integer arithmetic):";
  for (const auto& h : r["host_nodes"])
    o << " " << h["name"].get<std::string>() << " (" << h["kind"].get<std::string>()
      << (h["precision"] == "-" ? std::string() : " " + h["precision"].get<std::string>()) << ")";
  o << "\n";
  return o.str();
}

}  // namespace ttq::e2e
