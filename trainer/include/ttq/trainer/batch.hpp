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

// The random crop and flip of one image: output pixel (y, x) is source pixel (y + dy, x + dx) of
// the image zero-padded by crop_pad, mirrored left-right if flip; dy, dx uniform in [-crop_pad,
// crop_pad]. That is torchvision's RandomCrop(H, padding=crop_pad) at top = crop_pad + dy, left =
// crop_pad + (flip ? -dx : dx), then RandomHorizontalFlip.
struct Crop {
  int dy = 0, dx = 0;
  bool flip = false;
};
// Draws one image's crop (dy, then dx, then flip if flip_ok) from rng.
Crop draw_crop(Rng& rng, int crop_pad, bool flip_ok);

// One batch as the network's input: x [C][N*H*W] = pixel/255, optionally randomly cropped
// (zero padding crop_pad) and, if flip_ok, flipped left-right with rng (draw_crop per image).
// crops (if given) receives each image's crop.
void make_batch(const Dataset& d, std::span<const int> idx, bool augment, int crop_pad, Rng* rng,
                Tensor& x, std::vector<uint8_t>& labels, bool flip_ok = true,
                std::vector<Crop>* crops = nullptr);

struct EvalResult {
  double loss = 0, accuracy = 0;
  int n = 0;
};
// Inference-mode loss and accuracy over d in batches of `batch`; logits (if given) receives the
// logits, [image][class].
EvalResult evaluate(Net& net, const Dataset& d, int batch = 500,
                    std::vector<float>* logits = nullptr);

}  // namespace ttq::train
