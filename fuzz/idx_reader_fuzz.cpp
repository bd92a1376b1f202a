// Any bytes as an IDX images + labels pair, raw or gzip: the idx dataset
// plugin must either load them or throw an exception with a message; a
// crash, a sanitizer report or an allocation beyond the bytes present is a
// bug.
//
// Input layout: 2 bytes (big-endian) give the length of the images file,
// the rest of that is the images file, and what follows is the labels file.
#include <unistd.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "optbench/dataset.hpp"

// The plugin's factory, exported by OPTBENCH_DATASET_PLUGIN in idx.cpp
// (compiled into this executable) as a pointer-sized alias.
extern "C" const void* optbench_create;

namespace {

namespace fs = std::filesystem;

// One folder per process (libFuzzer may run several jobs at once), in
// memory when /dev/shm exists, removed when the fuzzer exits.
struct WorkDir {
  fs::path path;
  WorkDir() {
    const fs::path shm("/dev/shm");
    path = (fs::exists(shm) ? shm : fs::temp_directory_path()) /
           ("optbench-fuzz-idx-" + std::to_string(getpid()));
    fs::create_directories(path);
  }
  ~WorkDir() {
    std::error_code ec;
    fs::remove_all(path, ec);
  }
};

const fs::path& work_dir() {
  static const WorkDir dir;
  return dir.path;
}

void write_file(const fs::path& file, const std::uint8_t* data, std::size_t size) {
  std::ofstream out(file, std::ios::binary | std::ios::trunc);
  out.write(reinterpret_cast<const char*>(data), static_cast<std::streamsize>(size));
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t images_size =
      std::min<std::size_t>((std::size_t{data[0]} << 8) | data[1], size - 2);
  const fs::path images = work_dir() / "images", labels = work_dir() / "labels";
  write_file(images, data + 2, images_size);
  write_file(labels, data + 2 + images_size, size - 2 - images_size);
  const auto create =
      reinterpret_cast<optbench::DatasetFactory*>(reinterpret_cast<std::intptr_t>(optbench_create));
  try {
    const auto dataset =
        create({{"train_images", images.string()}, {"train_labels", labels.string()}}, {});
    // Touch every sample once, as training would.
    const auto info = dataset->info();
    std::size_t width = 1;
    for (auto d : info.sample_shape)
      width *= d;
    std::vector<float> inputs(width), target(info.target_size);
    for (std::size_t k = 0; k < dataset->size(optbench::Split::Train); ++k) {
      const std::size_t index[] = {k};
      dataset->fill(optbench::Split::Train, index, inputs.data(), target.data());
    }
  } catch (const std::exception&) {
  }
  return 0;
}
