// Reading and writing ONNX protobuf files (onnx.proto of Debian's libonnx-dev) and the small
// helpers the importer and exporter share: tensors as float arrays, attributes with defaults.
#pragma once

#include <onnx/onnx_pb.h>

#include <cstdint>
#include <filesystem>
#include <string>
#include <vector>

namespace ttq::onnx_io {

// A constant tensor as float (any ONNX float/double/int type converted), with its dims; int8 data
// (DequantizeLinear inputs) is also kept as it is.
struct Const {
  std::vector<int64_t> dims;
  std::vector<float> f;
  std::vector<int8_t> i8;       // INT8 tensors; the int8 weights behind a DequantizeLinear
  std::vector<float> dq_scale;  // DequantizeLinear: the scale of each slice of axis 0
  int32_t type = 0;             // onnx::TensorProto::DataType
  size_t size() const { return f.size(); }
};

// Parses a .onnx file; throws naming the file if it cannot be read or parsed.
onnx::ModelProto load(const std::filesystem::path& path);
// Serializes and writes atomically (temp file + rename).
void save(const std::filesystem::path& path, const onnx::ModelProto& m);

// The tensor's values; throws naming the tensor for an unsupported data type or external data.
Const to_const(const onnx::TensorProto& t);
// A float tensor of the given dims and values.
onnx::TensorProto make_float(const std::string& name, const std::vector<int64_t>& dims,
                             const std::vector<float>& v);
onnx::TensorProto make_int64(const std::string& name, const std::vector<int64_t>& dims,
                             const std::vector<int64_t>& v);
onnx::TensorProto make_int8(const std::string& name, const std::vector<int64_t>& dims,
                            const std::vector<int8_t>& v);

// "node 'name' (OpType)" for messages (the output name if the node has no name).
std::string who(const onnx::NodeProto& n);

// Attributes: the value if present, else `def`.
const onnx::AttributeProto* attr(const onnx::NodeProto& n, const std::string& name);
int64_t attr_int(const onnx::NodeProto& n, const std::string& name, int64_t def);
float attr_float(const onnx::NodeProto& n, const std::string& name, float def);
std::string attr_string(const onnx::NodeProto& n, const std::string& name, const std::string& def);
std::vector<int64_t> attr_ints(const onnx::NodeProto& n, const std::string& name,
                               const std::vector<int64_t>& def);

onnx::NodeProto* add_node(onnx::GraphProto& g, const std::string& op, const std::string& name,
                          const std::vector<std::string>& inputs,
                          const std::vector<std::string>& outputs);
void set_attr(onnx::NodeProto& n, const std::string& name, int64_t v);
void set_attr(onnx::NodeProto& n, const std::string& name, const std::vector<int64_t>& v);

}  // namespace ttq::onnx_io
