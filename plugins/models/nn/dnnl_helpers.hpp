// Small oneDNN helpers every layer uses: dense layouts, descriptors with a
// batch dimension, primitives with their own scratchpad, reorders, tensors.
#pragma once

#include <memory>
#include <stdexcept>
#include <string>
#include <unordered_map>
#include <utility>

#include "layer.hpp"

namespace nn {

using dnnl::algorithm;
using dnnl::prop_kind;
using tag = memory::format_tag;
inline constexpr auto f32 = memory::data_type::f32;

inline memory::dim product(const Dims& d) {
  memory::dim n = 1;
  for (auto x : d)
    n *= x;
  return n;
}

/// Dense row-major layout for any rank (a, ab, abc, abcd).
inline tag plain(std::size_t rank) {
  switch (rank) {
    case 1:
      return tag::a;
    case 2:
      return tag::ab;
    case 3:
      return tag::abc;
    case 4:
      return tag::abcd;
    case 5:
      return tag::abcde;
  }
  throw std::invalid_argument("nn: tensors of rank " + std::to_string(rank) + " are not supported");
}

inline Dims with_batch(memory::dim n, const Dims& shape) {
  Dims d{n};
  d.insert(d.end(), shape.begin(), shape.end());
  return d;
}

inline memory::desc plain_desc(const Dims& dims) {
  return memory::desc(dims, f32, plain(dims.size()));
}

/// Whether `md` is the dense row-major layout of its dimensions.
inline bool is_plain(const memory::desc& md) {
  return md == plain_desc(md.dims());
}

/// The scratchpad is user-managed so that no execute call allocates one.
template <class Primitive, class PrimitiveDesc>
Op make_op(const PrimitiveDesc& pd, const dnnl::engine& engine,
           std::unordered_map<int, memory> args) {
  if (pd.scratchpad_desc().get_size() > 0) {
    args[DNNL_ARG_SCRATCHPAD] = memory(pd.scratchpad_desc(), engine);
  }
  return Op{Primitive(pd), std::move(args)};
}

inline Op make_reorder(const BindContext& ctx, const memory& from, const memory& to) {
  const dnnl::reorder::primitive_desc pd(ctx.engine, from.get_desc(), ctx.engine, to.get_desc(),
                                         ctx.attr);
  return make_op<dnnl::reorder>(pd, ctx.engine, {{DNNL_ARG_FROM, from}, {DNNL_ARG_TO, to}});
}

/// A zero-filled tensor; trainable ones get a zero gradient of the same size.
inline std::unique_ptr<Parameter> make_parameter(std::string name, Dims dims, memory::dim fan_in,
                                                 ParamKind kind = ParamKind::Trainable,
                                                 Init init = Init::TorchUniform) {
  auto p = std::make_unique<Parameter>();
  p->name = std::move(name);
  p->dims = std::move(dims);
  p->fan_in = fan_in;
  p->kind = kind;
  p->init = init;
  const auto n = static_cast<std::size_t>(product(p->dims));
  p->value.assign(n, 0.0f);
  if (kind == ParamKind::Trainable) p->grad.assign(n, 0.0f);
  return p;
}

inline prop_kind forward_kind(const BindContext& ctx) {
  return ctx.training ? prop_kind::forward_training : prop_kind::forward_inference;
}

}  // namespace nn
