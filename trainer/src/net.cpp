#include "ttq/trainer/net.hpp"

#include <algorithm>
#include <cmath>
#include <stdexcept>

#include "ttq/trainer/rng.hpp"

namespace ttq::train {

// ---- builders ----------------------------------------------------------------------------------
int Net::add_input(int c, int h, int w) {
  if (!nodes.empty()) throw std::logic_error("Net::add_input: the input must be node 0");
  Node n;
  n.op = Op::Input, n.name = "input", n.c = c, n.h = h, n.w = w;
  in_c = c, in_h = h, in_w = w;
  nodes.push_back(std::move(n));
  return 0;
}

int Net::add_conv(const std::string& name, int in, int cout, int k, int stride, int pad, bool bn,
                  bool relu, bool bias) {
  const Node& src = nodes.at(size_t(in));
  Node n;
  n.op = Op::Conv, n.name = name, n.inputs = {in};
  n.c = cout, n.h = conv_out_size(src.h, k, stride, pad),
  n.w = conv_out_size(src.w, k, stride, pad);
  if (n.h <= 0 || n.w <= 0) throw std::invalid_argument(name + ": input too small for kernel");
  MatMul& m = n.mm;
  m.cin = src.c, m.cout = cout, m.k = k, m.stride = stride, m.pad = pad, m.fan_in = src.c * k * k;
  m.has_bn = bn, m.relu = relu, m.has_bias = bias;
  nodes.push_back(std::move(n));
  return int(nodes.size()) - 1;
}

int Net::add_linear(const std::string& name, int in, int cout, bool bn, bool relu, bool bias) {
  const Node& src = nodes.at(size_t(in));
  Node n;
  n.op = Op::Linear, n.name = name, n.inputs = {in}, n.c = cout, n.h = 1, n.w = 1;
  MatMul& m = n.mm;
  m.cin = src.c * src.h * src.w, m.cout = cout, m.fan_in = m.cin;
  m.has_bn = bn, m.relu = relu, m.has_bias = bias;
  nodes.push_back(std::move(n));
  return int(nodes.size()) - 1;
}

int Net::add_pool(Op op, const std::string& name, int in, int k, int stride) {
  const Node& src = nodes.at(size_t(in));
  Node n;
  n.op = op, n.name = name, n.inputs = {in}, n.pool_k = k, n.pool_stride = stride;
  n.c = src.c, n.h = conv_out_size(src.h, k, stride, 0), n.w = conv_out_size(src.w, k, stride, 0);
  nodes.push_back(std::move(n));
  return int(nodes.size()) - 1;
}

int Net::add_gap(const std::string& name, int in) {
  const Node& src = nodes.at(size_t(in));
  Node n;
  n.op = Op::GlobalAvgPool, n.name = name, n.inputs = {in}, n.c = src.c, n.h = 1, n.w = 1;
  nodes.push_back(std::move(n));
  return int(nodes.size()) - 1;
}

int Net::add_add(const std::string& name, int a, int b, bool relu) {
  const Node &na = nodes.at(size_t(a)), &nb = nodes.at(size_t(b));
  if (na.c != nb.c || na.h != nb.h || na.w != nb.w)
    throw std::invalid_argument(name + ": residual add of different shapes");
  Node n;
  n.op = Op::Add, n.name = name, n.inputs = {a, b}, n.c = na.c, n.h = na.h, n.w = na.w;
  n.relu = relu;
  nodes.push_back(std::move(n));
  return int(nodes.size()) - 1;
}

int Net::add_shortcut(const std::string& name, int in, int stride, int cout) {
  const Node& src = nodes.at(size_t(in));
  Node n;
  n.op = Op::ShortcutA, n.name = name, n.inputs = {in}, n.sc_stride = stride, n.c = cout;
  n.h = (src.h + stride - 1) / stride, n.w = (src.w + stride - 1) / stride;
  nodes.push_back(std::move(n));
  return int(nodes.size()) - 1;
}

Net make_net(const std::string& arch, int c, int h, int w, int classes, bool quant_first,
             bool quant_last) {
  Net net;
  net.arch = arch;
  net.classes = classes;
  int x = net.add_input(c, h, w);
  if (arch == "lenet5") {
    x = net.add_conv("conv1", x, 32, 5, 1, 2, true, true, false);
    x = net.add_pool(Op::MaxPool, "pool1", x, 2, 2);
    x = net.add_conv("conv2", x, 64, 5, 1, 0, true, true, false);
    x = net.add_pool(Op::MaxPool, "pool2", x, 2, 2);
    x = net.add_linear("fc1", x, 512, true, true, false);
    x = net.add_linear("fc2", x, classes, false, false, true);
  } else if (arch == "resnet20") {
    x = net.add_conv("conv1", x, 16, 3, 1, 1, true, true, false);
    for (int s = 0; s < 3; ++s) {
      const int ch = 16 << s;
      for (int b = 0; b < 3; ++b) {
        const std::string p = "s" + std::to_string(s + 1) + "b" + std::to_string(b + 1);
        const int stride = (s > 0 && b == 0) ? 2 : 1;
        const int a = net.add_conv(p + ".conv1", x, ch, 3, stride, 1, true, true, false);
        const int r = net.add_conv(p + ".conv2", a, ch, 3, 1, 1, true, false, false);
        const int sc = (stride != 1 || net.nodes[size_t(x)].c != ch)
                           ? net.add_shortcut(p + ".shortcut", x, stride, ch)
                           : x;
        x = net.add_add(p + ".add", r, sc, true);
      }
    }
    x = net.add_gap("gap", x);
    x = net.add_linear("fc", x, classes, false, false, true);
  } else {
    throw std::invalid_argument("--model: unknown architecture '" + arch + "' (lenet5, resnet20)");
  }
  const std::vector<int> mms = net.matmul_nodes();
  net.nodes[size_t(mms.front())].mm.quantizable = quant_first;
  net.nodes[size_t(mms.back())].mm.quantizable = quant_last;
  if (net.nodes.back().c != classes || net.nodes.back().h != 1)
    throw std::logic_error(arch + ": last node is not a [classes] vector");
  return net;
}

Init parse_init(const std::string& s) {
  if (s == "he-normal") return Init::HeNormal;
  if (s == "torch") return Init::Torch;
  throw std::invalid_argument("--init: unknown initialization '" + s + "' (he-normal, torch)");
}

void init_weights(Net& net, uint64_t seed, const std::string& init) {
  const bool torch = parse_init(init) == Init::Torch;
  Rng rng(mix_seed(seed, 0x1417));
  for (Node& n : net.nodes) {
    if (n.op != Op::Conv && n.op != Op::Linear) continue;
    MatMul& m = n.mm;
    const double std = std::sqrt(2.0 / m.fan_in), bound = 1.0 / std::sqrt(double(m.fan_in));
    auto uniform = [&] { return float(bound * (2.0 * rng.uniform() - 1.0)); };
    m.w.resize(m.cout, m.fan_in);
    for (Eigen::Index i = 0; i < m.w.size(); ++i)
      m.w.data()[i] = torch ? uniform() : float(std * rng.normal());
    m.gw.setZero(m.cout, m.fan_in);
    m.mw.setZero(m.cout, m.fan_in);
    m.wp = m.wn = m.gwp = m.gwn = m.mwp = m.mwn = 0;
    auto zeros = [&](Vec& v) { v.setZero(m.cout); };
    if (m.has_bias) zeros(m.bias), zeros(m.gbias), zeros(m.mbias);
    if (m.has_bias && torch)
      for (Eigen::Index i = 0; i < m.bias.size(); ++i) m.bias[i] = uniform();
    if (m.has_bn) {
      m.gamma.setOnes(m.cout);
      zeros(m.beta), zeros(m.ggamma), zeros(m.gbeta), zeros(m.mgamma), zeros(m.mbeta);
      zeros(m.run_mean);
      m.run_var.setOnes(m.cout);
    }
  }
}

std::vector<int> Net::matmul_nodes() const {
  std::vector<int> r;
  for (size_t i = 0; i < nodes.size(); ++i)
    if (nodes[i].op == Op::Conv || nodes[i].op == Op::Linear) r.push_back(int(i));
  return r;
}

std::vector<ParamRef> Net::params() {
  std::vector<ParamRef> r;
  for (Node& n : nodes) {
    if (n.op != Op::Conv && n.op != Op::Linear) continue;
    MatMul& m = n.mm;
    r.push_back(
        {n.name + ".w", m.w.data(), m.gw.data(), m.mw.data(), size_t(m.w.size()), true, false});
    if (m.quantizable) {
      r.push_back({n.name + ".wp", &m.wp, &m.gwp, &m.mwp, 1, false, true});
      r.push_back({n.name + ".wn", &m.wn, &m.gwn, &m.mwn, 1, false, true});
    }
    if (m.has_bias)
      r.push_back({n.name + ".bias", m.bias.data(), m.gbias.data(), m.mbias.data(),
                   size_t(m.bias.size()), false, false});
    if (m.has_bn) {
      r.push_back({n.name + ".gamma", m.gamma.data(), m.ggamma.data(), m.mgamma.data(),
                   size_t(m.gamma.size()), false, false});
      r.push_back({n.name + ".beta", m.beta.data(), m.gbeta.data(), m.mbeta.data(),
                   size_t(m.beta.size()), false, false});
    }
  }
  return r;
}

std::vector<BufferRef> Net::buffers() {
  std::vector<BufferRef> r;
  for (Node& n : nodes)
    if ((n.op == Op::Conv || n.op == Op::Linear) && n.mm.has_bn) {
      r.push_back({n.name + ".running_mean", n.mm.run_mean.data(), size_t(n.mm.run_mean.size())});
      r.push_back({n.name + ".running_var", n.mm.run_var.data(), size_t(n.mm.run_var.size())});
    }
  return r;
}

// ---- quantization ------------------------------------------------------------------------------
namespace {
bool is_quantized(const Net& net, const MatMul& m) {
  return m.quantizable && net.mode != Quant::Float;
}
void normalize_latent(MatMul& m) {
  const float mx = m.w.cwiseAbs().maxCoeff();
  m.wmax = mx > 0 ? mx : 1.0f;
  m.wnorm = m.w * (1.0f / m.wmax);
}
}  // namespace

void Net::select_codes(MatMul& m) const {
  if (pattern.structured()) {
    m.delta = 0;
    nm_codes(m.w, pattern, m.code);  // |w| and |wnorm| rank alike; w has no rounding from the scale
    return;
  }
  if (mode == Quant::TTQ) {
    m.delta = ttq_threshold(m.wnorm, ttq_t, ttq_sparsity);
    threshold_codes(m.wnorm, m.delta, m.code);
  } else {
    m.delta = twn_threshold(m.w);
    threshold_codes(m.w, m.delta, m.code);
  }
}

void Net::quantize_weights() {
  for (Node& n : nodes) {
    if (n.op != Op::Conv && n.op != Op::Linear) continue;
    MatMul& m = n.mm;
    if (!is_quantized(*this, m)) continue;
    switch (mode) {
      case Quant::TTQ:
        normalize_latent(m);
        select_codes(m);
        ttq_forward(m.code, m.wp, m.wn, m.q);
        break;
      case Quant::TWN:
        select_codes(m);
        m.alpha = twn_forward(m.w, m.code, m.q);
        break;
      case Quant::BWN:
        m.alpha = bwn_forward(m.w, m.q);
        m.delta = 0;
        break;
      case Quant::Float:
        break;
    }
  }
}

void Net::begin_quantized(Quant q) {
  mode = q;
  for (Node& n : nodes) {
    if (n.op != Op::Conv && n.op != Op::Linear) continue;
    MatMul& m = n.mm;
    if (!m.quantizable || q != Quant::TTQ) continue;
    normalize_latent(m);
    select_codes(m);
    ttq_init_scales(m.wnorm, m.code, m.wp, m.wn);
    if (!m.has_bn) {
      // No batch norm after this layer (the classifier): the output scale matters, so start
      // from the mean |w| in real units and the layer computes what it computed before the
      // switch (the paper's normalized init would multiply the logits by 1 / max|w|).
      m.wp = std::max(kScaleFloor, m.wp * m.wmax);
      m.wn = std::max(kScaleFloor, m.wn * m.wmax);
    }
    m.mwp = m.mwn = 0;
  }
}

// ---- forward / backward ------------------------------------------------------------------------
const Tensor& Net::forward(const Tensor& x, bool train) {
  if (x.c != in_c || x.h != in_h || x.w != in_w)
    throw std::invalid_argument(arch + ": input batch has the wrong image shape");
  nodes[0].out = x;
  quantize_weights();
  for (size_t i = 1; i < nodes.size(); ++i) {
    Node& n = nodes[i];
    const Tensor& in = nodes[size_t(n.inputs[0])].out;
    switch (n.op) {
      case Op::Conv:
      case Op::Linear: {
        MatMul& m = n.mm;
        const Mat& W = is_quantized(*this, m) ? m.q : m.w;
        Tensor& z = m.has_bn ? m.z : n.out;
        if (n.op == Op::Conv && conv3x3_direct(m.k, m.stride, m.pad)) {
          conv3x3_forward(in, W, m.direct, z);
        } else if (n.op == Op::Conv) {
          conv_forward(in, W, m.k, m.stride, m.pad, m.col, z);
        } else {
          flatten(in, m.col);
          linear_forward(m.col, W, m.has_bias ? &m.bias : nullptr, z);
        }
        if (n.op == Op::Conv && m.has_bias) z.m.colwise() += m.bias;
        if (m.has_bn) {
          if (train)
            bn_forward_train(z, m.gamma, m.beta, bn_eps, bn_momentum, m.run_mean, m.run_var, m.bn,
                             n.out);
          else
            bn_forward_eval(z, m.gamma, m.beta, m.run_mean, m.run_var, bn_eps, n.out);
        }
        if (m.relu) relu_forward(n.out, n.out);
        break;
      }
      case Op::MaxPool:
        maxpool_forward(in, n.pool_k, n.pool_stride, n.out, n.arg);
        break;
      case Op::AvgPool:
        avgpool_forward(in, n.pool_k, n.pool_stride, n.out);
        break;
      case Op::GlobalAvgPool:
        global_avgpool_forward(in, n.out);
        break;
      case Op::Add:
        add_forward(in, nodes[size_t(n.inputs[1])].out, n.out);
        if (n.relu) relu_forward(n.out, n.out);
        break;
      case Op::ShortcutA:
        shortcut_forward(in, n.sc_stride, n.c, n.out);
        break;
      case Op::Input:
        throw std::logic_error("input node after node 0");
    }
  }
  return nodes.back().out;
}

Tensor& Net::grad_dest(int node, bool& accumulate) {
  Node& n = nodes[size_t(node)];
  accumulate = grad_set_[size_t(node)] != 0;
  Tensor& t = accumulate ? scratch_ : n.grad;
  t.resize_like(n.out);
  return t;
}

void Net::grad_commit(int node, bool accumulate) {
  if (accumulate) nodes[size_t(node)].grad.m += scratch_.m;
  grad_set_[size_t(node)] = 1;
}

void Net::backward(const Tensor& dlogits) {
  grad_set_.assign(nodes.size(), 0);
  nodes.back().grad = dlogits;
  grad_set_.back() = 1;
  for (size_t i = nodes.size() - 1; i >= 1; --i) {
    Node& n = nodes[i];
    if (!grad_set_[i]) throw std::logic_error(n.name + ": node output is not used by any layer");
    Tensor& g = n.grad;
    const int src = n.inputs[0];
    const bool need_dx = nodes[size_t(src)].op != Op::Input;
    bool acc = false;
    switch (n.op) {
      case Op::Conv:
      case Op::Linear: {
        MatMul& m = n.mm;
        if (m.relu) relu_backward(n.out, g, g);
        Tensor* dz = &g;
        if (m.has_bn) {
          bn_backward(g, m.bn, m.gamma, m.zbn, m.ggamma, m.gbeta);
          dz = &m.zbn;
        }
        const bool quant = is_quantized(*this, m);
        const Mat& W = quant ? m.q : m.w;
        Mat& gW = quant ? m.gq : m.gw;
        if (n.op == Op::Conv) {
          if (m.has_bias) m.gbias = dz->m.rowwise().sum();
          Tensor* dx = need_dx ? &grad_dest(src, acc) : nullptr;
          if (conv3x3_direct(m.k, m.stride, m.pad))
            conv3x3_backward(*dz, W, m.direct, gW, dx);
          else
            conv_backward(*dz, m.col, W, m.k, m.stride, m.pad, gW, m.dcol, dx);
        } else {
          linear_backward(*dz, m.col, W, gW, m.has_bias ? &m.gbias : nullptr,
                          need_dx ? &m.dcol : nullptr);
          if (need_dx) unflatten(m.dcol, grad_dest(src, acc));
        }
        if (need_dx) grad_commit(src, acc);
        if (quant) {
          if (mode == Quant::TTQ) {
            ttq_backward(m.code, m.wp, m.wn, m.gq, m.gw, m.gwp, m.gwn);
            m.gw *= 1.0f / m.wmax;  // chain rule through wnorm = w / wmax
          } else
            m.gw = m.gq;  // TWN / BWN: straight-through estimator
        }
        break;
      }
      case Op::MaxPool:
        if (need_dx) {
          maxpool_backward(g, n.arg, grad_dest(src, acc));
          grad_commit(src, acc);
        }
        break;
      case Op::AvgPool:
        if (need_dx) {
          avgpool_backward(g, n.pool_k, n.pool_stride, grad_dest(src, acc));
          grad_commit(src, acc);
        }
        break;
      case Op::GlobalAvgPool:
        if (need_dx) {
          global_avgpool_backward(g, grad_dest(src, acc));
          grad_commit(src, acc);
        }
        break;
      case Op::ShortcutA:
        if (need_dx) {
          shortcut_backward(g, n.sc_stride, grad_dest(src, acc));
          grad_commit(src, acc);
        }
        break;
      case Op::Add:
        if (n.relu) relu_backward(n.out, g, g);
        for (int in : n.inputs) {
          if (nodes[size_t(in)].op == Op::Input) continue;
          Tensor& d = grad_dest(in, acc);
          d.m = g.m;
          grad_commit(in, acc);
        }
        break;
      case Op::Input:
        break;
    }
  }
}

}  // namespace ttq::train
