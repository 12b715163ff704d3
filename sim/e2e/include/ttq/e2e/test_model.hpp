// Stand-in models for end-to-end tests while no trained reference .ttq is available: the trainer's
// lenet5 / resnet20 shapes with random ternary hidden layers, a final ternary layer set from class
// means (a nearest-class-mean classifier, so the accuracy is well above chance and a wrong layer
// shows), activation scales calibrated on real images, exported with the golden helpers.
#pragma once

#include <cstdint>
#include <string>

#include "ttq/dataset.hpp"
#include "ttq/model.hpp"

namespace ttq::e2e {

// arch: "lenet5" (1x28x28: conv5x5 1->32 p2 int8, pool, conv5x5 32->64 ternary, pool, fc 1600->512,
// fc 512->classes) or "resnet20" (3x32x32, option-A shortcuts). calib: real images of the model's
// input shape with labels (e.g. the head of the train split). zero_frac: fraction of zero codes in
// the random layers. Throws std::invalid_argument naming the bad argument.
Model make_test_model(const std::string& arch, const Dataset& calib, uint32_t seed = 1,
                      double zero_frac = 0.4);

}  // namespace ttq::e2e
