// ttq-train-gradstep: one training step of ttq-train on a real batch, written out for the PyTorch
// cross-check (trainer/reference/ttq_torch.py gradcheck): the weights, the batch, and every
// parameter gradient, Wp/Wn included.
//
// FILE is a tensor bundle (bundle.hpp); FILE.json holds the model, mode,
// pattern, t and ttq-train's loss. --break-grad NAME flips the sign of gradient NAME (e.g.
// fc.grad.wn, the sign many TTQ ports get wrong): the check must then fail
// (tests/trainer/CMakeLists.txt).
#include <CLI/CLI.hpp>
#include <cmath>
#include <iostream>
#include <nlohmann/json.hpp>
#include <numeric>
#include <string>
#include <vector>

#include "bundle.hpp"
#include "ttq/dataset.hpp"
#include "ttq/fileio.hpp"
#include "ttq/nm.hpp"
#include "ttq/tool_main.hpp"
#include "ttq/trainer/batch.hpp"
#include "ttq/trainer/net.hpp"
#include "ttq/trainer/rng.hpp"

namespace {
using namespace ttq::train;
void add_layer(Bundle& b, const std::string& name, const MatMul& m, bool quant) {
  const int o = m.cout, k = m.fan_in;
  b.add(name + ".w", {o, k}, m.w.data());
  b.add(name + ".grad.w", {o, k}, m.gw.data());
  if (quant) {
    const std::vector<float> code(m.code.data(), m.code.data() + m.code.size());
    b.add(name + ".code", {o, k}, code.data());  // diagnostics: which weights are +Wp / -Wn
    b.add(name + ".wp", {1}, &m.wp), b.add(name + ".wn", {1}, &m.wn);
    b.add(name + ".grad.wp", {1}, &m.gwp), b.add(name + ".grad.wn", {1}, &m.gwn);
  }
  if (m.has_bias) {
    b.add(name + ".bias", {o}, m.bias.data());
    b.add(name + ".grad.bias", {o}, m.gbias.data());
  }
  if (m.has_bn) {
    b.add(name + ".gamma", {o}, m.gamma.data()), b.add(name + ".beta", {o}, m.beta.data());
    b.add(name + ".grad.gamma", {o}, m.ggamma.data());
    b.add(name + ".grad.beta", {o}, m.gbeta.data());
  }
}

int run(int argc, char** argv) {
  std::string model = "lenet5", mode = "ttq", pattern = "none", out, broken;
  int batch = 32, seed = 1;
  float t = 0.05f;
  CLI::App app{"ttq-train-gradstep: one ttq-train step written for the PyTorch cross-check"};
  app.add_option("--model", model, "lenet5 (Fashion-MNIST) | resnet20 (CIFAR-10)");
  app.add_option("--mode", mode, "fp | ttq");
  app.add_option("--pattern", pattern, "N:M pattern of the TTQ layers (none: threshold)");
  app.add_option("--ttq-t", t, "TTQ threshold factor");
  app.add_option("--batch", batch, "images (the first of the training split)");
  app.add_option("--seed", seed, "weight seed");
  app.add_option("--out", out, "bundle file (FILE.json: metadata)")->required();
  app.add_option("--break-grad", broken, "corrupt this gradient (proves the check can fail)");
  CLI11_PARSE(app, argc, argv);
  if (mode != "fp" && mode != "ttq")
    throw std::invalid_argument("--mode: '" + mode + "' is not fp or ttq");
  const std::string ds = model == "resnet20" ? "cifar10" : "fashion-mnist";
  const ttq::Dataset d = ttq::load_dataset(ds, "train");
  Net net = make_net(model, d.c, d.h, d.w, d.num_classes);
  init_weights(net, uint64_t(seed));
  // BN gammas/betas away from 1/0 so their gradients and their effect are both exercised.
  Rng rng(mix_seed(uint64_t(seed), 77));
  for (Node& n : net.nodes)
    if ((n.op == Op::Conv || n.op == Op::Linear) && n.mm.has_bn)
      for (int c = 0; c < n.mm.cout; ++c)
        n.mm.gamma[c] = float(1 + 0.2 * rng.normal()), n.mm.beta[c] = float(0.1 * rng.normal());
  net.ttq_t = t;
  net.pattern = ttq::parse_nm(pattern);
  if (mode == "ttq") net.begin_quantized(Quant::TTQ);
  std::vector<int> idx(static_cast<size_t>(batch), 0);
  std::iota(idx.begin(), idx.end(), 0);
  Tensor x;
  std::vector<uint8_t> labels;
  make_batch(d, idx, false, 0, nullptr, x, labels);
  Tensor dlogits;
  const LossResult lr = softmax_ce(net.forward(x, true), labels, &dlogits);
  net.backward(dlogits);

  Bundle b;
  b.broken = broken;
  const std::vector<float> nchw = to_nchw(x);
  b.add("input", {x.n, x.c, x.h, x.w}, nchw.data());
  std::vector<float> lab(labels.begin(), labels.end());
  b.add("labels", {x.n}, lab.data());
  for (Node& n : net.nodes)
    if (n.op == Op::Conv || n.op == Op::Linear)
      add_layer(b, n.name, n.mm, mode == "ttq" && n.mm.quantizable);
  if (!broken.empty() && !b.did_break)
    throw std::invalid_argument("--break-grad: no tensor named '" + broken + "'");
  ttq::write_file_atomic(out, std::string_view(b.finish()));
  ttq::write_json_atomic(out + ".json", {{"model", model},
                                         {"mode", mode},
                                         {"pattern", pattern},
                                         {"ttq_t", t},
                                         {"classes", d.num_classes},
                                         {"loss", lr.loss_sum / batch}});
  return 0;
}
}  // namespace

int main(int argc, char** argv) { return ttq::tool_main("ttq-train-gradstep", run, argc, argv); }
