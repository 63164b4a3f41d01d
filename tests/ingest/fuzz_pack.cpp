#include "fuzz_pack.h"

#include <git2.h>
#include <libdeflate.h>
#include <stdlib.h>

#include <fstream>
#include <string_view>

#include "pack_reader.h"
#include "sluice/core/error.h"

namespace sluice::ingest::fuzz {
namespace {

std::string be32(std::uint32_t v) {
  return {static_cast<char>(v >> 24), static_cast<char>(v >> 16), static_cast<char>(v >> 8), static_cast<char>(v)};
}

std::string zlib(std::string_view data) {
  auto* compressor = libdeflate_alloc_compressor(6);
  std::string out(libdeflate_zlib_compress_bound(compressor, data.size()), '\0');
  out.resize(libdeflate_zlib_compress(compressor, data.data(), data.size(), out.data(), out.size()));
  libdeflate_free_compressor(compressor);
  return out;
}

std::string entry_header(unsigned type, std::size_t size) {
  std::string out(1, static_cast<char>((type << 4) | (size & 15)));
  size >>= 4;
  while (size != 0) {
    out.back() = static_cast<char>(out.back() | 0x80);
    out += static_cast<char>(size & 0x7F);
    size >>= 7;
  }
  return out;
}

std::string object_id(std::size_t index) {
  std::string id(20, '\0');
  id[0] = static_cast<char>(index + 1);
  return id;
}

}  // namespace

std::string hand_pack(const std::vector<HandEntry>& entries, std::vector<std::uint32_t>& offsets) {
  std::string pack = "PACK" + be32(2) + be32(static_cast<std::uint32_t>(entries.size()));
  offsets.clear();
  for (const auto& entry : entries) {
    offsets.push_back(static_cast<std::uint32_t>(pack.size()));
    pack += entry_header(entry.type, entry.payload.size());
    if (entry.type == 6) {
      // git's offset encoding: big-endian 7 bits a byte, each continuation adding one.
      std::size_t back = offsets.back() - offsets[offsets.size() - 1 - entry.base];
      std::string distance(1, static_cast<char>(back & 0x7F));
      while ((back >>= 7) != 0) distance.insert(distance.begin(), static_cast<char>(0x80 | (--back & 0x7F)));
      pack += distance;
    } else if (entry.type == 7) {
      pack += object_id(entry.base - 1);
    }
    pack += zlib(entry.payload);
  }
  return pack + std::string(20, 'T');  // the checksum the idx repeats (nothing verifies it)
}

void write_hand_pack(const std::filesystem::path& objects_dir, const std::string& pack,
                     const std::vector<std::uint32_t>& offsets) {
  std::filesystem::create_directories(objects_dir / "pack");
  std::string idx = "\377tOc" + be32(2);
  for (unsigned b = 0; b < 256; ++b) idx += be32(static_cast<std::uint32_t>(std::min<std::size_t>(b, offsets.size())));
  for (std::size_t i = 0; i < offsets.size(); ++i) idx += object_id(i);
  for (std::size_t i = 0; i < offsets.size(); ++i) idx += be32(0);
  for (const auto offset : offsets) idx += be32(offset);
  idx += (pack.size() >= 20 ? pack.substr(pack.size() - 20) : std::string(20, '\0')) + std::string(20, 'I');
  std::ofstream(objects_dir / "pack" / "pack-hand.pack", std::ios::binary | std::ios::trunc) << pack;
  std::ofstream(objects_dir / "pack" / "pack-hand.idx", std::ios::binary | std::ios::trunc) << idx;
}

std::string pack_reader_input(const std::string& pack, const std::vector<std::uint32_t>& offsets) {
  std::string input(1, static_cast<char>(offsets.size()));
  for (const auto offset : offsets) input += be32(offset);
  return input + pack;
}

int pack_delta(const std::uint8_t* data, std::size_t size) {
  if (size < 2) return 0;
  const std::size_t base_size = std::min<std::size_t>(size - 2, (std::size_t{data[0]} << 8) | data[1]);
  const std::string_view base(reinterpret_cast<const char*>(data + 2), base_size);
  const std::string_view delta(reinterpret_cast<const char*>(data + 2 + base_size), size - 2 - base_size);
  std::string out;
  if (apply_delta(base, delta, out) == nullptr) {
    // Success means a well-formed header whose sizes are the base's and the output's, exactly.
    const auto* p = reinterpret_cast<const unsigned char*>(delta.data());
    std::uint64_t sizes[2] = {0, 0};
    for (auto& value : sizes) {
      for (unsigned shift = 0;; shift += 7) {
        const unsigned char c = *p++;
        value |= std::uint64_t{c & 0x7Fu} << shift;
        if ((c & 0x80) == 0) break;
      }
    }
    if (sizes[0] != base.size() || sizes[1] != out.size()) abort();
  }
  return 0;
}

int pack_reader(const std::uint8_t* data, std::size_t size) {
  if (size < 1) return 0;
  const std::size_t count = data[0] % 17;
  if (size < 1 + count * 4) return 0;
  std::vector<std::uint32_t> offsets;
  for (std::size_t i = 0; i < count; ++i) {
    const std::uint8_t* p = data + 1 + i * 4;
    offsets.push_back((std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | p[3]);
  }
  // One scratch directory per process, removed at exit.
  struct Scratch {
    std::filesystem::path path;
    Scratch() {
      std::string pattern = (std::filesystem::temp_directory_path() / "sluice-fuzz-pack-XXXXXX").string();
      if (mkdtemp(pattern.data()) == nullptr) abort();
      path = pattern;
    }
    ~Scratch() {
      std::error_code ec;
      std::filesystem::remove_all(path, ec);
    }
  };
  static const Scratch scratch;
  const std::filesystem::path& dir = scratch.path;
  const std::string pack(reinterpret_cast<const char*>(data + 1 + count * 4), size - 1 - count * 4);
  write_hand_pack(dir / "objects", pack, offsets);
  try {
    PackSet packs(dir / "objects", "fuzz");
    PackReader reader(packs, 1 << 16);  // small: evictions too
    for (std::size_t i = 0; i < count; ++i) {
      git_oid oid{};
      oid.id[0] = static_cast<unsigned char>(i + 1);
      try {
        reader.read(oid);
      } catch (const Error&) {
      }
      std::size_t object_size = 0;
      git_object_t type = GIT_OBJECT_INVALID;
      try {
        reader.read_header(oid, object_size, type);
      } catch (const Error&) {
      }
    }
  } catch (const Error&) {
  }
  return 0;
}

}  // namespace sluice::ingest::fuzz
