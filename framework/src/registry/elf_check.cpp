#include "registry/elf_check.hpp"

#include <elf.h>

#include <cstring>
#include <fstream>
#include <vector>

namespace optbench::registry {

std::string check_elf(const std::filesystem::path& file) {
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (ec) return "cannot read the file: " + ec.message();
  std::ifstream in(file, std::ios::binary);
  Elf64_Ehdr header;
  if (!in.read(reinterpret_cast<char*>(&header), sizeof header)) {
    return "not a shared library (file shorter than an ELF header)";
  }
  if (std::memcmp(header.e_ident, ELFMAG, SELFMAG) != 0) {
    return "not a shared library (no ELF header)";
  }
  if (header.e_ident[EI_CLASS] != ELFCLASS64 || header.e_machine != EM_X86_64) {
    return "an ELF file for another machine (this host loads 64-bit x86-64 libraries)";
  }
  if (header.e_type != ET_DYN) return "an ELF file but not a shared library";
  if (header.e_phentsize != sizeof(Elf64_Phdr) || header.e_phnum == 0) {
    return "damaged ELF header (program header table)";
  }
  const auto truncated = [&](std::uint64_t offset, std::uint64_t length) {
    return offset > size || length > size - offset;
  };
  if (truncated(header.e_phoff, std::uint64_t{header.e_phnum} * sizeof(Elf64_Phdr))) {
    return "truncated: the program header table ends past the end of the file (" +
           std::to_string(size) + " bytes)";
  }
  std::vector<Elf64_Phdr> segments(header.e_phnum);
  in.seekg(static_cast<std::streamoff>(header.e_phoff));
  in.read(reinterpret_cast<char*>(segments.data()),
          static_cast<std::streamsize>(segments.size() * sizeof(Elf64_Phdr)));
  if (!in) return "truncated: cannot read the program header table";
  for (const auto& s : segments) {
    if (s.p_type == PT_LOAD && truncated(s.p_offset, s.p_filesz)) {
      return "truncated: a loadable segment ends at byte " +
             std::to_string(s.p_offset + s.p_filesz) + " but the file has " + std::to_string(size) +
             " bytes";
    }
  }
  if (header.e_shoff != 0 &&
      truncated(header.e_shoff, std::uint64_t{header.e_shnum} * header.e_shentsize)) {
    return "truncated: the section header table ends past the end of the file (" +
           std::to_string(size) + " bytes)";
  }
  return {};
}

}  // namespace optbench::registry
