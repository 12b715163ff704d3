// ttq-import: an ONNX graph of a ternary CNN as a .ttq model (docs/ONNX.md): operators mapped,
// batch norm and input normalization folded, each layer's weights recognised as ternary (or int8),
// activation scales calibrated on a dataset exactly as the trainer's export does.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>
#include <optional>
#include <string>

#include "ttq/calibrate.hpp"
#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model_io.hpp"
#include "ttq/onnx/graph.hpp"
#include "ttq/onnx/import.hpp"
#include "ttq/tool_main.hpp"

namespace {

struct Args {
  std::string in, out, calib, split = "train", report, arch;
  std::optional<std::string> data_dir;
  int images = ttq::kCalibImages, threads = 2;
  double percentile = ttq::kCalibPercentile;
  bool recalibrate = false;
  ttq::onnx_io::ImportOptions opt;
};

// Activation scales: the file's recorded ones, else calibration on --calib. Returns the report.
nlohmann::json scales(ttq::Model& m, bool recorded, const Args& a) {
  if (recorded) {
    ttq::derive_integer_params(m);
    std::printf("activation scales: recorded in the file (ttq-export-onnx); no calibration\n");
    return {{"source", "recorded in the ONNX file (ttq.scales)"}};
  }
  if (a.calib.empty())
    throw std::invalid_argument(
        "--calib: a dataset is needed to calibrate the activation scales "
        "(the file records none)");
  std::optional<std::filesystem::path> dir;
  if (a.data_dir) dir = *a.data_dir;
  const ttq::Dataset d = ttq::load_dataset(a.calib, a.split, dir);
  const ttq::Shape& s = m.nodes[0].shape;
  if (d.c != s.c || d.h != s.h || d.w != s.w)
    throw std::invalid_argument("--calib: " + d.name + " images are " + std::to_string(d.c) + "x" +
                                std::to_string(d.h) + "x" + std::to_string(d.w) +
                                " but the graph input is " + std::to_string(s.c) + "x" +
                                std::to_string(s.h) + "x" + std::to_string(s.w));
  const auto ranges = ttq::calibrate_ranges(m, d, a.images, a.percentile, a.threads);
  ttq::apply_ranges(m, ranges);
  const int n = std::min(a.images, d.n);
  std::printf("activation scales: calibrated on %d %s %s images, percentile %g of |value|\n", n,
              d.name.c_str(), d.split.c_str(), a.percentile);
  return {{"source", "calibration"},
          {"dataset", d.name},
          {"split", d.split},
          {"images", n},
          {"percentile", a.percentile}};
}

int run(int argc, char** argv) {
  CLI::App app{"ttq-import: an ONNX model of a ternary CNN as a .ttq model"};
  Args a;
  app.add_option("model", a.in, "ONNX model (.onnx)")->required();
  app.add_option("-o,--output", a.out, ".ttq file to write")->required();
  app.add_option("--calib", a.calib,
                 "dataset for activation calibration: mnist, fashion-mnist, cifar10");
  app.add_option("--calib-split", a.split, "its split")->capture_default_str();
  app.add_option("--calib-images", a.images, "calibration images")->capture_default_str();
  app.add_option("--calib-percentile", a.percentile, "percentile of |activation| used as range")
      ->capture_default_str();
  app.add_option("--data-dir", a.data_dir, "dataset directory searched first");
  app.add_option(
      "--pixel-scale", a.opt.pixel_scale,
      "graph input = uint8 pixel * this (default: the file's ttq.input_scale, else 1/255)");
  app.add_option("--int8", a.opt.int8_layers,
                 "a non-ternary layer (ONNX node name, or 'all') to import as int8 (the first "
                 "layer always may be)");
  app.add_option("--tolerance", a.opt.tolerance, "relative tolerance of equal weight values")
      ->capture_default_str();
  app.add_flag("--recalibrate", a.recalibrate, "calibrate even if the file records scales");
  app.add_option("--arch", a.arch, "architecture name stored in the .ttq (default: the graph's)");
  app.add_option("--threads", a.threads, "calibration threads")->capture_default_str();
  app.add_option("--report", a.report, "write a JSON report here");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  a.opt.recorded_scales = !a.recalibrate;
  const onnx::ModelProto mp = ttq::onnx_io::load(a.in);
  ttq::onnx_io::ImportResult r = ttq::onnx_io::import_onnx(mp, a.in, a.opt);
  ttq::Model& m = r.model;
  if (!a.arch.empty()) m.arch = a.arch;
  if (m.dataset.empty()) m.dataset = a.calib;
  for (const std::string& note : r.notes) std::printf("  %s\n", note.c_str());
  nlohmann::json report = {{"onnx", a.in}, {"output", a.out}, {"layers", r.notes}};
  report["calibration"] = scales(m, r.scales_recorded, a);
  ttq::validate(m, a.in);
  ttq::save_model(a.out, m);
  std::printf("%s -> %s: %s, %zu nodes, %d classes\n", a.in.c_str(), a.out.c_str(), m.arch.c_str(),
              m.nodes.size(), m.num_classes);
  if (!a.report.empty()) ttq::write_json_atomic(a.report, report);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ttq::tool_main("ttq-import", run, argc, argv);
}
