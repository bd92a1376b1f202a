// Prints the instruction set oneDNN's kernels run on here (onednn_isa.hpp):
// gen_reference_histories.sh names the file it writes after it.
#include <iostream>

#include "../unit/onednn_isa.hpp"

int main() {
  std::cout << optbench::testing::onednn_isa() << "\n";
  return 0;
}
