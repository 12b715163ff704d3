#include "ttq/predictions.hpp"

#include <algorithm>
#include <cstdio>
#include <string>

#include "ttq/fileio.hpp"

namespace ttq {

void write_predictions_csv(const std::filesystem::path& path,
                           std::span<const ImagePrediction> rows) {
  const size_t k = rows.empty() ? 0 : rows[0].logits.size();
  const bool fl = !rows.empty() && std::all_of(rows.begin(), rows.end(), [](const auto& r) {
    return !r.float_logits.empty();
  });
  std::string s = "index,label,prediction";
  for (size_t c = 0; c < k; ++c) s += ",logit_" + std::to_string(c);
  if (fl) {
    s += ",float_prediction";
    for (size_t c = 0; c < k; ++c) s += ",float_logit_" + std::to_string(c);
  }
  s += '\n';
  char buf[32];
  for (const ImagePrediction& r : rows) {
    s += std::to_string(r.index) + ',' + std::to_string(r.label) + ',' +
         std::to_string(r.prediction);
    for (int32_t v : r.logits) s += ',' + std::to_string(v);
    if (fl) {
      s += ',' + std::to_string(r.float_prediction);
      for (float v : r.float_logits) {
        std::snprintf(buf, sizeof buf, ",%.9g", double(v));
        s += buf;
      }
    }
    s += '\n';
  }
  write_file_atomic(path, std::string_view(s));
}

}  // namespace ttq
