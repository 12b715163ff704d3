// ttq-train-lockstep: the first K iterations of ttq-train's full-precision CIFAR-10 ResNet-20
// training, written out for the PyTorch lockstep comparison (trainer/reference/
// ttq_torch_lockstep.py), which replays the same iterations from the same weights on the same
// images and crops with torch.optim.SGD and OneCycleLR. The iterations run the code path of
// run_training: EpochBatches (data order, crop + flip), lr_at over a phase of K iterations (so the
// one-cycle warm-up and anneal both happen), train_step (forward, backward, sgd_step).
//
// FILE (a tensor bundle, bundle.hpp): init.NAME and final.NAME for every parameter and batch-norm
// buffer (params() / buffers() names, flat), final.NAME.momentum, the batches (batch.index: the
// training-set index of each image, batch.dy / dx / flip: its crop, draw_crop's convention), input0
// (the first batch, NCHW) and eval.logits (inference-mode logits of the final weights on the first
// --eval-images held-out images); with --probe K1,K2,..., pre.K.NAME and post.K.NAME, the state
// (momentum included) before and after iteration K, so that single iterations can be compared
// from the same state, free of the drift of the whole trajectory. FILE.json: the settings
// (config: TrainConfig::identity(), the learning rate as lr_fp) and per
// iteration the loss, the learning rate, the batch size and a checksum of the batch's pixels (sum
// over the NCHW pixel values p of (position + 1) * p mod 2^64). --break runs one setting
// differently from what FILE.json states (nesterov: plain momentum; schedule: the learning rate one
// iteration ahead; decay: no weight decay; bn-momentum: running statistics at momentum 0.2): the
// comparison must then fail.
#include <omp.h>

#include <CLI/CLI.hpp>
#include <Eigen/Core>
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bundle.hpp"
#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/tool_main.hpp"
#include "ttq/trainer/process.hpp"
#include "ttq/trainer/options.hpp"
#include "ttq/trainer/train.hpp"

namespace {
using namespace ttq::train;
using nlohmann::json;

void add_state(Bundle& b, Net& net, const std::string& prefix, bool momentum) {
  for (ParamRef& p : net.params()) {
    if (p.scale) continue;  // TTQ scales: not trained in full precision
    b.add(prefix + p.name, {int(p.n)}, p.v);
    if (momentum) b.add(prefix + p.name + ".momentum", {int(p.n)}, p.m);
  }
  for (BufferRef& r : net.buffers()) b.add(prefix + r.name, {int(r.n)}, r.v);
}

uint64_t pixel_checksum(const Tensor& x) {
  const std::vector<float> v = to_nchw(x);
  uint64_t sum = 0;
  for (size_t i = 0; i < v.size(); ++i) sum += (i + 1) * uint64_t(std::lround(v[i] * 255.0f));
  return sum;
}

int run(int argc, char** argv) {
  setup_training_process(argv);
  TrainConfig cfg;
  cfg.model = "resnet20", cfg.dataset = "cifar10", cfg.lr_fp = 0.1, cfg.schedule = "onecycle";
  cfg.nesterov = true;
  int steps = 300, eval_images = 1000;
  std::string out, broken = "none";
  std::vector<int> probes;
  CLI::App app{"ttq-train-lockstep: K ttq-train iterations written for the PyTorch lockstep check"};
  app.add_option("--steps", steps, "iterations K (the schedule's phase length)");
  add_recipe_options(app, cfg);
  app.add_option("--eval-images", eval_images, "held-out images for the inference logits");
  app.add_option("--probe", probes, "iterations whose state before and after is written")
      ->delimiter(',');
  app.add_option("--out", out, "bundle file (FILE.json: settings and per-iteration record)")
      ->required();
  app.add_option("--break", broken, "none | nesterov | schedule | decay | bn-momentum")
      ->check(CLI::IsMember({"none", "nesterov", "schedule", "decay", "bn-momentum"}));
  CLI11_PARSE(app, argc, argv);
  if (steps < 1 || cfg.batch < 2 || cfg.threads < 1 || eval_images < 1)
    throw std::invalid_argument("--steps, --threads, --eval-images must be >= 1, --batch >= 2");
  for (int k : probes)
    if (k < 0 || k >= steps)
      throw std::invalid_argument("--probe " + std::to_string(k) + ": not an iteration in [0, " +
                                  std::to_string(steps) + ")");
  omp_set_num_threads(cfg.threads);
  Eigen::setNbThreads(1);

  ttq::Dataset train = ttq::load_dataset(cfg.dataset, "train");
  if (cfg.train_limit > 0) train = ttq::head(train, cfg.train_limit);
  ttq::Dataset held = ttq::load_dataset(cfg.dataset, "heldout");
  if (eval_images > held.n)
    throw std::invalid_argument("--eval-images: the heldout split has " + std::to_string(held.n));
  held = ttq::head(held, eval_images);
  Net net = make_net(cfg.model, train.c, train.h, train.w, train.num_classes);
  init_weights(net, cfg.seed, cfg.init);
  Bundle b;
  add_state(b, net, "init.", false);

  TrainConfig run_cfg = cfg;  // what the iterations really use (differs only under --break)
  if (broken == "nesterov") run_cfg.nesterov = !cfg.nesterov;
  if (broken == "decay") run_cfg.weight_decay = 0;
  if (broken == "bn-momentum") net.bn_momentum = 0.2f;
  std::vector<float> index, dy, dx, flip;
  json rec = json::array();
  Tensor x, dlogits;
  std::vector<uint8_t> labels;
  std::vector<Crop> crops;
  for (int k = 0, epoch = 0; k < steps; ++epoch) {
    EpochBatches batches(train, cfg, epoch);
    for (int it = 0; it < batches.iters() && k < steps; ++it, ++k) {
      const std::span<const int> idx = batches.indices(it);
      const int n = batches.next(it, x, labels, &crops);
      if (n < 2) break;
      if (k == 0) b.add("input0", {x.n, x.c, x.h, x.w}, to_nchw(x).data());
      for (int i = 0; i < n; ++i) {
        index.push_back(float(idx[size_t(i)]));
        dy.push_back(float(crops[size_t(i)].dy)), dx.push_back(float(crops[size_t(i)].dx));
        flip.push_back(crops[size_t(i)].flip ? 1.0f : 0.0f);
      }
      const bool probe = std::find(probes.begin(), probes.end(), k) != probes.end();
      if (probe) add_state(b, net, "pre." + std::to_string(k) + ".", true);
      const double lr = lr_at(cfg.schedule, cfg.lr_fp, k + (broken == "schedule"), steps);
      const LossResult r = train_step(net, x, labels, lr, run_cfg, dlogits);
      if (probe) add_state(b, net, "post." + std::to_string(k) + ".", true);
      rec.push_back({{"loss", r.loss_sum / n},
                     {"lr", lr},
                     {"n", n},
                     {"epoch", epoch},
                     {"checksum", pixel_checksum(x)}});
    }
  }
  for (auto [name, v] : {std::pair{"index", &index}, {"dy", &dy}, {"dx", &dx}, {"flip", &flip}})
    b.add(std::string("batch.") + name, {int(v->size())}, v->data());
  add_state(b, net, "final.", true);
  std::vector<float> logits;
  const EvalResult held_eval = evaluate(net, held, 500, &logits);
  b.add("eval.logits", {eval_images, train.num_classes}, logits.data());
  ttq::write_file_atomic(out, std::string_view(b.finish()));
  json meta = {
      {"config", cfg.identity()},  // the stated settings (--break runs one of them differently)
      {"steps", steps},
      {"break", broken},
      {"probes", probes},
      {"iterations", rec},
      {"eval",
       {{"split", held.split}, {"n", eval_images}, {"acc", held_eval.accuracy}}}};
  ttq::write_json_atomic(out + ".json", meta);
  return 0;
}
}  // namespace

int main(int argc, char** argv) { return ttq::tool_main("ttq-train-lockstep", run, argc, argv); }
