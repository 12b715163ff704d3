// Per-image results as CSV (`--predictions FILE.csv` of ttq-eval and ttq-sim), so that a user can
// compare image by image with another framework.
#pragma once

#include <cstdint>
#include <filesystem>
#include <span>
#include <vector>

namespace ttq {

struct ImagePrediction {
  int index = 0, label = 0;
  int prediction = 0;               // integer model (golden or RTL): argmax of the int8 logits
  std::vector<int32_t> logits;      // the last node's int8 outputs
  int float_prediction = -1;        // float reference, if run
  std::vector<float> float_logits;  // its real-valued logits
};

// Header `index,label,prediction,logit_0..logit_{K-1}` and, if every row has float logits,
// `,float_prediction,float_logit_0..`; one row per image; written atomically. Floats with 9
// significant digits (exact float round trip).
void write_predictions_csv(const std::filesystem::path& path,
                           std::span<const ImagePrediction> rows);

}  // namespace ttq
