// ttq-eval: prints a .ttq model's layer table and size report, and its accuracy on a real test set
// through the float reference and the bit-exact integer golden model.
#include <CLI/CLI.hpp>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <optional>
#include <string>

#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/golden.hpp"
#include "ttq/model_io.hpp"
#include "ttq/nm.hpp"
#include "ttq/tool_main.hpp"

namespace {

double sparsity(const ttq::MatMulParams& p) {
  if (p.weights.empty()) return 0.0;
  size_t zeros = 0;
  for (int8_t c : p.weights) zeros += c == 0;
  return double(zeros) / double(p.weights.size());
}

nlohmann::json layer_table(const ttq::Model& m) {
  nlohmann::json rows = nlohmann::json::array();
  std::printf("%-3s %-14s %-13s %-7s %-9s %-11s %7s %8s %6s %8s %8s %s\n", "#", "name", "kind",
              "prec", "inputs", "out CxHxW", "fan_in", "weights", "zero%", "Wp", "Wn", "relu");
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const ttq::Node& n = m.nodes[i];
    std::string ins;
    for (int k : n.inputs) {
      if (!ins.empty()) ins += ',';
      ins += std::to_string(k);
    }
    const std::string shape = std::to_string(n.shape.c) + "x" + std::to_string(n.shape.h) + "x" +
                              std::to_string(n.shape.w);
    nlohmann::json row = {{"index", i},
                          {"name", n.name},
                          {"kind", ttq::kind_name(n.kind)},
                          {"inputs", n.inputs},
                          {"shape", {n.shape.c, n.shape.h, n.shape.w}},
                          {"scale", n.q.scale},
                          {"signed", n.q.is_signed}};
    const bool mm = n.kind == ttq::NodeKind::Conv || n.kind == ttq::NodeKind::Linear;
    if (mm) {
      const auto& p = n.mm;
      const bool ter = p.precision == ttq::Precision::Ternary;
      char wpn[32] = "                 ";  // int8 layers have no Wp / Wn
      if (ter) std::snprintf(wpn, sizeof wpn, "%8.4f %8.4f", p.wp, p.wn);
      std::printf("%-3zu %-14s %-13s %-7s %-9s %-11s %7d %8zu %5.1f%% %s %s\n", i, n.name.c_str(),
                  ttq::kind_name(n.kind), ttq::precision_name(p.precision), ins.c_str(),
                  shape.c_str(), p.fan_in, p.weights.size(), 100.0 * sparsity(p), wpn,
                  p.relu ? "yes" : "no");
      row["precision"] = ttq::precision_name(p.precision);
      row["fan_in"] = p.fan_in;
      row["weights"] = p.weights.size();
      row["zero_fraction"] = sparsity(p);
      row["nm_pattern"] = ttq::to_string(p.nm);  // "none" or e.g. "2:4" (MODEL_FORMAT.md)
      if (ter) row["wp"] = p.wp, row["wn"] = p.wn;
      row["relu"] = p.relu;
      if (n.kind == ttq::NodeKind::Conv)
        row["kernel"] = {p.kh, p.kw}, row["stride"] = p.stride, row["pad"] = p.pad;
    } else {
      std::printf("%-3zu %-14s %-13s %-7s %-9s %-11s\n", i, n.name.c_str(), ttq::kind_name(n.kind),
                  "", ins.c_str(), shape.c_str());
    }
    rows.push_back(row);
  }
  return rows;
}

int run(int argc, char** argv) {
  CLI::App app{"ttq-eval: layer table, size report and float / integer accuracy of a .ttq model"};
  std::string model_path, dataset, split = "test", json_out;
  std::optional<std::string> data_dir;
  int images = 0, threads = 2;
  bool no_float = false;
  app.add_option("--model", model_path, "trained ternary model (.ttq)")->required();
  app.add_option("--dataset", dataset,
                 "mnist, fashion-mnist or cifar10 (default: the model's own dataset)");
  app.add_option("--split", split, "train, test (cifar10 also: heldout)")->capture_default_str();
  app.add_option("--data-dir", data_dir, "dataset directory searched first");
  app.add_option("--images", images, "evaluate the first N images (0 = all)");
  app.add_option("--threads", threads, "worker threads")
      ->capture_default_str()
      ->check(CLI::Range(1, 64));
  app.add_flag("--no-float", no_float, "skip the float reference");
  app.add_option("--json", json_out, "write a JSON report here");
  std::string predictions;
  app.add_option("--predictions", predictions,
                 "write each image's index, label, prediction and int8 logits (and the float "
                 "reference's prediction and logits) to this CSV file");
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  if (images < 0)
    throw std::invalid_argument("--images " + std::to_string(images) + ": must be >= 0 (0 = all)");
  if (!json_out.empty())
    ttq::ensure_writable_dir(std::filesystem::path(json_out).parent_path(), "--json " + json_out);

  const ttq::Model m = ttq::load_model(model_path);
  if (dataset.empty()) dataset = m.dataset;
  std::printf("model %s: arch %s, trained on %s, %zu nodes, %d classes\n\n", model_path.c_str(),
              m.arch.c_str(), m.dataset.c_str(), m.nodes.size(), m.num_classes);
  nlohmann::json report;
  report["model"] = model_path;
  report["arch"] = m.arch;
  report["layers"] = layer_table(m);

  const ttq::SizeReport sr = ttq::size_report(m);
  std::printf(
      "\nsize: file %zu bytes; %zu ternary + %zu int8 weights = %zu bytes packed; as fp32 %zu bytes"
      "\n      fp32 weights / file = %.2fx, fp32 weights / packed weights = %.2fx\n",
      sr.file_bytes, sr.ternary_weights, sr.int8_weights, sr.packed_weight_bytes,
      sr.fp32_weight_bytes, sr.ratio_file, sr.ratio_weights);
  report["size"] = ttq::to_json(sr);

  std::optional<std::filesystem::path> dir;
  if (data_dir) dir = *data_dir;
  const ttq::Dataset d = ttq::load_dataset(dataset, split, dir);
  if (images > d.n)
    throw std::invalid_argument("--images " + std::to_string(images) + ": the " + d.name + " " +
                                d.split + " split has only " + std::to_string(d.n) + " images");
  const auto t0 = std::chrono::steady_clock::now();
  std::vector<ttq::ImagePrediction> rows;
  const ttq::EvalResult r =
      ttq::evaluate(m, d, images, !no_float, threads, true, predictions.empty() ? nullptr : &rows);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  std::printf("\n%s %s: %d images\n", d.name.c_str(), d.split.c_str(), r.n);
  if (!no_float) std::printf("  float reference accuracy  %6.2f%%\n", 100.0 * r.acc_float());
  std::printf("  golden integer accuracy   %6.2f%%\n", 100.0 * r.acc_int());
  if (!no_float)
    std::printf("  integer / float agreement %6.2f%% of predictions\n", 100.0 * r.agree / r.n);
  report["dataset"] = d.name;
  report["split"] = d.split;
  report["images"] = r.n;
  report["accuracy_int"] = r.acc_int();
  report["correct_int"] = r.correct_int;
  if (!no_float) {
    report["accuracy_float"] = r.acc_float();
    report["correct_float"] = r.correct_float;
    report["agreement"] = double(r.agree) / r.n;
  }
  report["seconds"] = secs;
  report["images_per_second"] = secs > 0 ? r.n / secs : 0.0;
  std::printf("  %.0f images/s (%s, %d threads)\n", secs > 0 ? r.n / secs : 0.0,
              no_float ? "integer model only" : "integer model and float reference", threads);
  if (!predictions.empty()) {
    ttq::write_predictions_csv(predictions, rows);
    std::printf("predictions: %s\n", predictions.c_str());
    report["predictions"] = predictions;
  }
  if (!json_out.empty()) {
    ttq::write_json_atomic(json_out, report);
    std::printf("report: %s\n", json_out.c_str());
  }
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  ttq::remove_temp_files_on_signals();
  return ttq::tool_main("ttq-eval", run, argc, argv);
}
