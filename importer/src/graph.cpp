#include "ttq/onnx/graph.hpp"

#include <cstring>
#include <stdexcept>

#include "ttq/fileio.hpp"

namespace ttq::onnx_io {
namespace {

template <typename T>
void from_raw(const std::string& raw, size_t n, std::vector<float>& out, const std::string& who) {
  if (raw.size() != n * sizeof(T))
    throw std::runtime_error(who + ": raw_data has " + std::to_string(raw.size()) +
                             " bytes, dims need " + std::to_string(n * sizeof(T)));
  out.resize(n);
  for (size_t k = 0; k < n; ++k) {
    T v;
    std::memcpy(&v, raw.data() + k * sizeof(T), sizeof(T));
    out[k] = float(v);
  }
}

template <typename Field>
void from_field(const Field& field, size_t n, std::vector<float>& out, const std::string& who) {
  if (size_t(field.size()) != n)
    throw std::runtime_error(who + ": " + std::to_string(field.size()) + " values, dims need " +
                             std::to_string(n));
  out.assign(field.begin(), field.end());
}

}  // namespace

onnx::ModelProto load(const std::filesystem::path& path) {
  const std::vector<uint8_t> bytes = read_file(path);
  onnx::ModelProto m;
  if (!m.ParseFromArray(bytes.data(), int(bytes.size())))
    throw std::runtime_error(path.string() + ": not a valid ONNX (protobuf ModelProto) file");
  if (!m.has_graph()) throw std::runtime_error(path.string() + ": ONNX model has no graph");
  return m;
}

void save(const std::filesystem::path& path, const onnx::ModelProto& m) {
  std::string s;
  if (!m.SerializeToString(&s)) throw std::runtime_error(path.string() + ": cannot serialize");
  write_file_atomic(path, std::string_view(s));
}

Const to_const(const onnx::TensorProto& t) {
  const std::string w = "tensor '" + t.name() + "'";
  if (t.data_location() == onnx::TensorProto::EXTERNAL)
    throw std::runtime_error(w +
                             ": external data is not supported (save the model with its "
                             "weights inside the .onnx file)");
  Const c;
  c.type = t.data_type();
  size_t n = 1;
  for (int64_t d : t.dims()) {
    if (d < 0) throw std::runtime_error(w + ": negative dimension " + std::to_string(d));
    c.dims.push_back(d);
    n *= size_t(d);
  }
  const bool raw = t.has_raw_data();
  using T = onnx::TensorProto;
  switch (t.data_type()) {
    case T::FLOAT:
      raw ? from_raw<float>(t.raw_data(), n, c.f, w) : from_field(t.float_data(), n, c.f, w);
      break;
    case T::DOUBLE:
      raw ? from_raw<double>(t.raw_data(), n, c.f, w) : from_field(t.double_data(), n, c.f, w);
      break;
    case T::INT64:
      raw ? from_raw<int64_t>(t.raw_data(), n, c.f, w) : from_field(t.int64_data(), n, c.f, w);
      break;
    case T::INT32:
      raw ? from_raw<int32_t>(t.raw_data(), n, c.f, w) : from_field(t.int32_data(), n, c.f, w);
      break;
    case T::INT8:
      raw ? from_raw<int8_t>(t.raw_data(), n, c.f, w) : from_field(t.int32_data(), n, c.f, w);
      for (float v : c.f) c.i8.push_back(int8_t(v));
      break;
    case T::UINT8:
      raw ? from_raw<uint8_t>(t.raw_data(), n, c.f, w) : from_field(t.int32_data(), n, c.f, w);
      break;
    default:
      throw std::runtime_error(w + ": data type " + std::to_string(t.data_type()) +
                               " is not supported (float, double, int8/32/64, uint8)");
  }
  return c;
}

namespace {
template <typename T>
onnx::TensorProto make_raw(const std::string& name, int32_t type, const std::vector<int64_t>& dims,
                           const std::vector<T>& v) {
  onnx::TensorProto t;
  t.set_name(name);
  t.set_data_type(type);
  for (int64_t d : dims) t.add_dims(d);
  t.set_raw_data(std::string(reinterpret_cast<const char*>(v.data()), v.size() * sizeof(T)));
  return t;
}
}  // namespace

onnx::TensorProto make_float(const std::string& name, const std::vector<int64_t>& dims,
                             const std::vector<float>& v) {
  return make_raw(name, onnx::TensorProto::FLOAT, dims, v);
}

onnx::TensorProto make_int64(const std::string& name, const std::vector<int64_t>& dims,
                             const std::vector<int64_t>& v) {
  return make_raw(name, onnx::TensorProto::INT64, dims, v);
}

onnx::TensorProto make_int8(const std::string& name, const std::vector<int64_t>& dims,
                            const std::vector<int8_t>& v) {
  return make_raw(name, onnx::TensorProto::INT8, dims, v);
}

std::string who(const onnx::NodeProto& n) {
  const std::string name = !n.name().empty()     ? n.name()
                           : n.output_size() > 0 ? n.output(0)
                                                 : std::string("?");
  return "node '" + name + "' (" + n.op_type() + ")";
}

const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name) {
  for (const auto& a : n.attribute())
    if (a.name() == name) return &a;
  return nullptr;
}

int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t def) {
  const auto* a = attr(n, name);
  return a ? a->i() : def;
}

float attr_float(const onnx::NodeProto& n, const std::string& name, float def) {
  const auto* a = attr(n, name);
  return a ? a->f() : def;
}

std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& def) {
  const auto* a = attr(n, name);
  return a ? a->s() : def;
}

std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                               const std::vector<int64_t>& def) {
  const auto* a = attr(n, name);
  return a ? std::vector<int64_t>(a->ints().begin(), a->ints().end()) : def;
}

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs) {
  onnx::NodeProto* n = g.add_node();
  n->set_op_type(op);
  n->set_name(name);
  for (const auto& s : inputs) n->add_input(s);
  for (const auto& s : outputs) n->add_output(s);
  return n;
}

void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INT);
  a->set_i(v);
}

void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v) {
  auto* a = n.add_attribute();
  a->set_name(name);
  a->set_type(onnx::AttributeProto::INTS);
  for (int64_t x : v) a->add_ints(x);
}

}  // namespace ttq::onnx_io
