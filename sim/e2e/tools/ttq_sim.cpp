// ttq-sim: a trained .ttq network over a real test set with every ternary layer on the Verilated
// RTL, checked bit for bit and cycle for cycle against the golden model (docs/END_TO_END.md).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <thread>

#include "ttq/dataset.hpp"
#include "ttq/e2e/e2e.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model_io.hpp"
#include "ttq/tool_main.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"ttq-sim: a .ttq network on the Verilated ttq_accel over a real dataset, "
               "bit-exact against the golden model"};
  ttq::e2e::SimConfig c;
  std::string model, data_dir, images = "all", report = "build/reports/sim.json";
  c.threads = int(std::max(1u, std::thread::hardware_concurrency()));
  bool no_float = false, quiet = false;
  app.add_option("--model", model, ".ttq model file")->required();
  app.add_option("--dataset", c.dataset, "mnist | fashion-mnist | cifar10")->capture_default_str();
  app.add_option("--data-dir", data_dir, "directory searched first for the dataset files");
  app.add_option("--split", c.split, "dataset split")->capture_default_str();
  app.add_option("--images", images, "number of images, or 'all'")->capture_default_str();
  app.add_option("--first", c.first, "index of the first image")->capture_default_str();
  app.add_option("--image", c.image, "run only image I (reproduce a mismatch)");
  app.add_option("--layer", c.layer, "with --trace-dir: trace only this layer (name or node index)");
  app.add_option("--trace-dir", c.trace_dir, "write FST waveforms of the RTL layers here");
  app.add_option("--threads", c.threads, "threads, one Verilated model each")->capture_default_str();
  app.add_option("--batch", c.batch, "images per batch on one thread")->capture_default_str();
  app.add_option("--clock-ns", c.clock_ns, "clock period for the implied images/s")->capture_default_str();
  app.add_option("--report", report, "JSON report (written atomically)")->capture_default_str();
  app.add_option("--predictions", c.predictions,
                 "per-image CSV: index, label, RTL prediction, int8 logits (and float reference)");
  std::string fault;
  app.add_option("--inject-fault", fault, "IMAGE:LAYER: corrupt one RTL output (tests the checker)");
  app.add_flag("--no-float", no_float, "skip the float reference");
  app.add_flag("--checked-rtl", c.checked_rtl,
               "run the checked build of the Verilated model (assertions, --x-assign unique; "
               "slower) instead of the speed build");
  app.add_flag("--quiet", quiet, "no progress bar");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (images == "all") {
    c.images = 0;
  } else {
    size_t pos = 0;
    try {
      c.images = std::stoi(images, &pos);
    } catch (const std::exception&) {
      pos = 0;
    }
    if (pos != images.size() || c.images < 1)
      throw std::invalid_argument("--images " + images + ": expected a positive number or 'all'");
  }
  if (!fault.empty()) {
    const size_t colon = fault.find(':');
    size_t pos = 0;
    try {
      c.fault_image = std::stoi(fault.substr(0, colon), &pos);
    } catch (const std::exception&) {
      pos = std::string::npos;
    }
    if (colon == std::string::npos || pos != colon || c.fault_image < 0 || colon + 1 == fault.size())
      throw std::invalid_argument("--inject-fault " + fault + ": expected IMAGE:LAYER");
    c.fault_layer = fault.substr(colon + 1);
  }
  ttq::ensure_writable_dir(std::filesystem::path(report).parent_path(), "--report " + report);
  c.model_path = model;
  if (!data_dir.empty()) c.data_dir = data_dir;
  c.with_float = !no_float;
  c.progress = !quiet;
  c.exe = argv[0];
  for (int i = 0; i < argc; ++i) c.command += (i ? " " : "") + std::string(argv[i]);

  const ttq::Model m = ttq::load_model(model);
  const ttq::Dataset d = ttq::load_dataset(c.dataset, c.split, c.data_dir);
  nlohmann::json r;
  try {
    r = ttq::e2e::run_sim(m, d, c);
  } catch (const ttq::e2e::Mismatch& e) {
    // The run stops at the first disagreement; the report says so instead of holding figures.
    ttq::write_json_atomic(report, {{"command", c.command}, {"model", model}, {"dataset", d.name},
                                    {"split", d.split}, {"mismatches", 1}, {"error", e.what()}});
    std::fprintf(stderr, "ttq-sim: MISMATCH: %s\nreport: %s\n", e.what(), report.c_str());
    return 2;
  }
  ttq::write_json_atomic(report, r);
  std::printf("%s\nreport: %s\n", ttq::e2e::markdown(r).c_str(), report.c_str());
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ttq::remove_temp_files_on_signals();
  return ttq::tool_main("ttq-sim", run, argc, argv);
}
