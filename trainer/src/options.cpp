#include "ttq/trainer/options.hpp"

#include <string>

namespace ttq::train {

void add_recipe_options(CLI::App& app, TrainConfig& c) {
  app.add_option("--batch", c.batch, "batch size")->capture_default_str();
  app.add_option("--lr", c.lr_fp, "initial (one-cycle: peak) learning rate, full-precision phase")
      ->capture_default_str();
  app.add_option("--momentum", c.momentum, "SGD momentum")->capture_default_str();
  app.add_option("--weight-decay", c.weight_decay, "L2 weight decay on latent conv/linear weights")
      ->capture_default_str();
  app.add_option("--schedule", c.schedule,
                 "cosine | step (x0.1 at 50% and 75% of a phase) | onecycle (15% warm-up to the "
                 "phase's rate, then cosine down; PyTorch's OneCycleLR)")
      ->capture_default_str();
  app.add_flag("--nesterov,!--no-nesterov", c.nesterov,
               std::string("Nesterov momentum or plain (default: ") +
                   (c.nesterov ? "--nesterov)" : "--no-nesterov)"));
  app.add_option("--train-limit", c.train_limit, "train on the first N images only (0: all)")
      ->capture_default_str();
  app.add_option("--seed", c.seed, "random seed (weights, data order, augmentation)")
      ->capture_default_str();
  app.add_option("--threads", c.threads,
                 "threads (results are identical for a seed and thread count)")
      ->capture_default_str();
}

}  // namespace ttq::train
