// The training job behind `ttq-train`: full precision then quantized (TTQ, or the TWN / BWN
// baselines) SGD on a real dataset, per-epoch metrics and checkpoints, exact resume, plots, and
// export of the result to a .ttq file checked against the golden integer model.
#pragma once

#include <cstdint>
#include <filesystem>
#include <nlohmann/json.hpp>
#include <optional>
#include <span>
#include <string>
#include <vector>

#include "ttq/dataset.hpp"
#include "ttq/trainer/batch.hpp"
#include "ttq/trainer/net.hpp"

namespace ttq::train {

struct TrainConfig {
  std::string model = "lenet5";
  std::string dataset = "fashion-mnist";
  std::optional<std::filesystem::path> data_dir;
  int fp_epochs = 10;
  int q_epochs = 10;
  std::string quant = "ttq";  // quantizer of the second phase: ttq, twn, bwn
  int batch = 128;
  double lr_fp = 0.05, lr_q = 0.01, momentum = 0.9, weight_decay = 5e-4;
  // Learning-rate multiplier of the TTQ scales Wp, Wn. Their exact gradient is a SUM over up to
  // ~10^5 weights, so at the weights' SGD rate they jump by more than their own size in one step
  // (the authors trained with Adam, which normalizes this away); SGD needs a smaller rate.
  double scale_lr_mult = 0.01;
  // cosine | step (x0.1 at 50% and 75% of each phase) | onecycle (PyTorch's OneCycleLR: cosine
  // warm-up from base/25 to base over the first 15% of each phase, cosine down to base/25e4)
  std::string schedule = "cosine";
  bool nesterov = false;           // SGD with Nesterov momentum (PyTorch's form)
  std::string init = "he-normal";  // initial weights: he-normal | torch (init_weights, net.hpp)
  float ttq_t = 0.05f, ttq_sparsity = -1.0f;
  // N:M pattern of the ternary layers ("2:4", ...; "none": TTQ threshold / TWN threshold mask).
  std::string pattern = "none";
  bool quant_first = false, quant_last = true;
  // auto (crop-flip for cifar10, none otherwise) | none | crop | crop-flip
  std::string augment = "auto";
  int crop_pad = 4;
  int train_limit = 0, test_limit = 0;  // use only the first N images (0: all)
  uint64_t seed = 1;
  int threads = 2;
  std::filesystem::path outdir = "build/train";
  std::filesystem::path out;     // .ttq path (default outdir/model.ttq)
  std::filesystem::path report;  // extra copy of the report (e.g. build/reports/train-....json)
  bool resume = false;
  // Start the quantized phase from this checkpoint, taken at the end of the FP phase of a run
  // with the same full-precision settings (e.g. one with --stop-after = fp_epochs): the result
  // is bit-identical to training from scratch, so several quantized runs can share one FP phase.
  std::filesystem::path fp_from;
  int stop_after = 0;  // stop (as if interrupted) after this many epochs in total (0: never)
  int calib_images = 2000;
  double calib_percentile = 99.99;
  int trace_every = 20;  // iterations between Wp/Wn/sparsity trace records
  bool plots = true, progress = true, do_export = true;

  // The settings that determine the result (everything but output/resume/stop controls).
  nlohmann::json identity() const;
};

// SGD with momentum (PyTorch form: g' = g + wd*w; m = mu*m + g'; w -= lr*m, or with Nesterov
// w -= lr*(g' + mu*m)), weight decay on latent weights only (not BN, biases, Wp/Wn); TTQ scales
// updated only in a TTQ phase and projected onto [kScaleFloor, inf).
void sgd_step(Net& net, double lr, double momentum, double weight_decay, double scale_lr_mult = 1.0,
              bool nesterov = false);

// Warm-up fraction of the onecycle schedule (the issue 14 recipe).
inline constexpr double kOneCycleWarmup = 0.15;
// Learning rate at iteration it of a phase of `total` iterations.
double lr_at(const std::string& schedule, double base, long it, long total);

// The batches of one epoch as the training loop draws them: data order and augmentation depend
// only on (cfg.seed, epoch), so resume needs no RNG state.
class EpochBatches {
 public:
  EpochBatches(const Dataset& train, const TrainConfig& cfg, int epoch);
  int iters() const { return iters_; }
  // The training-set indices of batch it (empty past the end).
  std::span<const int> indices(int it) const;
  // Batch it (it < iters(), in order) into x, labels (crops: each image's crop, if given).
  // Returns its size; a size < 2 means no batch (batch norm needs two images).
  int next(int it, Tensor& x, std::vector<uint8_t>& labels, std::vector<Crop>* crops = nullptr);

 private:
  const Dataset& train_;
  int batch_, crop_pad_, iters_;
  bool augment_, flip_;
  std::vector<int> perm_;
  Rng aug_;
};

// One training iteration on a batch: forward, loss, backward, sgd_step at learning rate lr with
// cfg's momentum, weight decay, Wp/Wn rate and Nesterov setting.
LossResult train_step(Net& net, const Tensor& x, std::span<const uint8_t> labels, double lr,
                      const TrainConfig& cfg, Tensor& dlogits);

// Checkpoint: magic, JSON header (config identity, progress, history), raw float state.
void save_checkpoint(const std::filesystem::path& path, Net& net, const nlohmann::json& header);
nlohmann::json load_checkpoint(const std::filesystem::path& path, Net& net);

// Runs the whole job; returns the final report (also written to outdir/report.json).
nlohmann::json run_training(const TrainConfig& cfg);

}  // namespace ttq::train
