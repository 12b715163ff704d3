// Export of a trained network to the .ttq model: ternary codes and Wp/Wn (or int8 weights for the
// full-precision layers), batch norm folded into y = a*acc + b, 8-bit activation scales calibrated
// on training images, integer output parameters from the golden helpers; then the written file is
// read back and run on the golden integer model beside the float reference.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "ttq/dataset.hpp"
#include "ttq/model.hpp"
#include "ttq/trainer/net.hpp"

namespace ttq::train {

// What the export needs from the training job's settings.
struct ExportOptions {
  std::string dataset;              // recorded in the model
  int calib_images = 2000;          // training images for the activation ranges
  double calib_percentile = 99.99;  // percentile of |activation| used as range
  int threads = 2;                  // golden-model evaluation threads
  bool progress = true;
};

// Per-node real-valued range of the output over the first `images` images of d (eval mode):
// the `percentile` of |value| (max for the last node, so logits never saturate).
std::vector<float> calibrate_ranges(Net& net, const Dataset& d, int images, double percentile);

// Builds the integer model. ranges: one per node (from calibrate_ranges).
Model to_model(Net& net, const std::vector<float>& ranges, const std::string& dataset);

// Calibrates, builds, saves (atomically) to path, reloads and evaluates with the golden model on
// every eval set; returns the export section of the report.
nlohmann::json export_and_check(Net& net, const ExportOptions& cfg, const Dataset& train,
                                const std::vector<Dataset>& evals,
                                const std::filesystem::path& path);

}  // namespace ttq::train
