#include "ttq/trainer/train.hpp"

#include <omp.h>

#include <Eigen/Core>
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstring>
#include <iostream>
#include <numbers>
#include <sstream>
#include <stdexcept>

#include "ttq/fileio.hpp"
#include "ttq/nm.hpp"
#include "ttq/progress.hpp"
#include "ttq/trainer/checkpoint.hpp"
#include "ttq/trainer/export.hpp"
#include "ttq/trainer/net.hpp"
#include "ttq/trainer/plots.hpp"

namespace ttq::train {
namespace fs = std::filesystem;
using nlohmann::json;

json TrainConfig::identity() const {
  json j = {{"model", model},
          {"dataset", dataset},
          {"fp_epochs", fp_epochs},
          {"q_epochs", q_epochs},
          {"quant", quant},
          {"batch", batch},
          {"lr_fp", lr_fp},
          {"lr_q", lr_q},
          {"momentum", momentum},
          {"weight_decay", weight_decay},
          {"scale_lr_mult", scale_lr_mult},
          {"schedule", schedule},
          {"ttq_t", ttq_t},
          {"ttq_sparsity", ttq_sparsity},
          {"pattern", pattern},
          {"quant_first", quant_first},
          {"quant_last", quant_last},
          {"augment", augment},
          {"crop_pad", crop_pad},
          {"train_limit", train_limit},
          {"test_limit", test_limit},
          {"seed", seed},
          {"threads", threads},
          {"trace_every", trace_every}};
  if (nesterov) j["nesterov"] = true;  // absent when off: earlier checkpoints stay valid
  if (init != "he-normal") j["init"] = init;  // absent at the default, likewise
  return j;
}

void sgd_step(Net& net, double lr, double momentum, double weight_decay, double scale_lr_mult,
              bool nesterov) {
  const float mu = float(momentum), wd = float(weight_decay);
  for (ParamRef& p : net.params()) {
    if (p.scale && net.mode != Quant::TTQ) continue;
    const float flr = float(p.scale ? lr * scale_lr_mult : lr);
    if (!nesterov)
      for (size_t i = 0; i < p.n; ++i) {
        const float g = p.g[i] + (p.decay ? wd * p.v[i] : 0.0f);
        p.m[i] = mu * p.m[i] + g;
        p.v[i] -= flr * p.m[i];
        if (p.scale && p.v[i] < kScaleFloor) p.v[i] = kScaleFloor;
      }
    else
      for (size_t i = 0; i < p.n; ++i) {
        const float g = p.g[i] + (p.decay ? wd * p.v[i] : 0.0f);
        p.m[i] = mu * p.m[i] + g;
        p.v[i] -= flr * (g + mu * p.m[i]);
        if (p.scale && p.v[i] < kScaleFloor) p.v[i] = kScaleFloor;
      }
  }
}

double lr_at(const std::string& schedule, double base, long it, long total) {
  if (total <= 0) return base;
  const double f = double(it) / double(total);
  if (schedule == "cosine") return base * 0.5 * (1.0 + std::cos(std::numbers::pi * f));
  if (schedule == "step") return base * (f < 0.5 ? 1.0 : f < 0.75 ? 0.1 : 0.01);
  if (schedule == "onecycle") {
    // torch.optim.lr_scheduler.OneCycleLR(max_lr = base, total_steps = total, pct_start =
    // kOneCycleWarmup, cosine annealing, div_factor 25, final_div_factor 1e4), step it.
    const double start = base / 25, end = start / 1e4;
    const double peak_it = kOneCycleWarmup * double(total) - 1;
    auto anneal = [](double a, double b, double pct) {
      return b + (a - b) / 2 * (1 + std::cos(std::numbers::pi * pct));
    };
    if (double(it) <= peak_it) return anneal(start, base, double(it) / peak_it);
    return anneal(base, end, (double(it) - peak_it) / (double(total - 1) - peak_it));
  }
  throw std::invalid_argument("--schedule: unknown schedule '" + schedule +
                              "' (cosine, step, onecycle)");
}

// ---- one iteration ------------------------------------------------------------------------------
EpochBatches::EpochBatches(const Dataset& train, const TrainConfig& cfg, int epoch)
    : train_(train),
      batch_(cfg.batch),
      crop_pad_(cfg.crop_pad),
      iters_((train.n + cfg.batch - 1) / cfg.batch),
      augment_(cfg.augment == "crop-flip" || cfg.augment == "crop" ||
               (cfg.augment == "auto" && cfg.dataset == "cifar10")),
      flip_(cfg.augment != "crop"),
      perm_(size_t(train.n)),
      aug_(mix_seed(cfg.seed, 500000 + uint64_t(epoch))) {
  Rng order(mix_seed(cfg.seed, 1000 + uint64_t(epoch)));
  for (int i = 0; i < train.n; ++i) perm_[size_t(i)] = i;
  for (int i = train.n - 1; i > 0; --i)
    std::swap(perm_[size_t(i)], perm_[order.below(uint64_t(i) + 1)]);
}

std::span<const int> EpochBatches::indices(int it) const {
  const int s = std::min(train_.n, it * batch_), e = std::min(train_.n, s + batch_);
  return std::span(perm_).subspan(size_t(s), size_t(e - s));
}

int EpochBatches::next(int it, Tensor& x, std::vector<uint8_t>& labels, std::vector<Crop>* crops) {
  const std::span<const int> idx = indices(it);
  if (idx.size() < 2) return int(idx.size());
  make_batch(train_, idx, augment_, crop_pad_, &aug_, x, labels, flip_, crops);
  return int(idx.size());
}

LossResult train_step(Net& net, const Tensor& x, std::span<const uint8_t> labels, double lr,
                      const TrainConfig& cfg, Tensor& dlogits) {
  const LossResult r = softmax_ce(net.forward(x, true), labels, &dlogits);
  net.backward(dlogits);
  sgd_step(net, lr, cfg.momentum, cfg.weight_decay, cfg.scale_lr_mult, cfg.nesterov);
  return r;
}

// ---- checkpoints (file format: checkpoint.hpp) ---------------------------------------------------
namespace {
std::vector<std::pair<float*, size_t>> state_arrays(Net& net) {
  std::vector<std::pair<float*, size_t>> r;
  for (ParamRef& p : net.params()) r.emplace_back(p.v, p.n), r.emplace_back(p.m, p.n);
  for (BufferRef& b : net.buffers()) r.emplace_back(b.v, b.n);
  return r;
}
}  // namespace

void save_checkpoint(const fs::path& path, Net& net, const json& header) {
  json h = header;
  h["mode"] = to_string(net.mode);
  write_file_atomic(path, encode_checkpoint(h, state_arrays(net)));
}

json load_checkpoint(const fs::path& path, Net& net) {
  CheckpointData d = decode_checkpoint(read_file(path), path.string());
  const json& h = d.header;
  auto fail = [&](const std::string& what) {
    throw std::runtime_error(path.string() + ": checkpoint " + what);
  };
  const auto arrays = state_arrays(net);
  size_t expect = 0;
  for (auto& [p, n] : arrays) expect += n;
  if (d.state.size() != expect)
    fail("holds " + std::to_string(d.state.size()) + " floats, the network has " +
         std::to_string(expect));
  if (!h.contains("mode") || !h["mode"].is_string()) fail("header has no \"mode\" string");
  if (!h.contains("next_epoch") || !h["next_epoch"].is_number_integer() || h["next_epoch"] < 0)
    fail("header has no valid \"next_epoch\"");
  for (const char* key : {"config", "history", "trace"})
    if (!h.contains(key)) fail(std::string("header has no \"") + key + "\"");
  if (!h["config"].is_object() || !h["history"].is_array() || !h["trace"].is_array())
    fail("header's config/history/trace have the wrong JSON types");
  net.mode = parse_quant(h["mode"].get<std::string>());
  size_t off = 0;
  for (auto& [p, n] : arrays) {
    std::copy_n(d.state.data() + off, n, p);
    off += n;
  }
  return h;
}

// ---- the job -----------------------------------------------------------------------------------
namespace {
struct Phase {
  Quant q;
  int first_epoch, epochs;
  double lr;
};

json layer_state(Net& net) {
  net.quantize_weights();  // codes of the current latent weights (forward recomputes them anyway)
  json j = json::object();
  for (int i : net.matmul_nodes()) {
    MatMul& m = net.nodes[size_t(i)].mm;
    const bool quant = m.quantizable && net.mode != Quant::Float;
    json l = {{"quantized", quant}};
    if (quant && net.mode == Quant::TTQ) l["wp"] = m.wp, l["wn"] = m.wn;
    if (quant && net.mode != Quant::TTQ) l["alpha"] = m.alpha;
    l["sparsity"] = quant && net.mode != Quant::BWN ? code_sparsity(m.code) : 0.0f;
    j[net.nodes[size_t(i)].name] = l;
  }
  return j;
}

std::vector<Dataset> eval_sets(const TrainConfig& cfg) {
  std::vector<std::string> splits = {"test"};
  if (cfg.dataset == "cifar10") splits = {"heldout", "test"};
  std::vector<Dataset> r;
  for (const auto& s : splits) {
    Dataset d = load_dataset(cfg.dataset, s, cfg.data_dir);
    if (cfg.test_limit > d.n)
      throw std::invalid_argument("--test-limit " + std::to_string(cfg.test_limit) + ": the " +
                                  d.name + " " + d.split + " split has only " +
                                  std::to_string(d.n) + " images");
    if (cfg.test_limit > 0) {
      const std::string split = d.split;
      d = head(d, cfg.test_limit);
      d.split = split + "-first" + std::to_string(d.n);
    }
    r.push_back(std::move(d));
  }
  return r;
}

void check_config(const TrainConfig& cfg) {
  auto bad = [](const std::string& opt, const std::string& v, const std::string& why) {
    throw std::invalid_argument(opt + ": " + v + " " + why);
  };
  if (cfg.fp_epochs < 0) bad("--fp-epochs", std::to_string(cfg.fp_epochs), "must be >= 0");
  if (cfg.q_epochs < 0) bad("--ttq-epochs", std::to_string(cfg.q_epochs), "must be >= 0");
  if (cfg.fp_epochs + cfg.q_epochs == 0) bad("--fp-epochs/--ttq-epochs", "0", "nothing to train");
  if (cfg.batch < 2) bad("--batch", std::to_string(cfg.batch), "must be >= 2 (batch norm)");
  if (cfg.threads < 1) bad("--threads", std::to_string(cfg.threads), "must be >= 1");
  if (!(cfg.lr_fp > 0)) bad("--lr", std::to_string(cfg.lr_fp), "must be > 0");
  if (!(cfg.lr_q > 0)) bad("--lr-ttq", std::to_string(cfg.lr_q), "must be > 0");
  if (!(cfg.scale_lr_mult >= 0))
    bad("--scale-lr-mult", std::to_string(cfg.scale_lr_mult), "must be >= 0");
  if (cfg.ttq_t <= 0 || cfg.ttq_t >= 1)
    bad("--ttq-t", std::to_string(cfg.ttq_t), "must be in (0,1)");
  if (cfg.ttq_sparsity >= 1) bad("--ttq-sparsity", std::to_string(cfg.ttq_sparsity), "must be < 1");
  try {
    if (parse_nm(cfg.pattern).structured()) {
      if (cfg.ttq_sparsity >= 0)
        bad("--pattern", cfg.pattern, "and --ttq-sparsity both set the zeros: choose one");
      if (parse_quant(cfg.quant) == Quant::BWN)
        bad("--pattern", cfg.pattern, "needs a ternary quantizer (ttq, twn), not bwn");
    }
  } catch (const std::invalid_argument& e) {
    if (std::string(e.what()).starts_with("--pattern")) throw;
    throw std::invalid_argument(std::string("--pattern: ") + e.what());
  }
  if (cfg.augment != "auto" && cfg.augment != "none" && cfg.augment != "crop" &&
      cfg.augment != "crop-flip")
    bad("--augment", cfg.augment, "is not one of auto, none, crop, crop-flip");
  if (cfg.crop_pad < 0) bad("--crop-pad", std::to_string(cfg.crop_pad), "must be >= 0");
  if (cfg.resume && !cfg.fp_from.empty())
    bad("--fp-from", cfg.fp_from.string(), "and --resume exclude each other");
  if (cfg.train_limit < 0)
    bad("--train-limit", std::to_string(cfg.train_limit), "must be >= 0 (0: all)");
  if (cfg.test_limit < 0)
    bad("--test-limit", std::to_string(cfg.test_limit), "must be >= 0 (0: all)");
  if (cfg.stop_after < 0) bad("--stop-after", std::to_string(cfg.stop_after), "must be >= 0");
  if (cfg.calib_images < 1)
    bad("--calib-images", std::to_string(cfg.calib_images), "must be >= 1");
  if (!(cfg.calib_percentile > 0 && cfg.calib_percentile <= 100))
    bad("--calib-percentile", std::to_string(cfg.calib_percentile), "must be in (0, 100]");
  parse_init(cfg.init);
  parse_quant(cfg.quant);
  if (cfg.quant == "fp" || cfg.quant == "float")
    if (cfg.q_epochs > 0)
      bad("--quant", cfg.quant, "with --ttq-epochs > 0: choose ttq, twn or bwn");
  lr_at(cfg.schedule, 1, 0, 1);
}

// Settings of the full-precision phase: a checkpoint taken at its end with these equal is the
// state any run with them reaches (data order and augmentation depend on (seed, epoch) only).
const char* const kFpKeys[] = {
    "model",        "dataset",    "fp_epochs", "batch",    "lr_fp",       "momentum",
    "weight_decay", "schedule",   "augment",   "crop_pad", "quant_first", "quant_last",
    "train_limit",  "test_limit", "seed",      "threads",  "trace_every"};
// FP settings that TrainConfig::identity() leaves out at their default.
const char* const kFpOptionalKeys[] = {"nesterov", "init"};

// optional: a key identity() leaves out at its default, so absent on either side means that
// default (null in the message).
void require_same(const std::string& opt, const fs::path& ckpt, const json& have, const json& want,
                  const std::string& key, bool optional = false) {
  const json h = have.value(key, json()), w = want.value(key, json());
  if ((!optional && !have.contains(key)) || h != w)
    throw std::invalid_argument(opt + ": " + ckpt.string() + " was made with " + key + " = " +
                                (optional || have.contains(key) ? h.dump() : "?") +
                                ", this run has " + w.dump() +
                                (optional ? " (null: the default)" : ""));
}

// --resume (OUTDIR/checkpoint.bin, all settings equal) or --fp-from (an FP-phase checkpoint,
// the full-precision settings equal): loads the state and returns the epoch to start at.
int restore_state(const TrainConfig& cfg, Net& net, json& history, json& trace) {
  const bool resume = cfg.resume;
  if (!resume && cfg.fp_from.empty()) return 0;
  const std::string opt = resume ? "--resume" : "--fp-from";
  const fs::path ckpt = resume ? cfg.outdir / "checkpoint.bin" : cfg.fp_from;
  if (!fs::exists(ckpt)) throw std::runtime_error(opt + ": no checkpoint at " + ckpt.string());
  const json h = load_checkpoint(ckpt, net);
  const json want = cfg.identity(), have = h.at("config");
  if (resume)
    for (auto it = want.begin(); it != want.end(); ++it)
      require_same(opt, ckpt, have, want, it.key());
  else
    for (const char* key : kFpKeys) require_same(opt, ckpt, have, want, key);
  for (const char* key : kFpOptionalKeys) require_same(opt, ckpt, have, want, key, true);
  const int next = h.at("next_epoch").get<int>();
  if (!resume && (next != cfg.fp_epochs || net.mode != Quant::Float))
    throw std::invalid_argument(opt + ": " + ckpt.string() + " was taken after epoch " +
                                std::to_string(next) + " in phase " + to_string(net.mode) +
                                ", not at the end of the " + std::to_string(cfg.fp_epochs) +
                                " full-precision epochs");
  history = h.at("history");
  trace = h.at("trace");
  std::cerr << (resume ? "resuming " : "starting from ") << ckpt.string() << " at epoch "
            << next + 1 << "\n";
  return next;
}

std::string fmt(double v, int prec) {
  std::ostringstream s;
  s.setf(std::ios::fixed);
  s.precision(prec);
  s << v;
  return s.str();
}
}  // namespace

json run_training(const TrainConfig& cfg) {
  check_config(cfg);
  omp_set_num_threads(cfg.threads);
  Eigen::setNbThreads(1);  // parallelism comes from par_gemm (gemm.hpp) and the layer loops
  const fs::path ckpt = cfg.outdir / "checkpoint.bin";
  const fs::path model_path = cfg.out.empty() ? cfg.outdir / "model.ttq" : cfg.out;
  // Unwritable outputs fail now, not after the first epoch.
  ensure_writable_dir(cfg.outdir, "--outdir");
  if (cfg.do_export) ensure_writable_dir(model_path.parent_path(), "--out " + model_path.string());
  if (!cfg.report.empty())
    ensure_writable_dir(cfg.report.parent_path(), "--report " + cfg.report.string());

  Dataset train = load_dataset(cfg.dataset, "train", cfg.data_dir);
  if (cfg.train_limit > train.n)
    throw std::invalid_argument("--train-limit " + std::to_string(cfg.train_limit) + ": the " +
                                train.name + " " + train.split + " split has only " +
                                std::to_string(train.n) + " images");
  if (cfg.train_limit > 0) train = head(train, cfg.train_limit);
  std::vector<Dataset> evals = eval_sets(cfg);

  Net net = make_net(cfg.model, train.c, train.h, train.w, train.num_classes, cfg.quant_first,
                     cfg.quant_last);
  net.ttq_t = cfg.ttq_t;
  net.ttq_sparsity = cfg.ttq_sparsity;
  net.pattern = parse_nm(cfg.pattern);
  init_weights(net, cfg.seed, cfg.init);

  const Quant qmode = parse_quant(cfg.quant);
  const int total_epochs = cfg.fp_epochs + cfg.q_epochs;
  const int iters = (train.n + cfg.batch - 1) / cfg.batch;
  json history = json::array(), trace = json::array();
  const int start_epoch = restore_state(cfg, net, history, trace);

  const json cfg_id = cfg.identity();
  Tensor x, dlogits;
  std::vector<uint8_t> labels;
  for (int epoch = start_epoch; epoch < total_epochs; ++epoch) {
    if (cfg.stop_after > 0 && epoch >= cfg.stop_after) {
      std::cerr << "stopping after epoch " << epoch << " (--stop-after)\n";
      return json{{"stopped_after_epoch", epoch}};
    }
    const bool quant_phase = epoch >= cfg.fp_epochs;
    if (quant_phase && net.mode == Quant::Float) net.begin_quantized(qmode);
    const Phase ph = quant_phase ? Phase{qmode, cfg.fp_epochs, cfg.q_epochs, cfg.lr_q}
                                 : Phase{Quant::Float, 0, cfg.fp_epochs, cfg.lr_fp};
    EpochBatches batches(train, cfg, epoch);

    const std::string label = std::string(quant_phase ? to_string(qmode) : "fp") + " epoch " +
                              std::to_string(epoch + 1) + "/" + std::to_string(total_epochs);
    std::optional<Progress> bar;
    if (cfg.progress) bar.emplace(label, size_t(iters));
    const auto t0 = std::chrono::steady_clock::now();
    double loss_sum = 0, lr = 0;
    long correct = 0, seen = 0;
    for (int it = 0; it < iters; ++it) {
      const int n = batches.next(it, x, labels);
      if (n < 2) break;
      const long phase_it = long(epoch - ph.first_epoch) * iters + it;
      lr = lr_at(cfg.schedule, ph.lr, phase_it, long(ph.epochs) * iters);
      const LossResult r = train_step(net, x, labels, lr, cfg, dlogits);
      loss_sum += r.loss_sum;
      correct += r.correct;
      seen += n;
      if (cfg.trace_every > 0 && (phase_it % cfg.trace_every == 0 || it == iters - 1))
        trace.push_back({{"epoch", epoch + double(it + 1) / iters},
                         {"phase", to_string(net.mode)},
                         {"layers", layer_state(net)}});
      if (bar)
        bar->update(size_t(it + 1), "loss " + fmt(loss_sum / seen, 4) + " acc " +
                                        fmt(100.0 * correct / seen, 2) + "%");
    }
    const double secs =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    json m = {{"epoch", epoch + 1},
              {"phase", to_string(net.mode)},
              {"lr_end", lr},
              {"train_loss", loss_sum / std::max(1L, seen)},
              {"train_acc", double(correct) / std::max(1L, seen)},
              {"seconds", secs},
              {"images_per_s", seen / secs},
              {"layers", layer_state(net)}};
    std::string evtext;
    for (const Dataset& d : evals) {
      const EvalResult er = evaluate(net, d);
      m["eval"][d.split] = {{"loss", er.loss}, {"acc", er.accuracy}, {"n", er.n}};
      evtext += " " + d.split + " " + fmt(100 * er.accuracy, 2) + "%";
    }
    if (bar)
      bar->finish("loss " + fmt(loss_sum / std::max(1L, seen), 4) + " acc " +
                  fmt(100.0 * correct / std::max(1L, seen), 2) + "%" + evtext + " " +
                  fmt(seen / secs, 0) + " img/s");
    history.push_back(m);
    write_metrics(cfg.outdir, history);
    save_checkpoint(
        ckpt, net,
        {{"config", cfg_id}, {"next_epoch", epoch + 1}, {"history", history}, {"trace", trace}});
  }
  if (net.mode == Quant::Float && cfg.q_epochs > 0) net.begin_quantized(qmode);

  json report = {{"config", cfg_id}, {"history", history}};
  report["final"] = history.empty() ? json() : history.back();
  // Accuracy of the full-precision model at the end of its phase, for side-by-side reporting.
  if (cfg.fp_epochs > 0 && size_t(cfg.fp_epochs) <= history.size())
    report["fp_final"] = history[size_t(cfg.fp_epochs) - 1]["eval"];
  write_trace(cfg.outdir, trace);
  if (cfg.plots) write_plots(cfg.outdir, history, trace);
  if (cfg.do_export)
    report["export"] = export_and_check(
        net, {cfg.dataset, cfg.calib_images, cfg.calib_percentile, cfg.threads, cfg.progress},
        train, evals, model_path);
  write_json_atomic(cfg.outdir / "report.json", report);
  if (!cfg.report.empty()) write_json_atomic(cfg.report, report);
  return report;
}

}  // namespace ttq::train
