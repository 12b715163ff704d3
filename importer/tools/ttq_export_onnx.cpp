// ttq-export-onnx: a .ttq model as a float ONNX graph (docs/ONNX.md), checked by onnx::checker.
#include <onnx/checker.h>

#include <CLI/CLI.hpp>
#include <cstdio>
#include <string>

#include "ttq/model_io.hpp"
#include "ttq/onnx/export.hpp"
#include "ttq/onnx/graph.hpp"
#include "ttq/tool_main.hpp"

namespace {

int run(int argc, char** argv) {
  CLI::App app{"ttq-export-onnx: a .ttq model as a float ONNX graph any ONNX runtime runs"};
  std::string in, out;
  app.add_option("model", in, "trained ternary model (.ttq)")->required();
  app.add_option("-o,--output", out, "ONNX file to write")->required();
  try {
    app.parse(argc, argv);
  } catch (const CLI::ParseError& e) {
    return app.exit(e) == 0 ? 0 : 1;
  }
  const ttq::Model m = ttq::load_model(in);
  const onnx::ModelProto mp = ttq::onnx_io::export_onnx(m);
  try {
    onnx::checker::check_model(mp);
  } catch (const std::exception& e) {
    throw std::runtime_error(in + ": the exported graph fails onnx::checker: " + e.what());
  }
  ttq::onnx_io::save(out, mp);
  std::printf("%s: %zu nodes -> %s: %d ONNX nodes, %d initializers, opset %d (onnx::checker: ok)\n",
              in.c_str(), m.nodes.size(), out.c_str(), mp.graph().node_size(),
              mp.graph().initializer_size(), ttq::onnx_io::kExportOpset);
  return 0;
}

}  // namespace

int main(int argc, char** argv) {
  return ttq::tool_main("ttq-export-onnx", run, argc, argv);
}
