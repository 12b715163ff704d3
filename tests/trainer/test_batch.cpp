// The training augmentation against torchvision's: every augmented image must be
// RandomCrop(32, padding=4) + RandomHorizontalFlip of its source (zero padding in pixel space) at
// the crop make_batch reports, with the window offsets uniform over 0..8 in both axes,
// independent of the flip, and the flip probability 1/2.
#include <array>
#include <catch2/catch.hpp>
#include <cmath>
#include <vector>

#include "ttq/trainer/batch.hpp"

using namespace ttq::train;

namespace {
constexpr int kPad = 4, kSide = 32, kOffsets = 2 * kPad + 1;

// Pearson's chi-square statistic of counts against equal expected counts.
double chi_square(const std::vector<long>& counts) {
  double total = 0, chi = 0;
  for (long c : counts) total += double(c);
  const double expect = total / double(counts.size());
  for (long c : counts) chi += (double(c) - expect) * (double(c) - expect) / expect;
  return chi;
}

// The window (top, left) of the padded source and the flip that produced image n of x, found by
// trying all of them torchvision's way (crop, then mirror); {-1, -1, -1} if none or several match.
std::array<int, 3> find_crop(const ttq::Dataset& d, const Tensor& x, int n) {
  std::array<int, 3> found = {-1, -1, -1};
  int matches = 0;
  const uint8_t* src = d.image(0);
  for (int top = 0; top < kOffsets; ++top)
    for (int left = 0; left < kOffsets; ++left)
      for (int flip = 0; flip < 2; ++flip) {
        bool same = true;
        for (int c = 0; c < d.c && same; ++c)
          for (int y = 0; y < kSide && same; ++y)
            for (int xx = 0; xx < kSide && same; ++xx) {
              const int py = top + y - kPad, px = left + (flip ? kSide - 1 - xx : xx) - kPad;
              const bool inside = py >= 0 && py < kSide && px >= 0 && px < kSide;
              const float want = inside ? float(src[(c * kSide + py) * kSide + px]) : 0.0f;
              same = std::lround(x.row(c)[size_t(n) * kSide * kSide + y * kSide + xx] * 255) ==
                     std::lround(want);
            }
        if (same) found = {top, left, flip}, ++matches;
      }
  return matches == 1 ? found : std::array<int, 3>{-1, -1, -1};
}
}  // namespace

TEST_CASE("crop + flip is torchvision's RandomCrop(padding 4) + flip with uniform offsets",
          "[trainer][batch]") {
  // One image of random pixels 1..255: every window and flip of it is distinguishable.
  ttq::Dataset d;
  d.n = 1, d.c = 3, d.h = d.w = kSide;
  d.images.resize(d.image_size());
  d.labels = {0};
  Rng pixels(7);
  for (uint8_t& p : d.images) p = uint8_t(1 + pixels.below(255));
  const int draws = 100 * kOffsets * kOffsets * 2;  // 100 per (top, left, flip) cell
  std::vector<int> idx(size_t(draws), 0);
  Tensor x;
  std::vector<uint8_t> labels;
  std::vector<Crop> crops;
  Rng rng(mix_seed(1, 500000));  // the training loop's augmentation stream of seed 1, epoch 0
  make_batch(d, idx, true, kPad, &rng, x, labels, true, &crops);

  std::vector<long> top(kOffsets), left(kOffsets), flip(2), cell(kOffsets * kOffsets * 2);
  for (int n = 0; n < draws; ++n) {
    const auto [t, l, f] = find_crop(d, x, n);
    REQUIRE(t >= 0);  // exactly one torchvision crop + flip reproduces the image
    // make_batch's reported crop is that window (the convention of batch.hpp's Crop).
    const Crop& c = crops[size_t(n)];
    REQUIRE(std::array{t, l, f} ==
            std::array{kPad + c.dy, kPad + (c.flip ? -c.dx : c.dx), int(c.flip)});
    ++top[size_t(t)], ++left[size_t(l)], ++flip[size_t(f)],
        ++cell[size_t((t * kOffsets + l) * 2 + f)];
  }
  // Limits: the chi-square quantiles at p = 1e-4 (8 degrees of freedom 31.8, 1 dof 15.1, 161
  // dof ~228). The generator is seeded, so the figures are fixed; these say they are typical.
  CHECK(chi_square(top) < 31.8);
  CHECK(chi_square(left) < 31.8);
  CHECK(chi_square(flip) < 15.1);
  CHECK(chi_square(cell) < 228);
  // The statistic bites: offsets over 0..7 only (the last one folded onto 7) are far outside.
  std::vector<long> skewed(top.begin(), top.end() - 1);
  skewed.back() += top.back();
  CHECK(chi_square(skewed) > 31.8);
}

TEST_CASE("no flip when not allowed, no crop at padding 0", "[trainer][batch]") {
  ttq::Dataset d;
  d.n = 1, d.c = 1, d.h = d.w = kSide;
  d.images.resize(d.image_size());
  d.labels = {0};
  Rng pixels(3);
  for (uint8_t& p : d.images) p = uint8_t(pixels.below(256));
  std::vector<int> idx(200, 0);
  Tensor x;
  std::vector<uint8_t> labels;
  std::vector<Crop> crops;
  Rng rng(11);
  make_batch(d, idx, true, kPad, &rng, x, labels, false, &crops);
  for (const Crop& c : crops) CHECK_FALSE(c.flip);
  make_batch(d, idx, true, 0, &rng, x, labels, true, &crops);
  long flips = 0;
  for (int n = 0; n < 200; ++n) {
    const Crop& c = crops[size_t(n)];
    REQUIRE((c.dy == 0 && c.dx == 0));
    flips += c.flip;
    for (int p = 0; p < kSide * kSide; ++p) {
      const int y = p / kSide, xx = c.flip ? kSide - 1 - p % kSide : p % kSide;
      REQUIRE(std::lround(x.row(0)[size_t(n) * kSide * kSide + size_t(p)] * 255) ==
              d.images[size_t(y * kSide + xx)]);
    }
  }
  CHECK(flips > 70);  // ~100 of 200 (binomial sd 7)
  CHECK(flips < 130);
}
