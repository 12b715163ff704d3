// ttq-train: trains a network full precision then with Trained Ternary Quantization (or the TWN /
// BWN baselines) on a real dataset and exports it to a .ttq file checked by the golden model.
#include <CLI/CLI.hpp>
#include <cstdlib>
#include <exception>
#include <iostream>

#include "ttq/fileio.hpp"
#include "ttq/tool_main.hpp"
#include "ttq/trainer/options.hpp"
#include "ttq/trainer/process.hpp"
#include "ttq/trainer/train.hpp"

namespace {

int run(int argc, char** argv) {
  ttq::train::setup_training_process(argv);
  ttq::train::TrainConfig c;
  CLI::App app{"ttq-train: Trained Ternary Quantization (Zhu et al. 2017) trainer and .ttq export"};
  std::string data_dir;
  app.add_option("--model", c.model, "architecture: lenet5 | resnet20")->capture_default_str();
  app.add_option("--dataset", c.dataset, "fashion-mnist | mnist | cifar10")->capture_default_str();
  app.add_option("--data-dir", data_dir, "directory searched first for the dataset files");
  app.add_option("--fp-epochs", c.fp_epochs, "full-precision epochs")->capture_default_str();
  app.add_option("--ttq-epochs", c.q_epochs,
                 "quantized epochs after them (TTQ from scratch: "
                 "--fp-epochs 0)")
      ->capture_default_str();
  app.add_option("--quant", c.quant, "quantizer of the second phase: ttq | twn | bwn")
      ->capture_default_str();
  ttq::train::add_recipe_options(app, c);
  app.add_option("--lr-ttq", c.lr_q, "initial learning rate, quantized phase")
      ->capture_default_str();
  app.add_option("--scale-lr-mult", c.scale_lr_mult,
                 "learning-rate multiplier of the TTQ scales Wp, Wn")
      ->capture_default_str();
  app.add_option("--init", c.init,
                 "initial weights: he-normal (N(0, 2/fan_in)) | torch (PyTorch's default, "
                 "U(+-1/sqrt(fan_in)) for weights and biases)")
      ->capture_default_str();
  app.add_option("--ttq-t", c.ttq_t, "TTQ threshold factor: Delta = t * max|w|")
      ->capture_default_str();
  app.add_option("--ttq-sparsity", c.ttq_sparsity,
                 "if >= 0: threshold giving this sparsity instead")
      ->capture_default_str();
  app.add_option("--pattern", c.pattern,
                 "N:M structured ternary weights, e.g. 2:4: in every group of M consecutive "
                 "fan-in weights the N largest |w| are nonzero (none: threshold)")
      ->capture_default_str();
  app.add_flag("--quant-first", c.quant_first, "also quantize the first convolution");
  app.add_flag("!--fp-last", c.quant_last, "keep the last classifier full precision (int8)");
  app.add_option("--augment", c.augment,
                 "auto | none | crop | crop-flip (auto: crop-flip for cifar10)")
      ->capture_default_str();
  app.add_option("--crop-pad", c.crop_pad, "zero padding of the random crop")
      ->capture_default_str();
  app.add_option("--test-limit", c.test_limit, "evaluate on the first N images only (0: all)")
      ->capture_default_str();
  app.add_option("--outdir", c.outdir, "metrics, checkpoint, plots and report go here")
      ->capture_default_str();
  app.add_option("--out", c.out, ".ttq output (default OUTDIR/model.ttq)");
  app.add_option("--report", c.report, "also write the final report JSON here");
  app.add_flag("--resume", c.resume,
               "continue from OUTDIR/checkpoint.bin (same settings required)");
  app.add_option("--fp-from", c.fp_from,
                 "start the quantized phase from this end-of-FP-phase checkpoint of a run with the "
                 "same FP settings (same result as training from scratch)");
  app.add_option("--stop-after", c.stop_after,
                 "stop after this many epochs, as if interrupted (0: never)")
      ->capture_default_str();
  app.add_option("--calib-images", c.calib_images,
                 "training images for activation-range calibration")
      ->capture_default_str();
  app.add_option("--calib-percentile", c.calib_percentile,
                 "percentile of |activation| used as range")
      ->capture_default_str();
  app.add_option("--trace-every", c.trace_every, "iterations between Wp/Wn/sparsity trace points")
      ->capture_default_str();
  bool no_plots = false, no_progress = false, no_export = false;
  app.add_flag("--no-plots", no_plots, "skip the gnuplot PNGs");
  app.add_flag("--no-progress", no_progress, "no progress bar");
  app.add_flag("--no-export", no_export, "skip the .ttq export and golden evaluation");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  }
  c.plots = !no_plots, c.progress = !no_progress, c.do_export = !no_export;
  ttq::remove_temp_files_on_signals();
  if (!data_dir.empty()) c.data_dir = data_dir;
  const nlohmann::json r = ttq::train::run_training(c);
  if (r.contains("stopped_after_epoch")) return 0;
  std::cout << "report: " << (c.outdir / "report.json").string() << "\n";
  return 0;
}

}  // namespace

int main(int argc, char** argv) { return ttq::tool_main("ttq-train", run, argc, argv); }
