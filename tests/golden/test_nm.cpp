// N:M patterns in the golden model and the .ttq file: parsing, the group check (short last group,
// the message naming output channel and group), the version-2 fields, version-1 files loading as
// unstructured, and a file whose layer breaks its pattern rejected with file, layer and group
// named.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>

#include "test_models.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model_io.hpp"
#include "ttq/nm.hpp"

using namespace ttq;
using Catch::Matchers::Contains;

namespace {
void fix_crc(std::vector<uint8_t>& b) {
  const uint32_t c = uint32_t(crc32(0L, b.data(), uInt(b.size() - 4)));
  for (int k = 0; k < 4; ++k) b[b.size() - 4 + size_t(k)] = uint8_t(c >> (8 * k));
}
// tiny_linear's codes per output channel: {1,0,-1,1} {-1,-1,0,0} {0,1,1,-1}; 3 nonzeros at most.
constexpr size_t kNm = 104;  // its nm.n, nm.m bytes (docs/MODEL_FORMAT.md)
}  // namespace

TEST_CASE("parse_nm / to_string", "[nm]") {
  CHECK(parse_nm("2:4") == NmPattern{2, 4});
  CHECK(parse_nm("1:4") == NmPattern{1, 4});
  CHECK(parse_nm("4:8") == NmPattern{4, 8});
  CHECK(parse_nm("none") == NmPattern{});
  CHECK(parse_nm("") == NmPattern{});
  CHECK(to_string(NmPattern{2, 4}) == "2:4");
  CHECK(to_string(NmPattern{}) == "none");
  for (const char* bad : {"2", "2:", ":4", "a:b", "2:4:1", "-1:4", "0:4", "5:4", "0:0", "1:256"})
    CHECK_THROWS_WITH(parse_nm(bad), Contains(std::string("'") + bad + "'"));
}

TEST_CASE("check_nm: at most N nonzeros per group of M, min(N, size) in a short last group",
          "[nm]") {
  // 2 outputs x fan-in 10: groups {0..3} {4..7} and the short group {8, 9}.
  std::vector<int8_t> w = {1, 0, -1, 0, 0,  0, 1, 1, -1, 0,  //
                           0, 1, 1,  0, -1, 0, 0, 0, 1,  1};
  std::string where;
  CHECK(check_nm(w, 2, 10, {2, 4}, &where));
  CHECK(check_nm(w, 2, 10, {}, &where));  // unstructured: anything goes
  CHECK_FALSE(check_nm(w, 2, 10, {1, 4}, &where));
  CHECK(where == "output channel 0, group 0 (weights 0..3): 2 nonzeros, at most 1 allowed by 1:4");
  w[15] = 1;  // output 1, group 1 now holds 2 nonzeros: still fine for 2:4
  CHECK(check_nm(w, 2, 10, {2, 4}));
  w[16] = -1;  // 3 nonzeros in output 1, group 1
  CHECK_FALSE(check_nm(w, 2, 10, {2, 4}, &where));
  CHECK(where == "output channel 1, group 1 (weights 4..7): 3 nonzeros, at most 2 allowed by 2:4");
  // Short last group of 2 under 3:8 (fan-in 10 = 8 + 2): limit min(3, 2) = 2, never exceeded;
  // under 1:8 it holds 1 at most.
  std::vector<int8_t> t = {1, 1, 1, 0, 0, 0, 0, 0, 1, 1};
  CHECK(check_nm(t, 1, 10, {3, 8}));
  CHECK_FALSE(check_nm(t, 1, 10, {1, 8}, &where));
  CHECK(where == "output channel 0, group 0 (weights 0..7): 3 nonzeros, at most 1 allowed by 1:8");
  t = {1, 0, 0, 0, 0, 0, 0, 0, 1, 1};
  CHECK_FALSE(check_nm(t, 1, 10, {1, 8}, &where));
  CHECK(where == "output channel 0, group 1 (weights 8..9): 2 nonzeros, at most 1 allowed by 1:8");
  CHECK_THROWS(check_nm(t, 2, 10, {1, 8}));  // size mismatch
  CHECK_THROWS(check_nm(t, 1, 10, {3, 2}));  // invalid pattern
}

TEST_CASE("the .ttq file stores the pattern; a layer that breaks it does not load", "[nm]") {
  Model m = test::tiny_linear();
  m.nodes[1].mm.nm = {3, 4};
  auto b = serialize(m);
  CHECK(b[kNm] == 3);
  CHECK(b[kNm + 1] == 4);
  CHECK(deserialize(b, "m.ttq").nodes[1].mm.nm == NmPattern{3, 4});
  // The writer refuses a model whose codes break its pattern ...
  m.nodes[1].mm.nm = {2, 4};
  CHECK_THROWS_WITH(serialize(m), Contains("'fc'") && Contains("output channel 0, group 0"));
  // ... and the reader a file that claims 2:4 over 3-nonzero groups, naming file, layer, group.
  b[kNm] = 2;
  fix_crc(b);
  CHECK_THROWS_WITH(deserialize(b, "claims.ttq"),
                    Contains("claims.ttq") && Contains("node 1 'fc'") && Contains("2:4") &&
                        Contains("output channel 0, group 0 (weights 0..3): 3 nonzeros"));
  b[kNm] = 5;  // 5:4 is no pattern
  fix_crc(b);
  CHECK_THROWS_WITH(deserialize(b, "bad.ttq"),
                    Contains("bad.ttq") && Contains("'fc'") && Contains("5:4 is outside"));
}

TEST_CASE("version-1 files (no pattern fields) load as unstructured", "[nm][model_io]") {
  // The version-1 image of tiny_linear: the version-2 file without the two pattern bytes.
  auto b = serialize(test::tiny_linear());
  b.erase(b.begin() + long(kNm), b.begin() + long(kNm) + 2);
  b[4] = 1;
  fix_crc(b);
  const Model m = deserialize(b, "v1.ttq");
  CHECK(m.nodes[1].mm.nm == NmPattern{});
  CHECK(m.nodes[1].mm.weights == test::tiny_linear().nodes[1].mm.weights);
  // A real model file written before version 2 (models/resnet20-cifar10.ttq as committed in
  // 330238d; the reference model itself is now version 2).
  const auto path = std::filesystem::path(TTQ_SOURCE_DIR) / "tests" / "golden" / "data" / "resnet20-cifar10-v1.ttq";
  const auto bytes = read_file(path);
  REQUIRE(bytes.size() > 8);
  CHECK(bytes[4] == 1);
  const Model r = load_model(path);
  int matmuls = 0;
  for (const Node& n : r.nodes) {
    if (n.kind != NodeKind::Conv && n.kind != NodeKind::Linear) continue;
    ++matmuls;
    CHECK(n.mm.nm == NmPattern{});
  }
  CHECK(matmuls == 20);
  // Written again it is a version-2 file with the same model.
  const auto again = serialize(r);
  CHECK(again[4] == 2);
  CHECK(serialize(deserialize(again, "again")) == again);
}
