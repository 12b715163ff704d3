// The trainer's network: a topologically ordered list of nodes mirroring ttq::Model (node 0 is the
// input), so that export is a one-to-one mapping. A Conv/Linear node is the fused unit the
// accelerator computes: (quantized) matmul, optional bias, optional batch norm, optional ReLU.
#pragma once

#include <cstdint>
#include <span>
#include <string>
#include <vector>

#include "ttq/trainer/conv3x3.hpp"
#include "ttq/trainer/layers.hpp"
#include "ttq/trainer/quant.hpp"

namespace ttq::train {

enum class Op { Input, Conv, Linear, MaxPool, AvgPool, GlobalAvgPool, Add, ShortcutA };

struct MatMul {
  int cin = 0, cout = 0, k = 1, stride = 1, pad = 0, fan_in = 0;
  bool quantizable = true;  // takes part in the quantized phase (first conv: false by default)
  bool has_bias = false, has_bn = false, relu = false;
  Mat w, gw, mw;  // latent weights [cout][fan_in], grad, momentum
  float wp = 0, wn = 0, gwp = 0, gwn = 0, mwp = 0, mwn = 0;  // TTQ scales
  float delta = 0, alpha = 0;  // last threshold (0 under an N:M pattern); TWN/BWN scale
  Codes code;                  // last ternary codes (TTQ, TWN): which weights are +, 0, -
  // TTQ works on the latent weights normalized to [-1, 1] (paper, Sec. 3): wnorm = w / wmax,
  // wmax = max|w| held constant in the backward pass, so dL/dw = dL/dwnorm / wmax. Delta is
  // t * max|wnorm| = t in normalized units, i.e. t * max|w| on the raw weights.
  float wmax = 1;
  Mat wnorm;
  Vec bias, gbias, mbias;
  Vec gamma, beta, ggamma, gbeta, mgamma, mbeta, run_mean, run_var;
  // Caches of the last forward pass.
  Mat q, gq, col, dcol;  // col, dcol: im2col convolutions and linear layers
  Conv3x3Work direct;    // direct 3x3 stride-1 pad-1 convolutions
  Tensor z, zbn;
  BnCache bn;
};

struct Node {
  Op op = Op::Input;
  std::string name;
  std::vector<int> inputs;
  int c = 0, h = 0, w = 0;  // output shape per image
  MatMul mm;                // Conv, Linear
  int pool_k = 2, pool_stride = 2;
  int sc_stride = 1;  // ShortcutA
  bool relu = false;  // Add
  Tensor out, grad;
  std::vector<int32_t> arg;  // MaxPool
};

// A learnable array: value, gradient and momentum buffer.
struct ParamRef {
  std::string name;
  float* v;
  float* g;
  float* m;
  size_t n;
  bool decay;  // weight decay applies (latent conv/linear weights only)
  bool scale;  // a TTQ scale: projected onto [kScaleFloor, inf) after each step
};
// A non-learned state array saved in checkpoints (batch-norm running statistics).
struct BufferRef {
  std::string name;
  float* v;
  size_t n;
};

class Net {
 public:
  std::string arch;
  int in_c = 0, in_h = 0, in_w = 0, classes = 10;
  std::vector<Node> nodes;
  Quant mode = Quant::Float;  // quantizer applied to quantizable layers in this phase
  float ttq_t = 0.05f, ttq_sparsity = -1.0f;
  // N:M pattern of every quantized TTQ/TWN layer's codes ({0,0}: threshold mask instead).
  NmPattern pattern;
  float bn_eps = 1e-5f, bn_momentum = 0.1f;

  // Forward pass on a batch x [in_c][N*in_h*in_w]; returns the logits [classes][N].
  const Tensor& forward(const Tensor& x, bool train);
  // Backward pass from dL/dlogits; fills every parameter gradient. Needs forward(x, true) first.
  void backward(const Tensor& dlogits);
  // Computes the effective weights q of every matmul layer for the current mode (forward does it
  // too).
  void quantize_weights();
  // The codes of quantized layer m for the current mode from its current latent weights: the N:M
  // mask of |w| if a pattern is set, else the TTQ threshold on wnorm or the TWN threshold on w.
  // Sets m.delta and m.code (TTQ: needs m.wnorm).
  void select_codes(MatMul& m) const;
  // Starts the quantized phase: sets mode and, for TTQ, initializes Wp/Wn from the latent weights.
  void begin_quantized(Quant q);

  std::vector<ParamRef> params();
  std::vector<BufferRef> buffers();
  std::vector<int> matmul_nodes() const;

  // Builders; add nodes in topological order. Return the new node's index.
  int add_input(int c, int h, int w);
  int add_conv(const std::string& name, int in, int cout, int k, int stride, int pad, bool bn,
               bool relu, bool bias);
  int add_linear(const std::string& name, int in, int cout, bool bn, bool relu, bool bias);
  int add_pool(Op op, const std::string& name, int in, int k, int stride);
  int add_gap(const std::string& name, int in);
  int add_add(const std::string& name, int a, int b, bool relu);
  int add_shortcut(const std::string& name, int in, int stride, int cout);

 private:
  Tensor scratch_;
  std::vector<char> grad_set_;
  Tensor& grad_dest(int node, bool& accumulate);
  void grad_commit(int node, bool accumulate);
};

// lenet5: conv5x5 1->32 pad 2, BN, ReLU, maxpool 2; conv5x5 32->64, BN, ReLU, maxpool 2;
// FC 1600->512, BN, ReLU; FC 512->10 (+bias). resnet20: He et al. 2016 CIFAR ResNet, option-A
// shortcuts. quant_first: also quantize the first conv (default: it stays full precision).
Net make_net(const std::string& arch, int c, int h, int w, int classes, bool quant_first = false,
             bool quant_last = true);
// Initial weights from a fixed-seed generator; BN gamma = 1, beta = 0, running stats 0 / 1.
// "he-normal": conv/linear weights N(0, 2 / fan_in) (Kaiming normal, ReLU gain), biases 0.
// "torch": PyTorch's default for nn.Conv2d / nn.Linear (kaiming_uniform_(a = sqrt(5))): weights
// and biases U(-1 / sqrt(fan_in), 1 / sqrt(fan_in)).
enum class Init { HeNormal, Torch };
Init parse_init(const std::string& s);  // "he-normal" | "torch"; throws naming --init otherwise
void init_weights(Net& net, uint64_t seed, const std::string& init = "he-normal");

}  // namespace ttq::train
