// Command-line options of the training recipe, shared by every tool that runs ttq-train's training
// loop (ttq-train, tests/trainer/lockstep.cpp): one registration and one help text per setting.
#pragma once

#include <CLI/CLI.hpp>

#include "ttq/trainer/train.hpp"

namespace ttq::train {

// --batch --lr --momentum --weight-decay --schedule --nesterov/--no-nesterov --train-limit --seed
// --threads, bound to c's fields; each shows c's current value as its default.
void add_recipe_options(CLI::App& app, TrainConfig& c);

}  // namespace ttq::train
