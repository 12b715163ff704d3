#include "ttq/trainer/plots.hpp"

#include <cstdlib>
#include <set>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "ttq/fileio.hpp"

namespace ttq::train {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {
std::string num(const json& j, const char* key) {
  if (!j.contains(key) || !j[key].is_number()) return "NaN";
  std::ostringstream s;
  s.precision(7);
  s << j[key].get<double>();
  return s.str();
}

std::vector<std::string> eval_splits(const json& history) {
  std::vector<std::string> r;
  if (!history.empty() && history[0].contains("eval"))
    for (auto it = history[0]["eval"].begin(); it != history[0]["eval"].end(); ++it)
      r.push_back(it.key());
  return r;
}

// Layers that are quantized at some point of the trace/history (they have Wp/Wn or a sparsity).
std::vector<std::string> layer_names(const json& records) {
  std::set<std::string> seen;
  std::vector<std::string> r;
  for (const json& rec : records)
    for (auto it = rec["layers"].begin(); it != rec["layers"].end(); ++it)
      if (it.value().value("quantized", false) && seen.insert(it.key()).second)
        r.push_back(it.key());
  return r;
}

std::string layer_cols(const json& rec, const std::vector<std::string>& layers) {
  std::string s;
  for (const auto& l : layers) {
    const json& v = rec["layers"].contains(l) ? rec["layers"][l] : json::object();
    s += "," + num(v, "wp") + "," + num(v, "wn") + "," + num(v, "sparsity");
  }
  return s;
}

std::string layer_header(const std::vector<std::string>& layers) {
  std::string s;
  for (const auto& l : layers) s += "," + l + "_wp," + l + "_wn," + l + "_sparsity";
  return s;
}
}  // namespace

void write_metrics(const fs::path& outdir, const json& history) {
  write_json_atomic(outdir / "metrics.json", history);
  const auto splits = eval_splits(history);
  const auto layers = layer_names(history);
  std::string csv = "epoch,phase,lr_end,train_loss,train_acc,seconds,images_per_s";
  for (const auto& s : splits) csv += "," + s + "_loss," + s + "_acc";
  csv += layer_header(layers) + "\n";
  for (const json& m : history) {
    csv += std::to_string(m["epoch"].get<int>()) + "," + m["phase"].get<std::string>() + "," +
           num(m, "lr_end") + "," + num(m, "train_loss") + "," + num(m, "train_acc") + "," +
           num(m, "seconds") + "," + num(m, "images_per_s");
    for (const auto& s : splits)
      csv += "," + num(m["eval"][s], "loss") + "," + num(m["eval"][s], "acc");
    csv += layer_cols(m, layers) + "\n";
  }
  write_file_atomic(outdir / "metrics.csv", csv);
}

void write_trace(const fs::path& outdir, const json& trace) {
  const auto layers = layer_names(trace);
  std::string csv = "epoch,phase" + layer_header(layers) + "\n";
  for (const json& t : trace)
    csv += num(t, "epoch") + "," + t["phase"].get<std::string>() + layer_cols(t, layers) + "\n";
  write_file_atomic(outdir / "trace.csv", csv);
}

void write_plots(const fs::path& outdir, const json& history, const json& trace) {
  const auto splits = eval_splits(history);
  const auto layers = layer_names(trace);
  const fs::path dir = fs::absolute(outdir);
  const std::string metrics = (dir / "metrics.csv").string(), tr = (dir / "trace.csv").string();
  auto tmp = [&](const char* name) { return (dir / (std::string(name) + ".tmp.png")).string(); };
  std::ostringstream gp;
  gp << "set datafile separator ','\nset terminal pngcairo size 900,600 font ',10'\n"
     << "set key outside right\nset grid\nset xlabel 'epoch'\n";
  gp << "set output '" << tmp("loss") << "'\nset title 'loss'\nset ylabel 'cross-entropy'\n"
     << "plot '" << metrics << "' using 'epoch':'train_loss' with linespoints title 'train'";
  for (const auto& s : splits)
    gp << ", '' using 'epoch':'" << s << "_loss' with linespoints title '" << s << "'";
  gp << "\nset output '" << tmp("accuracy")
     << "'\nset title 'accuracy'\nset ylabel 'accuracy (%)'\n"
     << "plot '" << metrics
     << "' using 'epoch':(100*column('train_acc')) with linespoints title 'train'";
  for (const auto& s : splits)
    gp << ", '' using 'epoch':(100*column('" << s << "_acc')) with linespoints title '" << s << "'";
  gp << "\n";
  std::vector<std::string> pngs = {"loss", "accuracy"};
  if (!layers.empty() && !trace.empty()) {
    gp << "set output '" << tmp("scales") << "'\nset title 'ternary scales: Wp (solid) and -Wn "
       << "(dashed) per layer'\nset ylabel 'scale'\nplot ";
    for (size_t i = 0; i < layers.size(); ++i) {
      const auto& l = layers[i];
      gp << (i ? ", " : "") << "'" << tr << "' using 'epoch':'" << l << "_wp' with lines lw 2 lc "
         << i + 1 << " title '" << l << " Wp', '' using 'epoch':(-column('" << l
         << "_wn')) with lines lw 2 dt 2 lc " << i + 1 << " title '" << l << " -Wn'";
    }
    gp << "\nset output '" << tmp("sparsity") << "'\nset title 'sparsity (fraction of zero "
       << "weights) per layer'\nset ylabel 'sparsity'\nset yrange [0:1]\nplot ";
    for (size_t i = 0; i < layers.size(); ++i)
      gp << (i ? ", " : "") << "'" << tr << "' using 'epoch':'" << layers[i]
         << "_sparsity' with lines lw 2 title '" << layers[i] << "'";
    gp << "\n";
    pngs.push_back("scales");
    pngs.push_back("sparsity");
  }
  gp << "unset output\n";
  const fs::path script = dir / "plots.gp";
  write_file_atomic(script, gp.str());
  const std::string cmd =
      "gnuplot '" + script.string() + "' 2> '" + (dir / "plots.log").string() + "'";
  if (std::system(cmd.c_str()) != 0)
    throw std::runtime_error(script.string() + ": gnuplot failed (see " +
                             (dir / "plots.log").string() + "; is gnuplot-nox installed?)");
  for (const auto& p : pngs) fs::rename(tmp(p.c_str()), dir / (p + ".png"));
}

}  // namespace ttq::train
