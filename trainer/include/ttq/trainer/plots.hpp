// Training records as files: per-epoch metrics (CSV + JSON), the Wp/Wn/sparsity trace (CSV), and
// PNG plots drawn by gnuplot (pngcairo): loss/accuracy curves, Wp and Wn of every ternary layer
// over training (the paper's Figure), and per-layer sparsity.
#pragma once

#include <filesystem>
#include <nlohmann/json.hpp>

namespace ttq::train {

void write_metrics(const std::filesystem::path& outdir, const nlohmann::json& history);
void write_trace(const std::filesystem::path& outdir, const nlohmann::json& trace);
// Writes outdir/{loss,accuracy,scales,sparsity}.png; throws if gnuplot fails.
void write_plots(const std::filesystem::path& outdir, const nlohmann::json& history,
                 const nlohmann::json& trace);

}  // namespace ttq::train
