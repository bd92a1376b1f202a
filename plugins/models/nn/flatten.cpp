// `flatten` in a layer list, as nn.Flatten before nn.Linear. It adds no
// layer: linear flattens its input in (C, H, W) order itself, as
// torch.flatten does, so the word only says so in the list.
#include "layer_registry.hpp"

namespace nn {
namespace {

const LayerRegistrar flatten_word({
    .word = "flatten",
    .shape =
        [](const LayerSite& site) {
          const auto next = site.index + 1;
          if (next >= site.list.size() || site.list[next].kind != "linear") {
            site.refuse("must be followed by linear");
          }
          return site.in;
        },
    .make = [](const LayerSite&) { return std::unique_ptr<Layer>(); },
    .order = 70,
});

}  // namespace
}  // namespace nn
