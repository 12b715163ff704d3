#include "ttq/golden.hpp"

#include <Eigen/Dense>
#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <mutex>
#include <stdexcept>
#include <string>
#include <thread>

#include "ttq/calibrate.hpp"
#include "ttq/layer.hpp"
#include "ttq/model_io.hpp"
#include "ttq/progress.hpp"

namespace ttq {
namespace {

std::string who(const Model& m, size_t i) {
  return "node " + std::to_string(i) + " '" + m.nodes[i].name + "' (" + kind_name(m.nodes[i].kind) +
         ")";
}

int64_t floor_div(int64_t a, int64_t b) {
  int64_t q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

// Integer mean rounded half up: floor(sum / d + 1/2) = floor((2 sum + d) / 2d).
int64_t mean_half_up(int64_t sum, int64_t d) { return floor_div(2 * sum + d, 2 * d); }

uint8_t to_u8(int32_t v, const char* what) {
  if (v < 0 || v > kActMax)
    throw std::runtime_error(std::string(what) + ": activation " + std::to_string(v) +
                             " is not an unsigned 8-bit value");
  return uint8_t(v);
}

// im2col over any element type; dst[(pix * fan_in) + k], padding reads T{0}.
template <typename Src, typename Dst, typename Conv>
void im2col_any(const Src* in, const Shape& s, const MatMulParams& p, int oh, int ow, Dst* dst,
                Conv conv) {
  const size_t fan = size_t(s.c) * p.kh * p.kw;
  for (int y = 0; y < oh; ++y)
    for (int x = 0; x < ow; ++x) {
      Dst* row = dst + (size_t(y) * ow + x) * fan;
      size_t k = 0;
      for (int c = 0; c < s.c; ++c)
        for (int i = 0; i < p.kh; ++i) {
          const int iy = y * p.stride - p.pad + i;
          for (int j = 0; j < p.kw; ++j, ++k) {
            const int ix = x * p.stride - p.pad + j;
            row[k] = (iy < 0 || iy >= s.h || ix < 0 || ix >= s.w)
                         ? Dst{0}
                         : conv(in[(size_t(c) * s.h + iy) * s.w + ix]);
          }
        }
    }
}

// Pooling over any element type. Max ignores padded positions; Avg divides by k*k (padding
// counts as 0), via `mean`.
template <typename T, typename Mean>
void pool_any(const T* in, const Shape& s, const PoolParams& p, bool is_max, const Shape& o, T* out,
              Mean mean) {
  for (int c = 0; c < s.c; ++c)
    for (int y = 0; y < o.h; ++y)
      for (int x = 0; x < o.w; ++x) {
        bool any = false;
        T best{};
        double sum = 0;
        int64_t isum = 0;
        for (int i = 0; i < p.k; ++i) {
          const int iy = y * p.stride - p.pad + i;
          if (iy < 0 || iy >= s.h) continue;
          for (int j = 0; j < p.k; ++j) {
            const int ix = x * p.stride - p.pad + j;
            if (ix < 0 || ix >= s.w) continue;
            const T v = in[(size_t(c) * s.h + iy) * s.w + ix];
            if (!any || v > best) best = v;
            any = true;
            sum += double(v);
            isum += int64_t(v);
          }
        }
        out[(size_t(c) * o.h + y) * o.w + x] = is_max ? best : mean(isum, sum, p.k * p.k);
      }
}

template <typename T>
void shortcut_any(const T* in, const Shape& s, int stride, const Shape& o, T* out) {
  const int lo = (o.c - s.c) / 2;
  std::fill(out, out + o.size(), T{0});
  for (int c = 0; c < s.c; ++c)
    for (int y = 0; y < o.h; ++y)
      for (int x = 0; x < o.w; ++x)
        out[(size_t(c + lo) * o.h + y) * o.w + x] =
            in[(size_t(c) * s.h + size_t(y) * stride) * s.w + size_t(x) * stride];
}

void check_acts(const Model& m, size_t i, size_t have) {
  if (i == 0 || i >= m.nodes.size())
    throw std::invalid_argument("run_node: node index " + std::to_string(i) + " out of range");
  if (have < i)
    throw std::invalid_argument("run_node: " + who(m, i) + " needs the outputs of nodes 0.." +
                                std::to_string(i - 1) + ", got " + std::to_string(have));
}

// Integer matmul of one vector by node n's weights into y (out_ch entries).
void matvec(const Node& n, std::span<const uint8_t> x, std::span<int32_t> y) {
  const MatMulParams& p = n.mm;
  if (p.precision == Precision::Ternary)
    ternary_matvec(p.weights, p.out_ch, p.fan_in, x, p.out, p.relu, y);
  else
    int8_matvec(p.weights, p.out_ch, p.fan_in, x, p.out, p.relu, y);
}

// Number of fan-in vectors a matmul node takes per image.
size_t vectors_per_image(const Node& n) {
  return n.kind == NodeKind::Conv ? size_t(n.shape.h) * n.shape.w : 1;
}

// The fan-in vectors of node i for one image into dst (vectors_per_image x fan_in).
void gather_vectors(const Model& m, size_t i, const Tensor& in, std::span<uint8_t> dst) {
  const Node& n = m.nodes[i];
  if (n.kind == NodeKind::Conv) {
    im2col(in, n.mm, dst);
  } else {
    for (size_t k = 0; k < in.data.size(); ++k) dst[k] = to_u8(in.data[k], "linear input");
  }
}

// y rows [pix][out_ch] -> CHW tensor data.
void scatter_outputs(std::span<const int32_t> y, size_t npix, int out_ch, std::vector<int32_t>& d) {
  d.resize(npix * size_t(out_ch));
  for (size_t pix = 0; pix < npix; ++pix)
    for (int o = 0; o < out_ch; ++o)
      d[size_t(o) * npix + pix] = y[pix * size_t(out_ch) + size_t(o)];
}

void check_finite(float v, const char* name) {
  if (!std::isfinite(v))
    throw std::invalid_argument(std::string("quantize: ") + name + " = " + std::to_string(v) +
                                " is not finite");
}

// Largest S <= kMaxShift with every multiplier |round(m * 2^S)| <= 32767 and the bias in int32.
uint8_t choose_shift(std::initializer_list<double> muls, double bias, const char* what) {
  for (int s = kMaxShift; s >= 0; --s) {
    bool ok = true;
    for (double mul : muls)
      if (std::fabs(std::round(std::ldexp(mul, s))) > 32767.0) ok = false;
    const double b = std::round(std::ldexp(bias, s));
    if (b > double(std::numeric_limits<int32_t>::max()) ||
        b < double(std::numeric_limits<int32_t>::min()))
      ok = false;
    if (ok) return uint8_t(s);
  }
  std::string m;
  for (double mul : muls) {
    m += ' ';  // appended separately: `" " + to_string` trips a GCC 12 -Wrestrict false positive
    m += std::to_string(mul);
  }
  throw std::invalid_argument(std::string(what) + ": multipliers" + m + " / bias " +
                              std::to_string(bias) + " do not fit int16 / int32 even with shift 0");
}

int16_t round16(double v, int s) { return int16_t(std::lround(std::ldexp(v, s))); }

}  // namespace

// ---- integer model ---------------------------------------------------------------------------

Shape conv_out_shape(const Shape& in, const MatMulParams& p) {
  return {p.out_ch, (in.h + 2 * p.pad - p.kh) / p.stride + 1,
          (in.w + 2 * p.pad - p.kw) / p.stride + 1};
}

void im2col(const Tensor& in, const MatMulParams& p, std::span<uint8_t> dst) {
  const Shape o = conv_out_shape(in.shape, p);
  const size_t fan = size_t(in.shape.c) * p.kh * p.kw;
  if (fan != size_t(p.fan_in) || in.data.size() != in.shape.size() ||
      dst.size() != size_t(o.h) * o.w * fan)
    throw std::invalid_argument("im2col: input " + std::to_string(in.shape.c) + "x" +
                                std::to_string(in.shape.h) + "x" + std::to_string(in.shape.w) +
                                " does not match fan_in " + std::to_string(p.fan_in) +
                                " or the destination size " + std::to_string(dst.size()));
  im2col_any(in.data.data(), in.shape, p, o.h, o.w, dst.data(),
             [](int32_t v) { return to_u8(v, "im2col"); });
}

std::vector<uint8_t> im2col(const Tensor& in, const MatMulParams& p) {
  const Shape o = conv_out_shape(in.shape, p);
  std::vector<uint8_t> v(size_t(o.h) * o.w * size_t(in.shape.c) * p.kh * p.kw);
  im2col(in, p, v);
  return v;
}

std::vector<uint8_t> flatten_u8(const Tensor& in) {
  std::vector<uint8_t> v(in.data.size());
  for (size_t k = 0; k < v.size(); ++k) v[k] = to_u8(in.data[k], "flatten");
  return v;
}

Tensor input_tensor(const Model& m, const uint8_t* image) {
  const Node& n = m.nodes.at(0);
  Tensor t{n.shape, n.q, std::vector<int32_t>(image, image + n.shape.size())};
  return t;
}

Tensor run_node(const Model& m, size_t i, std::span<const Tensor> acts) {
  check_acts(m, i, acts.size());
  const Node& n = m.nodes[i];
  Tensor out{n.shape, n.q, std::vector<int32_t>(n.shape.size())};
  const Tensor& in = acts[size_t(n.inputs.at(0))];
  if (!(in.shape == m.nodes[size_t(n.inputs[0])].shape) || in.data.size() != in.shape.size())
    throw std::invalid_argument("run_node: " + who(m, i) + ": input tensor has the wrong shape");
  switch (n.kind) {
    case NodeKind::Input:
      break;
    case NodeKind::Conv:
    case NodeKind::Linear: {
      const size_t npix = vectors_per_image(n);
      std::vector<uint8_t> vec(npix * size_t(n.mm.fan_in));
      gather_vectors(m, i, in, vec);
      std::vector<int32_t> y(npix * size_t(n.mm.out_ch));
      for (size_t v = 0; v < npix; ++v)
        matvec(n, std::span(vec).subspan(v * size_t(n.mm.fan_in), size_t(n.mm.fan_in)),
               std::span(y).subspan(v * size_t(n.mm.out_ch), size_t(n.mm.out_ch)));
      scatter_outputs(y, npix, n.mm.out_ch, out.data);
      break;
    }
    case NodeKind::MaxPool:
    case NodeKind::AvgPool:
      pool_any(in.data.data(), in.shape, n.pool, n.kind == NodeKind::MaxPool, n.shape,
               out.data.data(),
               [](int64_t isum, double, int d) { return int32_t(mean_half_up(isum, d)); });
      break;
    case NodeKind::GlobalAvgPool: {
      const size_t hw = size_t(in.shape.h) * in.shape.w;
      for (int c = 0; c < in.shape.c; ++c) {
        int64_t s = 0;
        for (size_t k = 0; k < hw; ++k) s += in.data[size_t(c) * hw + k];
        out.data[size_t(c)] = int32_t(mean_half_up(s, int64_t(hw)));
      }
      break;
    }
    case NodeKind::Add: {
      const Tensor& b = acts[size_t(n.inputs.at(1))];
      if (b.data.size() != in.data.size())
        throw std::invalid_argument("run_node: " + who(m, i) + ": operand sizes differ");
      for (size_t k = 0; k < out.data.size(); ++k) {
        const int64_t acc = int64_t{n.add.ma} * in.data[k] + int64_t{n.add.mb} * b.data[k];
        out.data[k] = saturate8(rounding_shift(acc, n.add.shift), n.add.relu);
      }
      break;
    }
    case NodeKind::ShortcutA:
      shortcut_any(in.data.data(), in.shape, n.sc.stride, n.shape, out.data.data());
      break;
  }
  return out;
}

std::vector<std::vector<Tensor>> run_network(const Model& m, std::span<const uint8_t* const> images,
                                             const MatMulHook& hook) {
  validate(m, "run_network");
  const size_t nb = images.size();
  std::vector<std::vector<Tensor>> res(nb);
  for (size_t b = 0; b < nb; ++b) {
    if (!images[b])
      throw std::invalid_argument("run_network: image " + std::to_string(b) + " is null");
    res[b].reserve(m.nodes.size());
    res[b].push_back(input_tensor(m, images[b]));
  }
  std::vector<uint8_t> vec;
  std::vector<int32_t> y;
  for (size_t i = 1; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    if (n.kind != NodeKind::Conv && n.kind != NodeKind::Linear) {
      for (size_t b = 0; b < nb; ++b) res[b].push_back(run_node(m, i, res[b]));
      continue;
    }
    const size_t per = vectors_per_image(n), fan = size_t(n.mm.fan_in), oc = size_t(n.mm.out_ch);
    vec.resize(nb * per * fan);
    y.assign(nb * per * oc, 0);
    for (size_t b = 0; b < nb; ++b)
      gather_vectors(m, i, res[b][size_t(n.inputs[0])],
                     std::span(vec).subspan(b * per * fan, per * fan));
    const bool done = hook && hook(int(i), n, vec, int(nb * per), y);
    if (!done)
      for (size_t v = 0; v < nb * per; ++v)
        matvec(n, std::span(vec).subspan(v * fan, fan), std::span(y).subspan(v * oc, oc));
    for (size_t b = 0; b < nb; ++b) {
      Tensor t{n.shape, n.q, {}};
      scatter_outputs(std::span(y).subspan(b * per * oc, per * oc), per, n.mm.out_ch, t.data);
      res[b].push_back(std::move(t));
    }
  }
  return res;
}

int argmax(std::span<const int32_t> v) {
  if (v.empty()) throw std::invalid_argument("argmax: empty vector");
  return int(std::max_element(v.begin(), v.end()) - v.begin());  // first maximum
}

int argmax(std::span<const float> v) {
  if (v.empty()) throw std::invalid_argument("argmax: empty vector");
  return int(std::max_element(v.begin(), v.end()) - v.begin());
}

int predict(const Model& m, const uint8_t* image) {
  const uint8_t* imgs[1] = {image};
  const auto r = run_network(m, imgs);
  return argmax(r[0].back().data);
}

// ---- float reference -------------------------------------------------------------------------

struct FloatReference::Impl {
  Model m;
  // Per node: real weight matrix (out_ch x fan_in) for Conv / Linear, empty otherwise.
  std::vector<Eigen::MatrixXf> w;
};

FloatReference::FloatReference(const Model& m) : impl_(std::make_unique<Impl>()) {
  validate(m, "FloatReference");
  impl_->m = m;
  impl_->w.resize(m.nodes.size());
  for (size_t i = 0; i < m.nodes.size(); ++i) {
    const Node& n = m.nodes[i];
    if (n.kind != NodeKind::Conv && n.kind != NodeKind::Linear) continue;
    const MatMulParams& p = n.mm;
    Eigen::MatrixXf& w = impl_->w[i];
    w.resize(p.out_ch, p.fan_in);
    for (int o = 0; o < p.out_ch; ++o)
      for (int k = 0; k < p.fan_in; ++k) {
        const int8_t c = p.weights[size_t(o) * p.fan_in + k];
        w(o, k) = p.precision == Precision::Int8 ? float(c) * p.w_scale[size_t(o)]
                  : c > 0                        ? p.wp
                  : c < 0                        ? -p.wn
                                                 : 0.0f;
      }
  }
}

FloatReference::~FloatReference() = default;
FloatReference::FloatReference(FloatReference&&) noexcept = default;
const Model& FloatReference::model() const { return impl_->m; }

FloatTensor FloatReference::run_node(size_t i, std::span<const FloatTensor> acts) const {
  const Model& m = impl_->m;
  check_acts(m, i, acts.size());
  const Node& n = m.nodes[i];
  FloatTensor out{n.shape, std::vector<float>(n.shape.size())};
  const FloatTensor& in = acts[size_t(n.inputs.at(0))];
  if (!(in.shape == m.nodes[size_t(n.inputs[0])].shape) || in.data.size() != in.shape.size())
    throw std::invalid_argument("FloatReference::run_node: " + who(m, i) +
                                ": input tensor has the wrong shape");
  switch (n.kind) {
    case NodeKind::Input:
      break;
    case NodeKind::Conv:
    case NodeKind::Linear: {
      const MatMulParams& p = n.mm;
      const Eigen::Index npix = Eigen::Index(vectors_per_image(n));
      Eigen::MatrixXf x(p.fan_in, npix);  // column per output pixel
      if (n.kind == NodeKind::Conv)
        im2col_any(in.data.data(), in.shape, p, n.shape.h, n.shape.w, x.data(),
                   [](float v) { return v; });
      else
        std::copy(in.data.begin(), in.data.end(), x.data());
      Eigen::Map<Eigen::Matrix<float, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>> y(
          out.data.data(), p.out_ch, npix);
      y.noalias() = impl_->w[i] * x;
      for (int o = 0; o < p.out_ch; ++o) {
        y.row(o) = (y.row(o).array() * p.a[size_t(o)] + p.b[size_t(o)]).matrix();
        if (p.relu) y.row(o) = y.row(o).cwiseMax(0.0f);
      }
      break;
    }
    case NodeKind::MaxPool:
    case NodeKind::AvgPool:
      pool_any(in.data.data(), in.shape, n.pool, n.kind == NodeKind::MaxPool, n.shape,
               out.data.data(), [](int64_t, double sum, int d) { return float(sum / d); });
      break;
    case NodeKind::GlobalAvgPool: {
      const size_t hw = size_t(in.shape.h) * in.shape.w;
      for (int c = 0; c < in.shape.c; ++c) {
        double s = 0;
        for (size_t k = 0; k < hw; ++k) s += in.data[size_t(c) * hw + k];
        out.data[size_t(c)] = float(s / double(hw));
      }
      break;
    }
    case NodeKind::Add: {
      const FloatTensor& b = acts[size_t(n.inputs.at(1))];
      if (b.data.size() != in.data.size())
        throw std::invalid_argument("FloatReference::run_node: " + who(m, i) +
                                    ": operand sizes differ");
      for (size_t k = 0; k < out.data.size(); ++k) {
        const float v = in.data[k] + b.data[k];
        out.data[k] = n.add.relu ? std::max(v, 0.0f) : v;
      }
      break;
    }
    case NodeKind::ShortcutA:
      shortcut_any(in.data.data(), in.shape, n.sc.stride, n.shape, out.data.data());
      break;
  }
  return out;
}

std::vector<FloatTensor> FloatReference::run(const uint8_t* image) const {
  const Model& m = impl_->m;
  std::vector<FloatTensor> acts;
  acts.reserve(m.nodes.size());
  const Node& in = m.nodes[0];
  FloatTensor x{in.shape, std::vector<float>(in.shape.size())};
  for (size_t k = 0; k < x.data.size(); ++k) x.data[k] = float(image[k]) * in.q.scale;
  acts.push_back(std::move(x));
  for (size_t i = 1; i < m.nodes.size(); ++i) acts.push_back(run_node(i, acts));
  return acts;
}

int FloatReference::predict(const uint8_t* image) const { return argmax(run(image).back().data); }

FloatTensor dequantize(const Tensor& t) {
  FloatTensor f{t.shape, std::vector<float>(t.data.size())};
  for (size_t k = 0; k < t.data.size(); ++k) f.data[k] = t.q.scale * float(t.data[k]);
  return f;
}

// ---- evaluation ----------------------------------------------------------------------------

EvalResult evaluate(const Model& m, const Dataset& d, int images, bool with_float, int threads,
                    bool progress, std::vector<ImagePrediction>* per_image) {
  validate(m, "evaluate");
  const Shape& s = m.nodes[0].shape;
  if (d.c != s.c || d.h != s.h || d.w != s.w)
    throw std::invalid_argument(
        "evaluate: dataset " + d.name + " images are " + std::to_string(d.c) + "x" +
        std::to_string(d.h) + "x" + std::to_string(d.w) + " but the model input is " +
        std::to_string(s.c) + "x" + std::to_string(s.h) + "x" + std::to_string(s.w));
  const int n = images <= 0 ? d.n : std::min(images, d.n);
  std::unique_ptr<FloatReference> ref;
  if (with_float) ref = std::make_unique<FloatReference>(m);
  constexpr int kBatch = 32;
  const int nbatches = (n + kBatch - 1) / kBatch;
  std::atomic<int> next{0};
  std::mutex mu;
  EvalResult total;
  total.n = n;
  if (per_image) per_image->assign(size_t(n), {});
  std::unique_ptr<Progress> bar;
  if (progress) bar = std::make_unique<Progress>("eval " + d.name + " " + d.split, size_t(n));
  int done = 0;
  std::exception_ptr error;
  auto work = [&] {
    try {
      for (int bi; (bi = next.fetch_add(1)) < nbatches;) {
        const int lo = bi * kBatch, hi = std::min(n, lo + kBatch);
        std::vector<const uint8_t*> ptrs;
        for (int k = lo; k < hi; ++k) ptrs.push_back(d.image(k));
        const auto r = run_network(m, ptrs);
        EvalResult part;
        for (int k = lo; k < hi; ++k) {
          const std::vector<int32_t>& logits = r[size_t(k - lo)].back().data;
          const int pi = argmax(logits);
          part.correct_int += pi == d.labels[size_t(k)];
          ImagePrediction row{k, d.labels[size_t(k)], pi, logits, -1, {}};
          if (ref) {
            row.float_logits = ref->run(d.image(k)).back().data;
            const int pf = argmax(row.float_logits);
            row.float_prediction = pf;
            part.correct_float += pf == d.labels[size_t(k)];
            part.agree += pf == pi;
          }
          if (per_image) (*per_image)[size_t(k)] = std::move(row);  // own slot: no lock needed
        }
        std::lock_guard lock(mu);
        total.correct_int += part.correct_int;
        total.correct_float += part.correct_float;
        total.agree += part.agree;
        done += hi - lo;
        if (bar) {
          char buf[96];
          std::snprintf(buf, sizeof buf, "int acc %.2f%%", 100.0 * total.correct_int / done);
          bar->update(size_t(done), buf);
        }
      }
    } catch (...) {
      std::lock_guard lock(mu);
      if (!error) error = std::current_exception();
      next = nbatches;
    }
  };
  std::vector<std::thread> pool;
  for (int t = 1; t < std::max(1, threads); ++t) pool.emplace_back(work);
  work();
  for (auto& t : pool) t.join();
  if (error) std::rethrow_exception(error);
  if (bar) bar->finish();
  return total;
}

// ---- export helpers ----------------------------------------------------------------------------

OutParams quantize_out_params(float a, float b, float wp, float wn, float s_in, float s_out) {
  for (auto [v, name] :
       {std::pair{a, "a"}, {b, "b"}, {wp, "wp"}, {wn, "wn"}, {s_in, "s_in"}, {s_out, "s_out"}})
    check_finite(v, name);
  if (s_in <= 0 || s_out <= 0)
    throw std::invalid_argument("quantize_out_params: scales must be > 0 (s_in " +
                                std::to_string(s_in) + ", s_out " + std::to_string(s_out) + ")");
  const double mp = double(a) * s_in * wp / s_out, mn = double(a) * s_in * wn / s_out;
  const double bias = double(b) / s_out;
  OutParams o;
  o.shift = choose_shift({mp, mn}, bias, "quantize_out_params");
  o.mp = round16(mp, o.shift);
  o.mn = round16(mn, o.shift);
  o.bias = int32_t(std::llround(std::ldexp(bias, o.shift)));
  return o;
}

OutParams quantize_out_params_int8(float a, float b, float w_scale, float s_in, float s_out) {
  OutParams o = quantize_out_params(a, b, w_scale, 0.0f, s_in, s_out);
  o.mn = 0;
  return o;
}

AddParams quantize_add(float sa, float sb, float so, bool relu) {
  for (auto [v, name] : {std::pair{sa, "sa"}, {sb, "sb"}, {so, "so"}}) check_finite(v, name);
  if (so <= 0)
    throw std::invalid_argument("quantize_add: output scale " + std::to_string(so) +
                                " must be > 0");
  const double ma = double(sa) / so, mb = double(sb) / so;
  AddParams p;
  p.shift = choose_shift({ma, mb}, 0.0, "quantize_add");
  p.ma = round16(ma, p.shift);
  p.mb = round16(mb, p.shift);
  p.relu = relu;
  return p;
}

void calibrate_max_abs(Model& m, std::span<const uint8_t* const> calib) {
  std::vector<float> peak(m.nodes.size(), 0.0f);
  {
    const FloatReference ref(m);
    for (const uint8_t* img : calib) {
      const auto acts = ref.run(img);
      for (size_t i = 0; i < acts.size(); ++i)
        for (float v : acts[i].data) peak[i] = std::max(peak[i], std::fabs(v));
    }
  }
  for (float& p : peak) p = std::max(p, 1e-3f);
  apply_ranges(m, peak);
}

}  // namespace ttq
