// End to end: a .ttq network over a real test set with every ternary Conv/Linear on the Verilated
// ttq_accel (one model per thread) and everything else on the host in the golden model's integer
// arithmetic; every RTL output and cycle count checked against the golden model, and a report.
#pragma once

#include <cstdint>
#include <filesystem>
#include <optional>
#include <stdexcept>
#include <string>

#include <nlohmann/json.hpp>

#include "ttq/dataset.hpp"
#include "ttq/model.hpp"

namespace ttq::e2e {

struct SimConfig {
  std::filesystem::path model_path;  // shown in the report and the reproduce command
  std::string dataset = "fashion-mnist";
  std::string split = "test";
  std::optional<std::filesystem::path> data_dir;
  int first = 0;            // index of the first image
  int images = 0;           // N images from `first`; 0 = to the end of the split
  int image = -1;           // >= 0: run only this image (reproduce a mismatch)
  std::string layer;        // with trace_dir: trace only this node (name or index)
  std::string trace_dir;    // FST waveforms of the traced layers (needs image >= 0)
  int threads = 2;
  int batch = 64;           // images per run_network call (per thread)
  double clock_ns = 5.0;
  bool with_float = true;   // float TTQ reference accuracy beside the integer runs
  // Run every layer on the checked build of the Verilated model (SVA assertions, --x-assign
  // unique) instead of the speed build; waveform runs (trace_dir) always use the checked build.
  bool checked_rtl = false;
  bool progress = true;
  std::string command;      // the command line, for the report
  // Test of the checker itself: flips bit 0 of output channel 0 of the first vector of image
  // fault_image in the RTL results of layer fault_layer (name), which must stop the run.
  int fault_image = -1;
  std::string fault_layer;
  std::string exe = "ttq-sim";  // program name used in the reproduce command
  // If set: one CSV row per image (index, label, RTL prediction, int8 logits; float reference's
  // prediction and logits with with_float), golden/predictions.hpp.
  std::filesystem::path predictions;
};

// The RTL disagreed with the golden model (output or cycle count). what() says where, the
// expected and actual values, and the command that reproduces it with a waveform.
class Mismatch : public std::runtime_error {
 public:
  using std::runtime_error::runtime_error;
};

// Runs the configured images. Throws Mismatch on the first disagreement, std::runtime_error /
// std::invalid_argument on bad input (model, dataset, option values) naming what is wrong.
// Returns the report (see docs/END_TO_END.md for the fields).
nlohmann::json run_sim(const Model& m, const Dataset& d, const SimConfig& cfg);

// The Markdown summary printed at the end of a run.
std::string markdown(const nlohmann::json& report);

}  // namespace ttq::e2e
