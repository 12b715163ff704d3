// Batches of dataset images as network input, and evaluation of a network on a dataset: shared by
// the training loop (train.hpp) and the export (export.hpp).
#pragma once

#include <cstdint>
#include <span>
#include <vector>

#include "ttq/dataset.hpp"
#include "ttq/trainer/net.hpp"
#include "ttq/trainer/rng.hpp"

namespace ttq::train {

// One batch as the network's input: x [C][N*H*W] = pixel/255, optionally randomly cropped
// (zero padding crop_pad) and, if flip_ok, flipped left-right with rng.
void make_batch(const Dataset& d, std::span<const int> idx, bool augment, int crop_pad, Rng* rng,
                Tensor& x, std::vector<uint8_t>& labels, bool flip_ok = true);

struct EvalResult {
  double loss = 0, accuracy = 0;
  int n = 0;
};
EvalResult evaluate(Net& net, const Dataset& d, int batch = 500);

}  // namespace ttq::train
