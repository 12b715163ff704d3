#include "ttq/model_io.hpp"

#include <zlib.h>

#include <bit>
#include <cmath>
#include <cstring>
#include <stdexcept>

#include "ttq/fileio.hpp"
#include "ttq/nm.hpp"

namespace ttq {
namespace {

std::string node_ref(const Model& m, size_t i) {
  return "node " + std::to_string(i) + " '" + m.nodes[i].name + "' (" + kind_name(m.nodes[i].kind) +
         ")";
}

std::string shape_str(const Shape& s) {
  return std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w);
}

[[noreturn]] void fail(const std::string& msg) { throw std::runtime_error(msg); }

// Names are text: no control characters (the reader rejects them, so the writer must too).
bool is_text(const std::string& s) {
  for (char c : s)
    if (uint8_t(c) < 0x20 || uint8_t(c) == 0x7F) return false;
  return true;
}

int expected_inputs(NodeKind k) {
  switch (k) {
    case NodeKind::Input:
      return 0;
    case NodeKind::Add:
      return 2;
    default:
      return 1;
  }
}

bool is_matmul(NodeKind k) { return k == NodeKind::Conv || k == NodeKind::Linear; }

// Output size of a sliding window, or -1 if the window does not fit.
int window_out(int in, int k, int stride, int pad) {
  const long span = long(in) + 2L * pad - k;
  if (span < 0 || stride < 1) return -1;
  return int(span / stride + 1);
}

std::string hex32(uint32_t v) {
  char buf[16];
  std::snprintf(buf, sizeof buf, "0x%08x", v);
  return buf;
}

// ---- little-endian writer / bounds-checked reader --------------------------------------------

class Writer {
 public:
  std::vector<uint8_t> buf;
  void u8(uint8_t v) { buf.push_back(v); }
  void u16(uint16_t v) { u8(uint8_t(v)), u8(uint8_t(v >> 8)); }
  void u32(uint32_t v) {
    for (int s = 0; s < 32; s += 8) u8(uint8_t(v >> s));
  }
  void i16(int16_t v) { u16(uint16_t(v)); }
  void i32(int32_t v) { u32(uint32_t(v)); }
  void f32(float v) { u32(std::bit_cast<uint32_t>(v)); }
  void str(const std::string& s) {
    u16(uint16_t(s.size()));
    buf.insert(buf.end(), s.begin(), s.end());
  }
  void bytes(std::span<const uint8_t> b) { buf.insert(buf.end(), b.begin(), b.end()); }
};

class Reader {
 public:
  Reader(std::span<const uint8_t> b, std::string source) : b_(b), src_(std::move(source)) {}
  size_t pos() const { return pos_; }
  size_t remaining() const { return b_.size() - pos_; }
  void need(size_t n, const std::string& field) const {
    if (n > remaining())
      fail(src_ + ": truncated: " + field + " needs " + std::to_string(n) + " bytes at offset " +
           std::to_string(pos_) + ", " + std::to_string(remaining()) + " left");
  }
  uint8_t u8(const std::string& f) {
    need(1, f);
    return b_[pos_++];
  }
  uint16_t u16(const std::string& f) {
    need(2, f);
    const uint16_t v = uint16_t(b_[pos_] | (b_[pos_ + 1] << 8));
    pos_ += 2;
    return v;
  }
  uint32_t u32(const std::string& f) {
    need(4, f);
    uint32_t v = 0;
    for (int k = 0; k < 4; ++k) v |= uint32_t(b_[pos_ + size_t(k)]) << (8 * k);
    pos_ += 4;
    return v;
  }
  int16_t i16(const std::string& f) { return int16_t(u16(f)); }
  int32_t i32(const std::string& f) { return int32_t(u32(f)); }
  float f32(const std::string& f) { return std::bit_cast<float>(u32(f)); }
  bool flag(const std::string& f) {
    const uint8_t v = u8(f);
    if (v > 1) fail(src_ + ": " + f + " is " + std::to_string(v) + ", expected 0 or 1");
    return v == 1;
  }
  // A signed 32-bit count or size that must lie in [lo, hi].
  int32_t bounded(const std::string& f, int64_t lo, int64_t hi) {
    const int32_t v = i32(f);
    if (v < lo || v > hi)
      fail(src_ + ": " + f + " = " + std::to_string(v) + " out of range [" + std::to_string(lo) +
           ", " + std::to_string(hi) + "]");
    return v;
  }
  std::string str(const std::string& f) {
    const uint16_t n = u16(f + " length");
    if (n > kMaxNameLen)
      fail(src_ + ": " + f + " length " + std::to_string(n) + " exceeds " +
           std::to_string(kMaxNameLen));
    need(n, f);
    std::string s(reinterpret_cast<const char*>(b_.data() + pos_), n);
    for (size_t k = 0; k < s.size(); ++k)
      if (uint8_t(s[k]) < 0x20 || uint8_t(s[k]) == 0x7F)
        fail(src_ + ": " + f + " contains control character 0x" + hex32(uint8_t(s[k])).substr(8) +
             " at offset " + std::to_string(pos_ + k));
    pos_ += n;
    return s;
  }
  std::span<const uint8_t> take(size_t n, const std::string& f) {
    need(n, f);
    auto s = b_.subspan(pos_, n);
    pos_ += n;
    return s;
  }
  const std::string& source() const { return src_; }

 private:
  std::span<const uint8_t> b_;
  size_t pos_ = 0;
  std::string src_;
};

// The N:M pattern a Conv/Linear claims, and its weights against it.
void check_layer_nm(const std::string& who, const MatMulParams& p) {
  try {
    check_nm_pattern(p.nm, "nm");
  } catch (const std::exception& e) {
    fail(who + ": " + e.what());
  }
  std::string where;
  if (!check_nm(p.weights, p.out_ch, p.fan_in, p.nm, &where))
    fail(who + ": weights break the layer's N:M pattern " + to_string(p.nm) + ": " + where);
}

}  // namespace

// ---- codes ------------------------------------------------------------------------------------

uint8_t encode_code(int8_t code) {
  switch (code) {
    case 0:
      return 0b00;
    case 1:
      return 0b01;
    case -1:
      return 0b11;
    default:
      fail("ternary code " + std::to_string(code) + " is not in {-1, 0, 1}");
  }
}

std::vector<uint8_t> pack_codes(std::span<const int8_t> codes) {
  std::vector<uint8_t> out((codes.size() + 3) / 4, 0);
  for (size_t k = 0; k < codes.size(); ++k)
    out[k / 4] |= uint8_t(encode_code(codes[k]) << (2 * (k % 4)));
  return out;
}

std::vector<int8_t> unpack_codes(std::span<const uint8_t> packed, size_t count,
                                 const std::string& what) {
  if (packed.size() != (count + 3) / 4)
    fail(what + ": " + std::to_string(packed.size()) + " packed bytes for " +
         std::to_string(count) + " codes, expected " + std::to_string((count + 3) / 4));
  std::vector<int8_t> out(count);
  for (size_t k = 0; k < count; ++k) {
    const uint8_t c = (packed[k / 4] >> (2 * (k % 4))) & 3u;
    if (c == 0b10) fail(what + ": invalid 2-bit code 0b10 at weight index " + std::to_string(k));
    out[k] = c == 0b00 ? 0 : c == 0b01 ? 1 : -1;
  }
  for (size_t k = count; k < packed.size() * 4; ++k)
    if ((packed[k / 4] >> (2 * (k % 4))) & 3u)
      fail(what + ": nonzero padding bits after the last code (weight index " + std::to_string(k) +
           ")");
  return out;
}

const char* kind_name(NodeKind k) {
  switch (k) {
    case NodeKind::Input:
      return "Input";
    case NodeKind::Conv:
      return "Conv";
    case NodeKind::Linear:
      return "Linear";
    case NodeKind::MaxPool:
      return "MaxPool";
    case NodeKind::AvgPool:
      return "AvgPool";
    case NodeKind::GlobalAvgPool:
      return "GlobalAvgPool";
    case NodeKind::Add:
      return "Add";
    case NodeKind::ShortcutA:
      return "ShortcutA";
  }
  return "?";
}

const char* precision_name(Precision p) {
  switch (p) {
    case Precision::Ternary:
      return "ternary";
    case Precision::Int8:
      return "int8";
  }
  return "?";
}

// ---- shape inference and validation ------------------------------------------------------------

Shape infer_shape(const Model& m, size_t i) {
  if (i >= m.nodes.size()) fail("infer_shape: node index " + std::to_string(i) + " out of range");
  const Node& n = m.nodes[i];
  const std::string who = node_ref(m, i);
  const int want = expected_inputs(n.kind);
  if (int(n.inputs.size()) != want)
    fail(who + ": has " + std::to_string(n.inputs.size()) + " inputs, expected " +
         std::to_string(want));
  for (size_t k = 0; k < n.inputs.size(); ++k)
    if (n.inputs[k] < 0 || size_t(n.inputs[k]) >= i)
      fail(who + ": inputs[" + std::to_string(k) + "] = " + std::to_string(n.inputs[k]) +
           " is not an earlier node");
  auto in = [&](size_t k) { return m.nodes[size_t(n.inputs[k])].shape; };
  switch (n.kind) {
    case NodeKind::Input:
      return n.shape;
    case NodeKind::Conv: {
      const auto& p = n.mm;
      const Shape s = in(0);
      const int oh = window_out(s.h, p.kh, p.stride, p.pad);
      const int ow = window_out(s.w, p.kw, p.stride, p.pad);
      if (p.kh < 1 || p.kw < 1 || p.stride < 1 || p.pad < 0 || oh < 1 || ow < 1)
        fail(who + ": kernel " + std::to_string(p.kh) + "x" + std::to_string(p.kw) + " stride " +
             std::to_string(p.stride) + " pad " + std::to_string(p.pad) + " does not fit input " +
             shape_str(s));
      return {p.out_ch, oh, ow};
    }
    case NodeKind::Linear:
      return {n.mm.out_ch, 1, 1};
    case NodeKind::MaxPool:
    case NodeKind::AvgPool: {
      const auto& p = n.pool;
      const Shape s = in(0);
      const int oh = window_out(s.h, p.k, p.stride, p.pad);
      const int ow = window_out(s.w, p.k, p.stride, p.pad);
      if (p.k < 1 || p.stride < 1 || p.pad < 0 || p.pad >= p.k || oh < 1 || ow < 1)
        fail(who + ": pool k " + std::to_string(p.k) + " stride " + std::to_string(p.stride) +
             " pad " + std::to_string(p.pad) + " does not fit input " + shape_str(s));
      return {s.c, oh, ow};
    }
    case NodeKind::GlobalAvgPool:
      return {in(0).c, 1, 1};
    case NodeKind::Add:
      if (!(in(0) == in(1)))
        fail(who + ": input shapes differ: " + shape_str(in(0)) + " vs " + shape_str(in(1)));
      return in(0);
    case NodeKind::ShortcutA: {
      const Shape s = in(0);
      const int st = n.sc.stride;
      if (st < 1) fail(who + ": stride " + std::to_string(st) + " < 1");
      if (n.shape.c < s.c || (n.shape.c - s.c) % 2 != 0)
        fail(who + ": output channels " + std::to_string(n.shape.c) +
             " must be >= input channels " + std::to_string(s.c) + " with an even difference");
      return {n.shape.c, (s.h - 1) / st + 1, (s.w - 1) / st + 1};
    }
  }
  fail(who + ": unknown node kind " + std::to_string(int(n.kind)));
}

void validate(const Model& m, const std::string& src) {
  if (m.nodes.empty()) fail(src + ": model has no nodes");
  if (int(m.nodes.size()) > kMaxNodes)
    fail(src + ": " + std::to_string(m.nodes.size()) + " nodes exceed " +
         std::to_string(kMaxNodes));
  if (m.num_classes < 1 || m.num_classes > kMaxDim)
    fail(src + ": num_classes " + std::to_string(m.num_classes) + " out of range");
  if (m.arch.size() > size_t(kMaxNameLen) || m.dataset.size() > size_t(kMaxNameLen))
    fail(src + ": arch or dataset name longer than " + std::to_string(kMaxNameLen));
  if (!is_text(m.arch) || !is_text(m.dataset))
    fail(src + ": arch or dataset name contains control characters");
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    const std::string who = src + ": " + node_ref(m, i);
    if (n.name.size() > size_t(kMaxNameLen) || !is_text(n.name))
      fail(who + ": name too long or contains control characters");
    if ((i == 0) != (n.kind == NodeKind::Input)) fail(who + ": node 0 must be the only Input node");
    const Shape s = [&] {
      try {
        return infer_shape(m, i);
      } catch (const std::exception& e) {
        throw std::runtime_error(src + ": " + e.what());
      }
    }();
    if (s.c < 1 || s.h < 1 || s.w < 1 || s.c > kMaxDim || s.h > kMaxDim || s.w > kMaxDim ||
        s.size() > kMaxTensor)
      fail(who + ": shape " + shape_str(s) + " out of range");
    if (!(s == n.shape))
      fail(who + ": shape " + shape_str(n.shape) + " inconsistent with inputs and parameters (" +
           shape_str(s) + " expected)");
    if (!std::isfinite(n.q.scale) || n.q.scale <= 0)
      fail(who + ": q.scale " + std::to_string(n.q.scale) + " must be finite and > 0");
    auto in_node = [&](size_t k) -> const Node& { return m.nodes[size_t(n.inputs[k])]; };
    switch (n.kind) {
      case NodeKind::Input:
        if (n.q.is_signed) fail(who + ": the input image must be unsigned 8-bit");
        break;
      case NodeKind::Conv:
      case NodeKind::Linear: {
        const MatMulParams& p = n.mm;
        const Node& src_node = in_node(0);
        if (src_node.q.is_signed)
          fail(who + ": input node " + std::to_string(n.inputs[0]) +
               " is a signed tensor; matmul inputs must be unsigned 8-bit");
        if (p.out_ch < 1 || p.out_ch > kMaxDim)
          fail(who + ": out_ch " + std::to_string(p.out_ch) + " out of range");
        const long fan = n.kind == NodeKind::Conv ? long(src_node.shape.c) * p.kh * p.kw
                                                  : long(src_node.shape.size());
        if (n.kind == NodeKind::Linear && (p.kh != 1 || p.kw != 1 || p.stride != 1 || p.pad != 0))
          fail(who + ": Linear needs kh = kw = stride = 1 and pad = 0");
        if (p.fan_in != fan)
          fail(who + ": fan_in " + std::to_string(p.fan_in) + " but the input gives " +
               std::to_string(fan));
        if (p.fan_in < 1 || p.fan_in > kMaxFanIn)
          fail(who + ": fan_in " + std::to_string(p.fan_in) + " exceeds kMaxFanIn " +
               std::to_string(kMaxFanIn));
        const size_t nw = size_t(p.out_ch) * size_t(p.fan_in);
        if (nw > kMaxWeights) fail(who + ": " + std::to_string(nw) + " weights exceed the limit");
        if (p.weights.size() != nw)
          fail(who + ": weights has " + std::to_string(p.weights.size()) + " entries, expected " +
               std::to_string(nw));
        check_layer_nm(who, p);
        const size_t oc = size_t(p.out_ch);
        auto need = [&](size_t got, const char* field) {
          if (got != oc)
            fail(who + ": " + field + " has " + std::to_string(got) + " entries, expected out_ch " +
                 std::to_string(oc));
        };
        if (!std::isfinite(p.wp) || !std::isfinite(p.wn))
          fail(who + ": wp " + std::to_string(p.wp) + " / wn " + std::to_string(p.wn) +
               " must be finite");
        need(p.a.size(), "a");
        need(p.b.size(), "b");
        need(p.out.size(), "out");
        if (p.precision == Precision::Ternary) {
          for (size_t k = 0; k < nw; ++k)
            if (p.weights[k] < -1 || p.weights[k] > 1)
              fail(who + ": weights[" + std::to_string(k) + "] = " + std::to_string(p.weights[k]) +
                   " is not a ternary code");
          if (!p.w_scale.empty()) fail(who + ": w_scale must be empty for a ternary layer");
          if (p.wp < 0 || p.wn < 0)
            fail(who + ": wp " + std::to_string(p.wp) + " / wn " + std::to_string(p.wn) +
                 " must be >= 0");
        } else if (p.precision == Precision::Int8) {
          need(p.w_scale.size(), "w_scale");
          for (size_t o = 0; o < oc; ++o)
            if (!std::isfinite(p.w_scale[o]))
              fail(who + ": w_scale[" + std::to_string(o) + "] is not finite");
        } else {
          fail(who + ": unknown precision " + std::to_string(int(p.precision)));
        }
        for (size_t o = 0; o < oc; ++o) {
          if (!std::isfinite(p.a[o]) || !std::isfinite(p.b[o]))
            fail(who + ": a/b[" + std::to_string(o) + "] is not finite");
          if (p.out[o].shift > kMaxShift)
            fail(who + ": out[" + std::to_string(o) +
                 "].shift = " + std::to_string(p.out[o].shift) + " exceeds kMaxShift " +
                 std::to_string(kMaxShift));
        }
        if (n.q.is_signed == p.relu)
          fail(who + ": output must be " + (p.relu ? "unsigned (relu)" : "signed (no relu)"));
        break;
      }
      case NodeKind::MaxPool:
      case NodeKind::AvgPool:
      case NodeKind::GlobalAvgPool:
      case NodeKind::ShortcutA: {
        const QuantInfo& qi = in_node(0).q;
        if (qi.scale != n.q.scale || qi.is_signed != n.q.is_signed)
          fail(who + ": output quantization must equal its input's (scale " +
               std::to_string(qi.scale) + ", " + (qi.is_signed ? "signed" : "unsigned") + ")");
        break;
      }
      case NodeKind::Add:
        if (n.add.shift > kMaxShift)
          fail(who + ": add.shift " + std::to_string(n.add.shift) + " exceeds kMaxShift");
        if (n.q.is_signed == n.add.relu)
          fail(who + ": output must be " + (n.add.relu ? "unsigned (relu)" : "signed (no relu)"));
        break;
    }
  }
  const Shape& last = m.nodes.back().shape;
  if (last.size() != size_t(m.num_classes))
    fail(src + ": last node '" + m.nodes.back().name + "' has " + std::to_string(last.size()) +
         " outputs but num_classes is " + std::to_string(m.num_classes));
}

// ---- serialization ---------------------------------------------------------------------------

std::vector<uint8_t> serialize(const Model& m) {
  validate(m, "serialize");
  Writer w;
  w.bytes(std::span(reinterpret_cast<const uint8_t*>(kModelMagic), 4));
  w.u32(kModelVersion);
  w.str(m.arch);
  w.str(m.dataset);
  w.u32(uint32_t(m.num_classes));
  w.u32(uint32_t(m.nodes.size()));
  for (const Node& n : m.nodes) {
    w.u8(uint8_t(n.kind));
    w.str(n.name);
    w.u8(uint8_t(n.inputs.size()));
    for (int i : n.inputs) w.i32(i);
    w.i32(n.shape.c), w.i32(n.shape.h), w.i32(n.shape.w);
    w.f32(n.q.scale);
    w.u8(n.q.is_signed ? 1 : 0);
    switch (n.kind) {
      case NodeKind::Conv:
      case NodeKind::Linear: {
        const MatMulParams& p = n.mm;
        w.u8(uint8_t(p.precision));
        w.i32(p.out_ch), w.i32(p.fan_in), w.i32(p.kh), w.i32(p.kw), w.i32(p.stride), w.i32(p.pad);
        w.u8(p.relu ? 1 : 0);
        w.u8(uint8_t(p.nm.n)), w.u8(uint8_t(p.nm.m));
        w.f32(p.wp), w.f32(p.wn);
        if (p.precision == Precision::Ternary) {
          w.bytes(pack_codes(p.weights));
        } else {
          w.bytes(std::span(reinterpret_cast<const uint8_t*>(p.weights.data()), p.weights.size()));
          for (float s : p.w_scale) w.f32(s);
        }
        for (float a : p.a) w.f32(a);
        for (float b : p.b) w.f32(b);
        for (const OutParams& o : p.out) w.i16(o.mp), w.i16(o.mn), w.i32(o.bias), w.u8(o.shift);
        break;
      }
      case NodeKind::MaxPool:
      case NodeKind::AvgPool:
        w.i32(n.pool.k), w.i32(n.pool.stride), w.i32(n.pool.pad);
        break;
      case NodeKind::Add:
        w.i16(n.add.ma), w.i16(n.add.mb), w.u8(n.add.shift), w.u8(n.add.relu ? 1 : 0);
        break;
      case NodeKind::ShortcutA:
        w.i32(n.sc.stride);
        break;
      case NodeKind::Input:
      case NodeKind::GlobalAvgPool:
        break;
    }
  }
  w.u32(checksum_crc32(w.buf));
  return std::move(w.buf);
}

Model deserialize(std::span<const uint8_t> bytes, const std::string& src) {
  if (bytes.size() < 4)
    fail(src + ": truncated: " + std::to_string(bytes.size()) + " bytes, no room for the magic");
  if (std::memcmp(bytes.data(), kModelMagic, 4) != 0) {
    std::string got;
    for (int k = 0; k < 4; ++k) {
      const char c = char(bytes[size_t(k)]);
      got += (c >= 32 && c < 127) ? std::string(1, c) : "\\x" + hex32(uint8_t(c)).substr(8);
    }
    fail(src + ": bad magic '" + got + "' (expected 'TTQM'; not a .ttq model file)");
  }
  if (bytes.size() < 12)
    fail(src + ": truncated: " + std::to_string(bytes.size()) +
         " bytes, shorter than magic + version + checksum");
  Reader hdr(bytes.subspan(4, 4), src);
  const uint32_t version = hdr.u32("version");
  if (version < kModelMinVersion || version > kModelVersion)
    fail(src + ": unsupported version " + std::to_string(version) + " (this build reads versions " +
         std::to_string(kModelMinVersion) + " to " + std::to_string(kModelVersion) + ")");
  const auto body = bytes.first(bytes.size() - 4);
  Reader tail(bytes.last(4), src);
  const uint32_t stored = tail.u32("crc32");
  const uint32_t computed = checksum_crc32(body);
  if (stored != computed)
    fail(src + ": checksum mismatch: stored crc32 " + hex32(stored) + ", computed " +
         hex32(computed) + " over " + std::to_string(body.size()) +
         " bytes (file truncated or corrupted)");

  Reader r(body, src);
  r.take(8, "header");
  Model m;
  m.arch = r.str("arch");
  m.dataset = r.str("dataset");
  m.num_classes = int(r.u32("num_classes"));
  if (m.num_classes < 1 || m.num_classes > kMaxDim)
    fail(src + ": num_classes " + std::to_string(m.num_classes) + " out of range");
  const uint32_t count = r.u32("node count");
  // The smallest node (an Input) is 21 bytes; a count the remaining bytes cannot hold is corrupt.
  if (count < 1 || count > uint32_t(kMaxNodes) || count > r.remaining() / 21)
    fail(src + ": node count " + std::to_string(count) + " out of range for a " +
         std::to_string(bytes.size()) + "-byte file");
  m.nodes.resize(count);
  for (uint32_t i = 0; i < count; ++i) {
    Node& n = m.nodes[i];
    const std::string f = "node " + std::to_string(i) + " ";
    const uint8_t kind = r.u8(f + "kind");
    if (kind > uint8_t(NodeKind::ShortcutA))
      fail(src + ": " + f + "kind " + std::to_string(kind) + " is not a known node kind");
    n.kind = NodeKind(kind);
    n.name = r.str(f + "name");
    const std::string fn = "node " + std::to_string(i) + " '" + n.name + "' ";
    const uint8_t nin = r.u8(fn + "input count");
    if (nin > 2) fail(src + ": " + fn + "input count " + std::to_string(nin) + " exceeds 2");
    for (uint8_t k = 0; k < nin; ++k)
      n.inputs.push_back(r.bounded(fn + "inputs[" + std::to_string(k) + "]", 0, int64_t(i) - 1));
    n.shape.c = r.bounded(fn + "shape.c", 1, kMaxDim);
    n.shape.h = r.bounded(fn + "shape.h", 1, kMaxDim);
    n.shape.w = r.bounded(fn + "shape.w", 1, kMaxDim);
    n.q.scale = r.f32(fn + "q.scale");
    n.q.is_signed = r.flag(fn + "q.is_signed");
    switch (n.kind) {
      case NodeKind::Conv:
      case NodeKind::Linear: {
        MatMulParams& p = n.mm;
        const uint8_t prec = r.u8(fn + "precision");
        if (prec > uint8_t(Precision::Int8))
          fail(src + ": " + fn + "precision " + std::to_string(prec) + " unknown");
        p.precision = Precision(prec);
        p.out_ch = r.bounded(fn + "out_ch", 1, kMaxDim);
        p.fan_in = r.bounded(fn + "fan_in", 1, kMaxFanIn);
        p.kh = r.bounded(fn + "kh", 1, kMaxDim);
        p.kw = r.bounded(fn + "kw", 1, kMaxDim);
        p.stride = r.bounded(fn + "stride", 1, kMaxDim);
        p.pad = r.bounded(fn + "pad", 0, kMaxDim);
        p.relu = r.flag(fn + "relu");
        if (version >= 2) {  // version 1 files have no pattern: unstructured
          p.nm.n = r.u8(fn + "nm.n");
          p.nm.m = r.u8(fn + "nm.m");
        }
        const size_t nw = size_t(p.out_ch) * size_t(p.fan_in);
        const size_t oc = size_t(p.out_ch);
        p.wp = r.f32(fn + "wp");
        p.wn = r.f32(fn + "wn");
        if (p.precision == Precision::Ternary) {
          const auto packed = r.take((nw + 3) / 4, fn + "packed codes");
          p.weights = unpack_codes(packed, nw, src + ": " + fn + "codes");
        } else {
          const auto raw = r.take(nw, fn + "int8 weights");
          p.weights.assign(reinterpret_cast<const int8_t*>(raw.data()),
                           reinterpret_cast<const int8_t*>(raw.data()) + raw.size());
          r.need(oc * 4, fn + "w_scale");
          p.w_scale.resize(oc);
          for (auto& s : p.w_scale) s = r.f32(fn + "w_scale");
        }
        r.need(oc * (4 + 4 + 9), fn + "a, b, out");
        p.a.resize(oc);
        p.b.resize(oc);
        p.out.resize(oc);
        for (auto& a : p.a) a = r.f32(fn + "a");
        for (auto& b : p.b) b = r.f32(fn + "b");
        for (auto& o : p.out) {
          o.mp = r.i16(fn + "out.mp");
          o.mn = r.i16(fn + "out.mn");
          o.bias = r.i32(fn + "out.bias");
          o.shift = r.u8(fn + "out.shift");
        }
        break;
      }
      case NodeKind::MaxPool:
      case NodeKind::AvgPool:
        n.pool.k = r.bounded(fn + "pool.k", 1, kMaxDim);
        n.pool.stride = r.bounded(fn + "pool.stride", 1, kMaxDim);
        n.pool.pad = r.bounded(fn + "pool.pad", 0, kMaxDim);
        break;
      case NodeKind::Add:
        n.add.ma = r.i16(fn + "add.ma");
        n.add.mb = r.i16(fn + "add.mb");
        n.add.shift = r.u8(fn + "add.shift");
        n.add.relu = r.flag(fn + "add.relu");
        break;
      case NodeKind::ShortcutA:
        n.sc.stride = r.bounded(fn + "shortcut.stride", 1, kMaxDim);
        break;
      case NodeKind::Input:
      case NodeKind::GlobalAvgPool:
        break;
    }
  }
  if (r.remaining() != 0)
    fail(src + ": " + std::to_string(r.remaining()) +
         " trailing bytes after the last node (offset " + std::to_string(r.pos()) + ")");
  validate(m, src);
  return m;
}

void save_model(const std::filesystem::path& path, const Model& m) {
  write_file_atomic(path, serialize(m));
}

Model load_model(const std::filesystem::path& path) {
  return deserialize(read_file(path), path.string());
}

// ---- size report -------------------------------------------------------------------------------

SizeReport size_report(const Model& m) {
  SizeReport r;
  r.file_bytes = serialize(m).size();
  for (const Node& n : m.nodes) {
    if (!is_matmul(n.kind)) continue;
    const size_t nw = n.mm.weights.size();
    if (n.mm.precision == Precision::Ternary) {
      r.ternary_weights += nw;
      r.packed_weight_bytes += (nw + 3) / 4;
    } else {
      r.int8_weights += nw;
      r.packed_weight_bytes += nw;
    }
  }
  r.fp32_weight_bytes = 4 * (r.ternary_weights + r.int8_weights);
  r.ratio_file = r.file_bytes ? double(r.fp32_weight_bytes) / double(r.file_bytes) : 0.0;
  r.ratio_weights =
      r.packed_weight_bytes ? double(r.fp32_weight_bytes) / double(r.packed_weight_bytes) : 0.0;
  return r;
}

nlohmann::json to_json(const SizeReport& r) {
  return {{"file_bytes", r.file_bytes},
          {"ternary_weights", r.ternary_weights},
          {"int8_weights", r.int8_weights},
          {"packed_weight_bytes", r.packed_weight_bytes},
          {"fp32_weight_bytes", r.fp32_weight_bytes},
          {"ratio_fp32_to_file", r.ratio_file},
          {"ratio_fp32_to_packed_weights", r.ratio_weights}};
}

}  // namespace ttq
