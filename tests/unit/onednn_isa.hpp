// The name of the instruction set oneDNN's kernels run on here, as its
// cpu_isa enumeration names it. oneDNN picks different kernels (and with
// them different orders of addition) for each, so results that went through
// its kernels can only be compared to the bit between machines that share it.
#pragma once

#include <oneapi/dnnl/dnnl.hpp>
#include <string>

namespace optbench::testing {

inline std::string onednn_isa() {
  using isa = dnnl::cpu_isa;
  switch (dnnl::get_effective_cpu_isa()) {
    case isa::sse41:
      return "sse41";
    case isa::avx:
      return "avx";
    case isa::avx2:
      return "avx2";
    case isa::avx2_vnni:
      return "avx2_vnni";
    case isa::avx512_mic:
      return "avx512_mic";
    case isa::avx512_mic_4ops:
      return "avx512_mic_4ops";
    case isa::avx512_core:
      return "avx512_core";
    case isa::avx512_core_vnni:
      return "avx512_core_vnni";
    case isa::avx512_core_bf16:
      return "avx512_core_bf16";
    case isa::avx512_core_amx:
      return "avx512_core_amx";
    default:
      return "other";
  }
}

}  // namespace optbench::testing
