#include "ttq/trainer/batch.hpp"

#include <algorithm>
#include <stdexcept>
#include <string>

namespace ttq::train {

Crop draw_crop(Rng& rng, int crop_pad, bool flip_ok) {
  Crop c;
  c.dy = int(rng.below(uint64_t(2 * crop_pad + 1))) - crop_pad;
  c.dx = int(rng.below(uint64_t(2 * crop_pad + 1))) - crop_pad;
  c.flip = flip_ok && rng.below(2) == 1;
  return c;
}

void make_batch(const Dataset& d, std::span<const int> idx, bool augment, int crop_pad, Rng* rng,
                Tensor& x, std::vector<uint8_t>& labels, bool flip_ok, std::vector<Crop>* crops) {
  const int N = int(idx.size()), C = d.c, H = d.h, W = d.w, HW = H * W;
  x.resize(C, N, H, W);
  labels.resize(size_t(N));
  if (crops) crops->resize(size_t(N));
  for (int n = 0; n < N; ++n) {
    const int i = idx[size_t(n)];
    if (i < 0 || i >= d.n) throw std::out_of_range("make_batch: image index " + std::to_string(i));
    labels[size_t(n)] = d.labels[size_t(i)];
    const uint8_t* img = d.image(i);
    const Crop crop = augment ? draw_crop(*rng, crop_pad, flip_ok) : Crop{};
    if (crops) (*crops)[size_t(n)] = crop;
    const int dy = crop.dy, dx = crop.dx;
    const bool flip = crop.flip;
    for (int c = 0; c < C; ++c) {
      float* dst = x.row(c) + size_t(n) * HW;
      const uint8_t* src = img + size_t(c) * HW;
      for (int y = 0; y < H; ++y)
        for (int xx = 0; xx < W; ++xx) {
          const int sy = y + dy, sx0 = xx + dx;
          const int sx = flip ? W - 1 - sx0 : sx0;
          dst[y * W + xx] = (sy >= 0 && sy < H && sx0 >= 0 && sx0 < W)
                                ? float(src[sy * W + sx]) * (1.0f / 255.0f)
                                : 0.0f;
        }
    }
  }
}

EvalResult evaluate(Net& net, const Dataset& d, int batch, std::vector<float>* logits) {
  EvalResult r;
  Tensor x;
  std::vector<uint8_t> labels;
  std::vector<int> idx;
  double loss = 0;
  long correct = 0;
  if (logits) logits->clear();
  for (int s = 0; s < d.n; s += batch) {
    const int e = std::min(d.n, s + batch);
    idx.resize(size_t(e - s));
    for (int i = s; i < e; ++i) idx[size_t(i - s)] = i;
    make_batch(d, idx, false, 0, nullptr, x, labels);
    const Tensor& out = net.forward(x, false);
    const LossResult lr = softmax_ce(out, labels, nullptr);
    if (logits)
      for (int i = 0; i < out.n; ++i)
        for (int c = 0; c < out.c; ++c) logits->push_back(out.row(c)[i]);
    loss += lr.loss_sum;
    correct += lr.correct;
  }
  r.n = d.n;
  r.loss = d.n ? loss / d.n : 0;
  r.accuracy = d.n ? double(correct) / d.n : 0;
  return r;
}

}  // namespace ttq::train
