// The .ttq file: byte layout, round trip, atomic save/load and every rejection path.
#include <zlib.h>

#include <catch2/catch.hpp>
#include <cstring>
#include <filesystem>
#include <random>

#include "test_models.hpp"
#include "ttq/fileio.hpp"
#include "ttq/model_io.hpp"

using namespace ttq;
using Catch::Matchers::Contains;
namespace fs = std::filesystem;

namespace {

void put_u32(std::vector<uint8_t>& b, size_t off, uint32_t v) {
  for (int k = 0; k < 4; ++k) b[off + size_t(k)] = uint8_t(v >> (8 * k));
}
uint32_t get_u32(const std::vector<uint8_t>& b, size_t off) {
  uint32_t v = 0;
  for (int k = 0; k < 4; ++k) v |= uint32_t(b[off + size_t(k)]) << (8 * k);
  return v;
}
// Recomputes the trailing CRC32, so a test reaches the checks behind the checksum.
void fix_crc(std::vector<uint8_t>& b) {
  put_u32(b, b.size() - 4, uint32_t(crc32(0L, b.data(), uInt(b.size() - 4))));
}

void require_equal(const Model& a, const Model& b) {
  REQUIRE(a.arch == b.arch);
  REQUIRE(a.dataset == b.dataset);
  REQUIRE(a.num_classes == b.num_classes);
  REQUIRE(a.nodes.size() == b.nodes.size());
  for (size_t i = 0; i < a.nodes.size(); ++i) {
    const Node &x = a.nodes[i], &y = b.nodes[i];
    REQUIRE(x.kind == y.kind);
    REQUIRE(x.name == y.name);
    REQUIRE(x.inputs == y.inputs);
    REQUIRE(x.shape == y.shape);
    REQUIRE(x.q.scale == y.q.scale);
    REQUIRE(x.q.is_signed == y.q.is_signed);
    REQUIRE(x.mm.weights == y.mm.weights);
    REQUIRE(x.mm.precision == y.mm.precision);
    REQUIRE(x.mm.wp == y.mm.wp);
    REQUIRE(x.mm.wn == y.mm.wn);
    REQUIRE(x.mm.w_scale == y.mm.w_scale);
    REQUIRE(x.mm.a == y.mm.a);
    REQUIRE(x.mm.b == y.mm.b);
    REQUIRE(x.mm.relu == y.mm.relu);
    REQUIRE(x.mm.nm == y.mm.nm);
    REQUIRE((x.mm.kh == y.mm.kh && x.mm.kw == y.mm.kw && x.mm.stride == y.mm.stride &&
             x.mm.pad == y.mm.pad && x.mm.fan_in == y.mm.fan_in && x.mm.out_ch == y.mm.out_ch));
    REQUIRE(x.mm.out.size() == y.mm.out.size());
    for (size_t o = 0; o < x.mm.out.size(); ++o)
      REQUIRE((x.mm.out[o].mp == y.mm.out[o].mp && x.mm.out[o].mn == y.mm.out[o].mn &&
               x.mm.out[o].bias == y.mm.out[o].bias && x.mm.out[o].shift == y.mm.out[o].shift));
    if (x.kind == NodeKind::MaxPool || x.kind == NodeKind::AvgPool)
      REQUIRE((x.pool.k == y.pool.k && x.pool.stride == y.pool.stride && x.pool.pad == y.pool.pad));
    if (x.kind == NodeKind::Add)
      REQUIRE((x.add.ma == y.add.ma && x.add.mb == y.add.mb && x.add.shift == y.add.shift &&
               x.add.relu == y.add.relu));
    if (x.kind == NodeKind::ShortcutA) REQUIRE(x.sc.stride == y.sc.stride);
  }
}

Model calibrated_net() {
  // Synthetic calibration images (the real-data tests live in test_reference.cpp).
  static std::vector<std::vector<uint8_t>> imgs;
  if (imgs.empty()) {
    std::mt19937 rng(5);
    for (int i = 0; i < 4; ++i) {
      std::vector<uint8_t> v(784);
      for (auto& p : v) p = uint8_t(rng() % 256);
      imgs.push_back(v);
    }
  }
  std::vector<const uint8_t*> p;
  for (auto& v : imgs) p.push_back(v.data());
  return test::tiny_net(9, p);
}

// Offsets in tiny_linear's file, from docs/MODEL_FORMAT.md.
constexpr size_t kNodeCount = 24, kNode1Kind = 51, kNode1Input = 57, kNode1ShapeC = 61,
                 kNode1Signed = 77, kNode1OutCh = 79, kNode1Relu = 103, kNode1Nm = 104,
                 kNode1Codes = 114, kFileSize = 172;

}  // namespace

TEST_CASE("2-bit code points", "[model_io]") {
  CHECK(encode_code(0) == 0b00);
  CHECK(encode_code(1) == 0b01);
  CHECK(encode_code(-1) == 0b11);
  CHECK_THROWS_WITH(encode_code(2), Contains("2"));
  const std::vector<int8_t> c{1, -1, 0, 1, -1};
  const auto p = pack_codes(c);
  REQUIRE(p.size() == 2);
  CHECK(p[0] == uint8_t(0b01'00'11'01));  // codes 0..3 from the low bits up
  CHECK(p[1] == 0b11);
  CHECK(unpack_codes(p, 5, "t") == c);
  CHECK_THROWS_WITH(unpack_codes(std::vector<uint8_t>{0b10}, 1, "t"),
                    Contains("invalid 2-bit code") && Contains("index 0"));
  CHECK_THROWS_WITH(unpack_codes(std::vector<uint8_t>{0b0100}, 1, "t"), Contains("padding"));
  CHECK_THROWS_WITH(unpack_codes(std::vector<uint8_t>{0, 0}, 1, "t"), Contains("packed bytes"));
}

TEST_CASE("file layout is the documented one", "[model_io]") {
  const Model m = test::tiny_linear();
  const auto b = serialize(m);
  REQUIRE(b.size() == kFileSize);
  CHECK(std::memcmp(b.data(), "TTQM", 4) == 0);
  CHECK(get_u32(b, 4) == 2);
  CHECK(get_u32(b, kNodeCount) == 2);
  CHECK(b[kNode1Relu] == 0);
  CHECK((b[kNode1Nm] == 0 && b[kNode1Nm + 1] == 0));  // unstructured
  CHECK(b[kNode1Kind] == uint8_t(NodeKind::Linear));
  CHECK(get_u32(b, kNode1Input) == 0);
  CHECK(get_u32(b, kNode1ShapeC) == 3);
  CHECK(get_u32(b, kNode1OutCh) == 3);
  // codes 1,0,-1,1 | -1,-1,0,0 | 0,1,1,-1
  CHECK(b[kNode1Codes] == uint8_t(0b01'11'00'01));
  CHECK(b[kNode1Codes + 1] == uint8_t(0b00'00'11'11));
  CHECK(b[kNode1Codes + 2] == uint8_t(0b11'01'01'00));
  CHECK(get_u32(b, b.size() - 4) == uint32_t(crc32(0L, b.data(), uInt(b.size() - 4))));
}

TEST_CASE("round trip: serialize -> deserialize is identical", "[model_io]") {
  for (const Model& m : {test::tiny_linear(), calibrated_net()}) {
    const auto bytes = serialize(m);
    const Model back = deserialize(bytes, "mem");
    require_equal(m, back);
    CHECK(serialize(back) == bytes);
  }
}

TEST_CASE("save_model / load_model through a file, atomically", "[model_io]") {
  const test::TempDir tmp("io");
  const fs::path& dir = tmp.path;
  const fs::path f = dir / "sub" / "net.ttq";
  const Model m = calibrated_net();
  save_model(f, m);
  require_equal(m, load_model(f));
  // Overwrite in place; no temporary files are left beside it.
  save_model(f, test::tiny_linear());
  require_equal(test::tiny_linear(), load_model(f));
  int files = 0;
  for (const auto& e : fs::directory_iterator(dir / "sub")) files += e.is_regular_file();
  CHECK(files == 1);
  CHECK_THROWS_WITH(load_model(dir / "missing.ttq"), Contains("missing.ttq"));
}

TEST_CASE("rejects a wrong magic and an unknown version", "[model_io]") {
  auto b = serialize(test::tiny_linear());
  auto bad = b;
  bad[0] = 'X';
  CHECK_THROWS_WITH(deserialize(bad, "m.ttq"), Contains("m.ttq") && Contains("bad magic 'XTQM'"));
  for (uint8_t v : {0, 3}) {
    bad = b;
    bad[4] = v;
    fix_crc(bad);
    CHECK_THROWS_WITH(deserialize(bad, "m.ttq"),
                      Contains("m.ttq") && Contains("unsupported version " + std::to_string(v)));
  }
}

TEST_CASE("rejects truncation at every byte offset", "[model_io]") {
  const auto b = serialize(test::tiny_linear());
  for (size_t len = 0; len < b.size(); ++len) {
    const std::vector<uint8_t> cut(b.begin(), b.begin() + ptrdiff_t(len));
    INFO("length " << len);
    CHECK_THROWS_WITH(deserialize(cut, "cut.ttq"), Contains("cut.ttq"));
  }
  // Truncated with a recomputed checksum: the parser itself reports the truncation.
  std::vector<uint8_t> short_body(b.begin(), b.end() - 5);
  short_body.insert(short_body.end(), 4, 0);
  fix_crc(short_body);
  CHECK_THROWS_WITH(deserialize(short_body, "cut.ttq"), Contains("truncated") && Contains("'fc'"));
}

TEST_CASE("rejects every single flipped bit", "[model_io]") {
  const auto b = serialize(test::tiny_linear());
  for (size_t byte = 0; byte < b.size(); ++byte)
    for (int bit = 0; bit < 8; ++bit) {
      auto f = b;
      f[byte] ^= uint8_t(1u << bit);
      INFO("byte " << byte << " bit " << bit);
      if (byte >= 8)
        CHECK_THROWS_WITH(deserialize(f, "flip.ttq"), Contains("checksum mismatch"));
      else
        CHECK_THROWS_WITH(deserialize(f, "flip.ttq"), Contains("flip.ttq"));
    }
}

TEST_CASE("rejects corrupt fields behind a valid checksum, naming the field", "[model_io]") {
  const auto b = serialize(test::tiny_linear());
  auto patched = [&](size_t off, uint32_t v, int width = 4) {
    auto f = b;
    if (width == 4)
      put_u32(f, off, v);
    else
      f[off] = uint8_t(v);
    fix_crc(f);
    return f;
  };
  CHECK_THROWS_WITH(deserialize(patched(kNode1ShapeC, 4), "f.ttq"),
                    Contains("f.ttq") && Contains("'fc'") && Contains("inconsistent"));
  auto code = b;
  code[kNode1Codes] = uint8_t((code[kNode1Codes] & ~3u) | 0b10);
  fix_crc(code);
  CHECK_THROWS_WITH(deserialize(code, "f.ttq"),
                    Contains("f.ttq") && Contains("invalid 2-bit code") && Contains("index 0"));
  CHECK_THROWS_WITH(deserialize(patched(kNodeCount, 0xFFFFFFFFu), "f.ttq"), Contains("node count"));
  CHECK_THROWS_WITH(deserialize(patched(kNode1OutCh, 0x7FFFFFFF), "f.ttq"),
                    Contains("'fc' out_ch"));
  CHECK_THROWS_WITH(deserialize(patched(kNode1Input, 0xFFFFFFFFu), "f.ttq"),
                    Contains("inputs[0] = -1"));
  CHECK_THROWS_WITH(deserialize(patched(kNode1Input, 1), "f.ttq"), Contains("inputs[0] = 1"));
  CHECK_THROWS_WITH(deserialize(patched(kNode1Signed, 2, 1), "f.ttq"),
                    Contains("q.is_signed is 2"));
  CHECK_THROWS_WITH(deserialize(patched(kNode1Kind, 9, 1), "f.ttq"), Contains("kind 9"));
  CHECK_THROWS_WITH(deserialize(patched(kNode1Signed, 0, 1), "f.ttq"),
                    Contains("signed (no relu)"));
  // A length field that claims more than the file holds.
  CHECK_THROWS_WITH(deserialize(patched(8, 200, 1), "f.ttq"), Contains("f.ttq"));
  // A name with a control character (here the 'f' of "fc" at offset 54 becomes 0x01).
  CHECK_THROWS_WITH(deserialize(patched(54, 1, 1), "f.ttq"),
                    Contains("node 1 name contains control character 0x01 at offset 54"));
  auto trailing = b;
  trailing.insert(trailing.end() - 4, uint8_t{0});
  fix_crc(trailing);
  CHECK_THROWS_WITH(deserialize(trailing, "f.ttq"), Contains("1 trailing bytes"));
}

TEST_CASE("validate rejects inconsistent models naming node and field", "[model_io]") {
  const Model good = calibrated_net();
  REQUIRE_NOTHROW(validate(good));
  auto bad = [&](auto edit) {
    Model m = good;
    edit(m);
    return m;
  };
  CHECK_THROWS_WITH(serialize(bad([](Model& m) { m.nodes[3].mm.weights[5] = 2; })),
                    Contains("'conv2'") && Contains("weights[5] = 2"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[3].mm.out[0].shift = 32; })),
                    Contains("'conv2'") && Contains("shift = 32"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[3].mm.weights.pop_back(); })),
                    Contains("'conv2'") && Contains("weights has"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[3].mm.a.push_back(1.0f); })),
                    Contains("'conv2'") && Contains("a has"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[3].inputs = {5}; })),
                    Contains("'conv2'") && Contains("not an earlier node"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[5].inputs = {3}; })),
                    Contains("'add'") && Contains("expected 2"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) {
                      m.nodes[5].inputs = {3, 2};
                    })),
                    Contains("'add'") && Contains("input shapes differ"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[3].shape.h = 8; })),
                    Contains("'conv2'") && Contains("inconsistent"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[3].mm.fan_in = 35; })),
                    Contains("'conv2'") && Contains("fan_in 35"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) {
                      m.nodes[1].q.is_signed = true;
                      m.nodes[1].mm.relu = false;
                    })),
                    Contains("'pool1'") || Contains("'conv2'"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[4].shape.c = 7; })),
                    Contains("'short'") && Contains("even difference"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[2].q.scale *= 2; })),
                    Contains("'pool1'") && Contains("quantization"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[7].pool.pad = 3; })),
                    Contains("'avgpool'"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.num_classes = 5; })),
                    Contains("num_classes is 5"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[9].mm.wp = -1.0f; })),
                    Contains("'fc'") && Contains("wp"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[1].mm.w_scale.clear(); })),
                    Contains("w_scale"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[6].q.scale = NAN; })), Contains("q.scale"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[0].kind = NodeKind::Conv; })),
                    Contains("Input"));
  CHECK_THROWS_WITH(validate(Model{}), Contains("no nodes"));
  CHECK_THROWS_WITH(validate(bad([](Model& m) { m.nodes[2].name = "a\nb"; })), Contains("control"));
  // A signed tensor may not enter the array: the logits (signed) feeding another Linear.
  Model chain = test::tiny_linear();
  Node fc2 = chain.nodes[1];
  fc2.name = "fc2";
  fc2.inputs = {1};
  fc2.mm.fan_in = 3;
  fc2.mm.weights.resize(9, 0);
  chain.nodes.push_back(fc2);
  CHECK_THROWS_WITH(validate(chain), Contains("'fc2'") && Contains("unsigned 8-bit"));
  // fan_in beyond kMaxFanIn.
  Model wide = test::tiny_linear();
  wide.nodes[0].shape = {1, 256, 257};
  wide.nodes[1].mm.fan_in = 256 * 257;
  wide.nodes[1].mm.weights.assign(size_t(3) * 256 * 257, 0);
  CHECK_THROWS_WITH(validate(wide), Contains("exceeds kMaxFanIn"));
}

TEST_CASE("size report: about 16x smaller than fp32 for a ternary network", "[model_io]") {
  // One large ternary layer: 1024 x 1024 weights. File = 2 bits per weight + per-channel params.
  Model m = test::tiny_linear();
  m.nodes[0].shape = {1, 32, 32};
  MatMulParams& p = m.nodes[1].mm;
  m.num_classes = 256;
  m.nodes[1].shape = {256, 1, 1};
  p.out_ch = 256;
  p.fan_in = 1024;
  p.weights.assign(size_t(256) * 1024, 0);
  for (size_t k = 0; k < p.weights.size(); k += 3) p.weights[k] = 1;
  p.a.assign(256, 1.0f);
  p.b.assign(256, 0.0f);
  p.out.assign(256, OutParams{1, 1, 0, 8});
  const SizeReport r = size_report(m);
  CHECK(r.file_bytes == serialize(m).size());
  CHECK(r.file_bytes == 70006);  // the figure docs/MODEL_FORMAT.md quotes
  CHECK(r.ternary_weights == 262144);
  CHECK(r.int8_weights == 0);
  CHECK(r.packed_weight_bytes == 65536);
  CHECK(r.fp32_weight_bytes == 1048576);
  CHECK(r.ratio_weights == Approx(16.0));
  // 256 channels of a, b (float) and Mp, Mn, B, S (9 bytes) cost 17 bytes each: ~15x overall.
  CHECK(r.ratio_file > 14.5);
  CHECK(r.ratio_file < 16.0);
  const auto j = to_json(r);
  CHECK(j.at("fp32_weight_bytes") == 1048576);
  // With an int8 layer the ratio falls towards 4x for that part.
  const SizeReport t = size_report(calibrated_net());
  CHECK(t.int8_weights == 36);
  CHECK(t.ternary_weights == 8 * 36 + 8 * 72 + 10 * 8);
  CHECK(t.packed_weight_bytes == 36 + t.ternary_weights / 4);
}
