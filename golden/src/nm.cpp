#include "ttq/nm.hpp"

#include <stdexcept>

namespace ttq {

void check_nm_pattern(NmPattern p, const std::string& what) {
  if (p.n == 0 && p.m == 0) return;
  if (p.n < 1 || p.m < 1 || p.n > p.m || p.m > kMaxNmM)
    throw std::invalid_argument(what + ": " + std::to_string(p.n) + ":" + std::to_string(p.m) +
                                " is outside 1 <= N <= M <= " + std::to_string(kMaxNmM) +
                                " (0:0: unstructured)");
}

NmPattern parse_nm(const std::string& text) {
  if (text.empty() || text == "none") return {};
  const size_t colon = text.find(':');
  auto number = [&](const std::string& s) {
    if (s.empty() || s.size() > 3 || s.find_first_not_of("0123456789") != std::string::npos)
      throw std::invalid_argument("N:M pattern '" + text + "' is not of the form N:M (e.g. 2:4)");
    return std::stoi(s);
  };
  if (colon == std::string::npos)
    throw std::invalid_argument("N:M pattern '" + text + "' is not of the form N:M (e.g. 2:4)");
  const NmPattern p{number(text.substr(0, colon)), number(text.substr(colon + 1))};
  if (p.n == 0 && p.m == 0)
    throw std::invalid_argument("N:M pattern '" + text + "': write 'none' for unstructured");
  check_nm_pattern(p, "N:M pattern '" + text + "'");
  return p;
}

std::string to_string(NmPattern p) {
  if (!p.structured()) return "none";
  return std::to_string(p.n) + ":" + std::to_string(p.m);
}

bool check_nm(std::span<const int8_t> codes, int out_ch, int fan_in, NmPattern p,
              std::string* where) {
  check_nm_pattern(p, "check_nm");
  if (out_ch < 0 || fan_in < 0 || codes.size() != size_t(out_ch) * size_t(fan_in))
    throw std::invalid_argument("check_nm: " + std::to_string(codes.size()) + " weights for " +
                                std::to_string(out_ch) + " x " + std::to_string(fan_in));
  if (!p.structured()) return true;
  const int groups = nm_groups(fan_in, p.m);
  for (int o = 0; o < out_ch; ++o) {
    const int8_t* row = codes.data() + size_t(o) * size_t(fan_in);
    for (int g = 0; g < groups; ++g) {
      const int first = g * p.m, size = nm_group_size(fan_in, p.m, g);
      int nz = 0;
      for (int k = first; k < first + size; ++k) nz += row[k] != 0;
      const int limit = nm_group_limit(fan_in, p, g);
      if (nz <= limit) continue;
      if (where)
        *where = "output channel " + std::to_string(o) + ", group " + std::to_string(g) +
                 " (weights " + std::to_string(first) + ".." + std::to_string(first + size - 1) +
                 "): " + std::to_string(nz) + " nonzeros, at most " + std::to_string(limit) +
                 " allowed by " + to_string(p);
      return false;
    }
  }
  return true;
}

}  // namespace ttq
