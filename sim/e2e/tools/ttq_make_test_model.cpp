// ttq-make-test-model: writes a stand-in .ttq (see ttq/e2e/test_model.hpp) built from a real
// dataset slice, for end-to-end tests before a trained reference model exists. Not trained:
// its accuracy is that of a nearest-class-mean classifier over random ternary features.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "ttq/dataset.hpp"
#include "ttq/e2e/test_model.hpp"
#include "ttq/model_io.hpp"
#include "ttq/tool_main.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"ttq-make-test-model: stand-in lenet5/resnet20 .ttq from a real dataset slice"};
  std::string arch = "lenet5", dataset = "fashion-mnist", split = "train", data_dir, out;
  int calib = 2000;
  uint32_t seed = 1;
  double zero = 0.4;
  app.add_option("--arch", arch, "lenet5 | resnet20")->capture_default_str();
  app.add_option("--dataset", dataset, "calibration dataset")->capture_default_str();
  app.add_option("--split", split, "calibration split")->capture_default_str();
  app.add_option("--data-dir", data_dir, "directory searched first for the dataset");
  app.add_option("--calib", calib, "calibration images (head of the split)")->capture_default_str();
  app.add_option("--seed", seed, "weight seed")->capture_default_str();
  app.add_option("--zero-frac", zero, "fraction of zero codes in the random layers")->capture_default_str();
  app.add_option("--out", out, "output .ttq")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (calib < 1) throw std::invalid_argument("--calib " + std::to_string(calib) + ": must be >= 1");
  const ttq::Dataset d = ttq::head(
      ttq::load_dataset(dataset, split, data_dir.empty() ? std::nullopt : std::optional<std::filesystem::path>(data_dir)),
      calib);
  const ttq::Model m = ttq::e2e::make_test_model(arch, d, seed, zero);
  ttq::save_model(out, m);
  std::printf("%s: %s test model, %zu nodes, calibrated on %d %s %s images\n", out.c_str(),
              arch.c_str(), m.nodes.size(), d.n, d.name.c_str(), d.split.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ttq::tool_main("ttq-make-test-model", run, argc, argv); }
