// Decodes an 8-bit RGB or RGBA PNG (what Chromium's screenshots are) into
// pixels, so a test can see what a page actually showed.
#pragma once

#include <zlib.h>

#include <cstdint>
#include <cstdlib>
#include <stdexcept>
#include <string>
#include <vector>

#include "test_support.hpp"

namespace optbench::testing {

struct Pixels {
  std::uint32_t width = 0, height = 0;
  std::vector<std::uint8_t> rgb;  ///< 3 bytes per pixel, row by row
};

inline Pixels decode_png(const std::string& bytes) {
  if (bytes.size() < 8 || bytes.compare(0, 8, std::string("\x89PNG\r\n\x1a\n", 8)) != 0)
    throw std::runtime_error("not a PNG");
  Pixels out;
  int channels = 0;
  std::string idat;
  for (std::size_t at = 8; at + 8 <= bytes.size();) {
    const std::uint32_t length = big_endian(bytes, at);
    const std::string type = bytes.substr(at + 4, 4);
    const std::size_t data = at + 8;
    if (type == "IHDR") {
      out.width = big_endian(bytes, data);
      out.height = big_endian(bytes, data + 4);
      const int depth = static_cast<unsigned char>(bytes[data + 8]);
      const int colour = static_cast<unsigned char>(bytes[data + 9]);
      const int interlace = static_cast<unsigned char>(bytes[data + 12]);
      if (depth != 8 || (colour != 2 && colour != 6) || interlace != 0)
        throw std::runtime_error("only 8-bit RGB/RGBA PNGs without interlacing");
      channels = colour == 2 ? 3 : 4;
    } else if (type == "IDAT") {
      idat.append(bytes, data, length);
    }
    at = data + length + 4;  // and the CRC
  }
  const std::size_t stride = static_cast<std::size_t>(out.width) * channels;
  std::vector<std::uint8_t> raw((stride + 1) * out.height);
  uLongf raw_size = raw.size();
  if (uncompress(raw.data(), &raw_size, reinterpret_cast<const Bytef*>(idat.data()), idat.size()) !=
          Z_OK ||
      raw_size != raw.size()) {
    throw std::runtime_error("PNG data does not inflate to its size");
  }
  // Undo the per-row filters (PNG specification, section 9).
  std::vector<std::uint8_t> image(stride * out.height);
  for (std::uint32_t y = 0; y < out.height; ++y) {
    const std::uint8_t filter = raw[y * (stride + 1)];
    const std::uint8_t* in = &raw[y * (stride + 1) + 1];
    std::uint8_t* row = &image[y * stride];
    const std::uint8_t* up = y ? &image[(y - 1) * stride] : nullptr;
    for (std::size_t x = 0; x < stride; ++x) {
      const int a = x >= static_cast<std::size_t>(channels) ? row[x - channels] : 0;
      const int b = up ? up[x] : 0;
      const int c = up && x >= static_cast<std::size_t>(channels) ? up[x - channels] : 0;
      int predicted = 0;
      switch (filter) {
        case 0:
          break;
        case 1:
          predicted = a;
          break;
        case 2:
          predicted = b;
          break;
        case 3:
          predicted = (a + b) / 2;
          break;
        case 4: {
          const int p = a + b - c;
          const int pa = std::abs(p - a), pb = std::abs(p - b), pc = std::abs(p - c);
          predicted = pa <= pb && pa <= pc ? a : (pb <= pc ? b : c);
          break;
        }
        default:
          throw std::runtime_error("unknown PNG filter " + std::to_string(filter));
      }
      row[x] = static_cast<std::uint8_t>(in[x] + predicted);
    }
  }
  out.rgb.reserve(static_cast<std::size_t>(out.width) * out.height * 3);
  for (std::size_t i = 0; i < image.size(); i += channels)
    out.rgb.insert(out.rgb.end(), {image[i], image[i + 1], image[i + 2]});
  return out;
}

/// Pixels within `tolerance` per channel of the colour "#rrggbb".
inline std::size_t count_colour(const Pixels& p, const std::string& hex, int tolerance) {
  const long v = std::strtol(hex.c_str() + 1, nullptr, 16);
  const int want[3] = {static_cast<int>(v >> 16) & 0xff, static_cast<int>(v >> 8) & 0xff,
                       static_cast<int>(v) & 0xff};
  std::size_t n = 0;
  for (std::size_t i = 0; i + 2 < p.rgb.size(); i += 3) {
    bool close = true;
    for (int k = 0; k < 3; ++k)
      close = close && std::abs(p.rgb[i + k] - want[k]) <= tolerance;
    n += close;
  }
  return n;
}

}  // namespace optbench::testing
