#include "pack_reader.h"

#include <fcntl.h>
#include <libdeflate.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cstring>

#include "sluice/core/error.h"

namespace sluice::ingest {
namespace {

constexpr std::size_t kSha1 = 20;
constexpr std::uint64_t kPackHeader = 12;  // "PACK", version, object count
// git caps --depth at 4095; a longer chain can only be a loop of REF_DELTAs.
constexpr std::size_t kMaxChain = 10000;

std::uint32_t be32(const unsigned char* p) {
  return (std::uint32_t{p[0]} << 24) | (std::uint32_t{p[1]} << 16) | (std::uint32_t{p[2]} << 8) | std::uint32_t{p[3]};
}

std::uint64_t be64(const unsigned char* p) { return (std::uint64_t{be32(p)} << 32) | be32(p + 4); }

// A read-only mapping of a whole file.
class Mapping {
 public:
  Mapping() = default;
  // Stays empty (size 0) when the file cannot be opened or is empty.
  void open(const std::filesystem::path& path) {
    const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return;
    struct stat info {};
    if (::fstat(fd, &info) == 0 && info.st_size > 0) {
      void* map = ::mmap(nullptr, static_cast<std::size_t>(info.st_size), PROT_READ, MAP_PRIVATE, fd, 0);
      if (map != MAP_FAILED) {
        data_ = static_cast<const unsigned char*>(map);
        size_ = static_cast<std::size_t>(info.st_size);
      }
    }
    ::close(fd);  // the mapping keeps the file
  }
  ~Mapping() {
    if (data_ != nullptr) ::munmap(const_cast<unsigned char*>(data_), size_);
  }
  Mapping(const Mapping&) = delete;
  Mapping& operator=(const Mapping&) = delete;
  const unsigned char* data() const { return data_; }
  std::size_t size() const { return size_; }

 private:
  const unsigned char* data_ = nullptr;
  std::size_t size_ = 0;
};

// git's delta varint: 7 bits a byte, least significant first. False when it runs off the end or
// does not fit in 64 bits.
bool delta_varint(const unsigned char*& p, const unsigned char* end, std::uint64_t& value) {
  value = 0;
  for (unsigned shift = 0;; shift += 7) {
    if (p == end || shift > 63) return false;
    const unsigned char c = *p++;
    if (shift == 63 && (c & 0x7Eu) != 0) return false;  // bits past the 64th
    value |= std::uint64_t{c & 0x7Fu} << shift;
    if ((c & 0x80) == 0) return true;
  }
}

// The two sizes at the start of a delta, then the instructions applied into out[0, target_size).
const char* apply_delta_into(std::string_view base, std::string_view delta, char* out, std::size_t target_size) {
  const auto* p = reinterpret_cast<const unsigned char*>(delta.data());
  const unsigned char* const end = p + delta.size();
  std::uint64_t source_size = 0, declared_target = 0;
  if (!delta_varint(p, end, source_size) || !delta_varint(p, end, declared_target)) return "delta header is cut short";
  if (source_size != base.size()) return "delta expects a base of another size";
  if (declared_target != target_size) return "delta produces another size than declared";
  std::size_t written = 0;
  while (p < end) {
    const unsigned char op = *p++;
    if ((op & 0x80) != 0) {
      // Copy from the base: the low 4 bits say which offset bytes follow, the next 3 which size bytes.
      std::uint64_t offset = 0, size = 0;
      for (unsigned bit = 0; bit < 4; ++bit) {
        if ((op & (1u << bit)) == 0) continue;
        if (p == end) return "delta copy instruction is cut short";
        offset |= std::uint64_t{*p++} << (8 * bit);
      }
      for (unsigned bit = 0; bit < 3; ++bit) {
        if ((op & (0x10u << bit)) == 0) continue;
        if (p == end) return "delta copy instruction is cut short";
        size |= std::uint64_t{*p++} << (8 * bit);
      }
      if (size == 0) size = 0x10000;
      if (offset > base.size() || size > base.size() - offset) return "delta copies from outside its base";
      if (size > target_size - written) return "delta writes past its declared size";
      std::memcpy(out + written, base.data() + offset, size);
      written += size;
    } else if (op != 0) {
      // Insert the next `op` bytes of the delta.
      const std::size_t size = op;
      if (size > static_cast<std::size_t>(end - p)) return "delta insert instruction is cut short";
      if (size > target_size - written) return "delta writes past its declared size";
      std::memcpy(out + written, p, size);
      p += size;
      written += size;
    } else {
      return "delta has the reserved instruction 0";
    }
  }
  if (written != target_size) return "delta produces fewer bytes than declared";
  return nullptr;
}

// A copy instruction of 4 bytes writes at most 2^24 - 1 bytes, an insert of n + 1 bytes n: more
// than 2^22 bytes per byte of delta cannot be true.
std::uint64_t max_delta_target(std::size_t delta_size) { return std::uint64_t{delta_size} << 22; }

bool delta_target_size(std::string_view delta, std::uint64_t& target) {
  const auto* p = reinterpret_cast<const unsigned char*>(delta.data());
  const unsigned char* const end = p + delta.size();
  std::uint64_t source = 0;
  return delta_varint(p, end, source) && delta_varint(p, end, target);
}

}  // namespace

const char* apply_delta(std::string_view base, std::string_view delta, std::string& out) {
  out.clear();
  std::uint64_t target = 0;
  if (!delta_target_size(delta, target)) return "delta header is cut short";
  if (target > max_delta_target(delta.size())) return "delta produces fewer bytes than declared";
  out.resize(static_cast<std::size_t>(target));
  const char* error = apply_delta_into(base, delta, out.data(), out.size());
  if (error != nullptr) out.clear();
  return error;
}

// ---------------------------------------------------------------------------------------------

struct PackSet::Pack {
  std::string name;  // pack-<sha>.pack
  Mapping idx, pack;
  std::uint32_t count = 0;
  const unsigned char* fanout = nullptr;
  const unsigned char* sha1s = nullptr;
  const unsigned char* offsets = nullptr;
  const unsigned char* large_offsets = nullptr;
  std::uint64_t large_count = 0;
  std::uint64_t data_end = 0;  // where the trailing checksum starts
};

PackSet::PackSet(const std::filesystem::path& objects_dir, std::string name) : name_(std::move(name)) {
  std::error_code ec;
  std::vector<std::filesystem::path> idx_files;
  for (const auto& entry : std::filesystem::directory_iterator(objects_dir / "pack", ec)) {
    if (entry.path().extension() == ".idx") idx_files.push_back(entry.path());
  }
  std::sort(idx_files.begin(), idx_files.end());
  for (const auto& idx_path : idx_files) {
    auto pack = std::make_unique<Pack>();
    const auto pack_path = std::filesystem::path(idx_path).replace_extension(".pack");
    pack->name = pack_path.filename().string();
    pack->idx.open(idx_path);
    const unsigned char* idx = pack->idx.data();
    const std::size_t idx_size = pack->idx.size();
    // Version 2: magic, version, 256 fanout counts, then sha1s, crc32s, 4-byte offsets, 8-byte
    // offsets, and the pack's and the idx's checksums. Other versions are left to libgit2.
    constexpr std::size_t kFixed = 8 + 256 * 4;
    if (idx_size < kFixed + 2 * kSha1 || std::memcmp(idx, "\377tOc", 4) != 0 || be32(idx + 4) != 2) continue;
    pack->fanout = idx + 8;
    pack->count = be32(pack->fanout + 255 * 4);
    bool sorted = true;
    for (std::size_t b = 1; b < 256; ++b) sorted = sorted && be32(pack->fanout + (b - 1) * 4) <= be32(pack->fanout + b * 4);
    const std::uint64_t tables = kFixed + std::uint64_t{pack->count} * (kSha1 + 4 + 4);
    if (!sorted || idx_size < tables + 2 * kSha1) {
      throw Error(name_ + ": " + idx_path.filename().string() + " is corrupt (its tables do not fit the file)");
    }
    pack->sha1s = idx + kFixed;
    pack->offsets = pack->sha1s + std::size_t{pack->count} * (kSha1 + 4);
    pack->large_offsets = pack->offsets + std::size_t{pack->count} * 4;
    pack->large_count = (idx_size - tables - 2 * kSha1) / 8;
    pack->pack.open(pack_path);
    if (pack->pack.data() == nullptr) continue;  // an idx whose pack is being removed: libgit2 decides
    const unsigned char* data = pack->pack.data();
    const std::size_t size = pack->pack.size();
    // The pack must end with the checksum its idx names: a truncated or replaced pack is refused
    // here rather than read up to its cut.
    if (size < kPackHeader + kSha1 || std::memcmp(data, "PACK", 4) != 0 ||
        std::memcmp(data + size - kSha1, idx + idx_size - 2 * kSha1, kSha1) != 0 || be32(data + 8) != pack->count) {
      throw Error(name_ + ": " + pack->name + " does not match " + idx_path.filename().string() +
                  " (truncated or replaced; run `git fsck` there)");
    }
    pack->data_end = size - kSha1;
    packs_.push_back(std::move(pack));
  }
  // Lookups try the packs in order: the largest first (a clone's first pack holds most objects,
  // each later fetch adds a small one), so most lookups end in the first binary search.
  std::stable_sort(packs_.begin(), packs_.end(), [](const auto& a, const auto& b) { return a->count > b->count; });
}

PackSet::~PackSet() = default;

std::optional<PackSet::Location> PackSet::find(const unsigned char* sha1) const {
  for (std::uint32_t p = 0; p < packs_.size(); ++p) {
    const Pack& pack = *packs_[p];
    std::uint32_t lo = sha1[0] == 0 ? 0 : be32(pack.fanout + (sha1[0] - 1) * 4);
    std::uint32_t hi = be32(pack.fanout + sha1[0] * 4);
    while (lo < hi) {
      const std::uint32_t mid = lo + (hi - lo) / 2;
      // The first 8 bytes decide almost every step of the search; memcmp only on a tie.
      const unsigned char* const at = pack.sha1s + std::size_t{mid} * kSha1;
      const std::uint64_t head = be64(at), wanted = be64(sha1);
      const int order = head != wanted ? (head < wanted ? -1 : 1) : std::memcmp(at + 8, sha1 + 8, kSha1 - 8);
      if (order == 0) {
        const std::uint32_t small = be32(pack.offsets + std::size_t{mid} * 4);
        std::uint64_t offset = small;
        if ((small & 0x80000000u) != 0) {
          const std::uint32_t slot = small & 0x7FFFFFFFu;
          if (slot >= pack.large_count) {
            throw Error(name_ + ": " + pack.name + ": its .idx points past its table of large offsets");
          }
          offset = be64(pack.large_offsets + std::size_t{slot} * 8);
        }
        if (offset < kPackHeader || offset >= pack.data_end) {
          throw Error(name_ + ": " + pack.name + ": its .idx points at offset " + std::to_string(offset) +
                      ", past the end of the pack");
        }
        return Location{p, offset};
      }
      if (order < 0) lo = mid + 1;
      else hi = mid;
    }
  }
  return std::nullopt;
}

// ---------------------------------------------------------------------------------------------

struct PackReader::Bytes {
  std::unique_ptr<char[]> data;
  std::size_t size = 0, capacity = 0;
  unsigned type = 0;
  std::string_view view() const { return {data.get(), size}; }
};

// One pack entry's header: its type, the size it inflates to, where its zlib data starts, and
// for deltas where its base is.
struct PackReader::Entry {
  std::uint32_t pack;
  std::uint64_t offset;
  unsigned type;
  std::uint64_t size;
  std::uint64_t data;
  std::optional<std::pair<std::uint32_t, std::uint64_t>> base;  // deltas; unset: REF_DELTA base not here
};

PackReader::PackReader(const PackSet& packs, std::size_t cache_bytes)
    : packs_(packs), decompressor_(libdeflate_alloc_decompressor()), cache_limit_(cache_bytes) {
  if (decompressor_ == nullptr) throw Error("libdeflate: out of memory");
}

PackReader::~PackReader() { libdeflate_free_decompressor(decompressor_); }

void PackReader::fail(std::uint32_t pack, std::uint64_t offset, const std::string& what) const {
  throw Error(packs_.name_ + ": " + packs_.packs_[pack]->name + " at offset " + std::to_string(offset) + ": " + what +
              " (corrupt pack; run `git fsck` there)");
}

PackReader::Entry PackReader::parse_entry(std::uint32_t pack_index, std::uint64_t offset) const {
  const auto& pack = *packs_.packs_[pack_index];
  if (offset < kPackHeader || offset >= pack.data_end) fail(pack_index, offset, "entry outside the pack");
  const unsigned char* const begin = pack.pack.data();
  const unsigned char* p = begin + offset;
  const unsigned char* const end = begin + pack.data_end;
  Entry entry{pack_index, offset, 0, 0, 0, std::nullopt};
  unsigned char c = *p++;
  entry.type = (c >> 4) & 7u;
  entry.size = c & 15u;
  for (unsigned shift = 4; (c & 0x80) != 0; shift += 7) {
    if (p == end || shift > 57) fail(pack_index, offset, "entry header is cut short or too long");
    c = *p++;
    entry.size |= std::uint64_t{c & 0x7Fu} << shift;
  }
  if (entry.type == GIT_OBJECT_OFS_DELTA) {
    // The base's distance back: big-endian 7 bits a byte, each continuation adding one.
    if (p == end) fail(pack_index, offset, "delta base offset is cut short");
    c = *p++;
    std::uint64_t back = c & 0x7Fu;
    while ((c & 0x80) != 0) {
      if (p == end || back > (std::uint64_t{1} << 56)) fail(pack_index, offset, "delta base offset is cut short or too large");
      c = *p++;
      back = ((back + 1) << 7) | (c & 0x7Fu);
    }
    if (back == 0 || back > offset - kPackHeader) fail(pack_index, offset, "delta base offset points outside the pack");
    entry.base = std::make_pair(pack_index, offset - back);
  } else if (entry.type == GIT_OBJECT_REF_DELTA) {
    if (static_cast<std::size_t>(end - p) < kSha1) fail(pack_index, offset, "delta base id is cut short");
    if (const auto found = packs_.find(p)) entry.base = std::make_pair(found->pack, found->offset);
    p += kSha1;
  } else if (entry.type < GIT_OBJECT_COMMIT || entry.type > GIT_OBJECT_TAG) {
    fail(pack_index, offset, "unknown entry type " + std::to_string(entry.type));
  }
  if (p == end) fail(pack_index, offset, "entry has no data");
  entry.data = static_cast<std::uint64_t>(p - begin);
  return entry;
}

void PackReader::inflate(const Entry& entry, Bytes& out) {
  const auto& pack = *packs_.packs_[entry.pack];
  std::size_t produced = 0;
  const auto result = libdeflate_zlib_decompress_ex(decompressor_, pack.pack.data() + entry.data, pack.data_end - entry.data,
                                                    out.data.get(), out.size, nullptr, &produced);
  if (result == LIBDEFLATE_INSUFFICIENT_SPACE || (result == LIBDEFLATE_SUCCESS && produced != out.size)) {
    fail(entry.pack, entry.offset, "data does not inflate to the " + std::to_string(out.size) + " bytes its header says");
  }
  if (result != LIBDEFLATE_SUCCESS) fail(entry.pack, entry.offset, "data does not inflate (bad zlib stream)");
}

PackReader::BytesPtr PackReader::fresh_buffer(BytesPtr& slot, std::size_t size) {
  if (!slot || slot.use_count() > 1) slot = std::make_shared<Bytes>();
  if (slot->capacity < size || !slot->data) {
    // At least one byte: an empty object's view still points somewhere (memchr and friends
    // must not see a null pointer, even with length 0).
    slot->capacity = std::max<std::size_t>(size, 1);
    slot->data = std::make_unique_for_overwrite<char[]>(slot->capacity);
  }
  slot->size = size;
  return slot;
}

PackReader::BytesPtr PackReader::new_bytes(std::size_t size) {
  auto bytes = std::make_shared<Bytes>();
  bytes->capacity = std::max<std::size_t>(size, 1);
  bytes->data = std::make_unique_for_overwrite<char[]>(bytes->capacity);
  bytes->size = size;
  return bytes;
}

std::size_t PackReader::checked_size(const Entry& entry) const {
  // zlib's best ratio is about 1032:1: a header that claims more than that of its data lies, and
  // is refused before it is allocated.
  const auto& pack = *packs_.packs_[entry.pack];
  if (entry.size / 1032 > pack.data_end - entry.data) {
    fail(entry.pack, entry.offset, "header claims " + std::to_string(entry.size) + " bytes, more than its data can hold");
  }
  return static_cast<std::size_t>(entry.size);
}

PackReader::BytesPtr PackReader::cached(std::uint32_t pack, std::uint64_t offset) {
  const auto it = index_.find({pack, offset});
  if (it == index_.end()) return nullptr;
  lru_.splice(lru_.end(), lru_, it->second);  // now the most recently used
  return it->second->second;
}

void PackReader::remember(std::uint32_t pack, std::uint64_t offset, const BytesPtr& bytes) {
  // Objects above an eighth of the bound would evict most of the cache for one entry.
  if (bytes->capacity > cache_limit_ / 8 || index_.contains({pack, offset})) return;
  lru_.emplace_back(std::make_pair(pack, offset), bytes);
  index_.emplace(std::make_pair(pack, offset), std::prev(lru_.end()));
  cache_bytes_ += bytes->capacity;
  while (cache_bytes_ > cache_limit_ && !lru_.empty()) {
    cache_bytes_ -= lru_.front().second->capacity;
    index_.erase(lru_.front().first);
    lru_.pop_front();
  }
}

std::optional<std::string_view> PackReader::read(const git_oid& oid, git_object_t* type) {
  const auto found = packs_.find(oid.id);
  if (!found) return std::nullopt;
  // Walk down to a whole object (or one in the cache), then apply the deltas back up.
  std::vector<Entry> chain;
  BytesPtr base;
  std::uint32_t pack = found->pack;
  std::uint64_t offset = found->offset;
  for (;;) {
    if (!index_.empty() && (base = cached(pack, offset))) break;
    const Entry entry = parse_entry(pack, offset);
    if (entry.type != GIT_OBJECT_OFS_DELTA && entry.type != GIT_OBJECT_REF_DELTA) {
      const std::size_t size = checked_size(entry);
      // An object read for itself goes to the reused result buffer; a base gets its own, cached.
      base = chain.empty() ? fresh_buffer(result_, size) : new_bytes(size);
      base->type = entry.type;
      inflate(entry, *base);
      if (!chain.empty()) remember(entry.pack, entry.offset, base);
      break;
    }
    if (!entry.base) return std::nullopt;  // a REF_DELTA whose base is not in these packs: libgit2's job
    if (chain.size() >= kMaxChain) fail(pack, offset, "delta chain longer than " + std::to_string(kMaxChain) + " (a loop?)");
    chain.push_back(entry);
    pack = entry.base->first;
    offset = entry.base->second;
  }
  for (std::size_t i = chain.size(); i-- > 0;) {
    const Entry& entry = chain[i];
    const BytesPtr delta = fresh_buffer(delta_, checked_size(entry));
    inflate(entry, *delta);
    std::uint64_t target = 0;
    if (!delta_target_size(delta->view(), target) || target > max_delta_target(delta->size)) {
      fail(entry.pack, entry.offset, "delta header is cut short or declares an impossible size");
    }
    BytesPtr out = i == 0 ? fresh_buffer(result_, static_cast<std::size_t>(target)) : new_bytes(static_cast<std::size_t>(target));
    out->type = base->type;
    if (const char* error = apply_delta_into(base->view(), delta->view(), out->data.get(), out->size)) {
      fail(entry.pack, entry.offset, error);
    }
    // Versions of one file share chains: the result is the next object's base more often than not.
    remember(entry.pack, entry.offset, out);
    base = std::move(out);
  }
  result_ = base;
  if (type != nullptr) *type = static_cast<git_object_t>(base->type);
  return base->view();
}

bool PackReader::read_header(const git_oid& oid, std::size_t& size, git_object_t& type) {
  const auto found = packs_.find(oid.id);
  if (!found) return false;
  Entry entry = parse_entry(found->pack, found->offset);
  if (entry.type == GIT_OBJECT_OFS_DELTA || entry.type == GIT_OBJECT_REF_DELTA) {
    // The target size opens the delta; libdeflate inflates whole buffers only, and deltas are
    // small (their size is in the entry header), so the delta is inflated whole.
    const BytesPtr delta = fresh_buffer(delta_, checked_size(entry));
    inflate(entry, *delta);
    std::uint64_t target = 0;
    if (!delta_target_size(delta->view(), target)) fail(entry.pack, entry.offset, "delta header is cut short");
    size = static_cast<std::size_t>(target);
    // The type is the base's: walk the chain's entry headers down to a whole object.
    for (std::size_t depth = 0; entry.type == GIT_OBJECT_OFS_DELTA || entry.type == GIT_OBJECT_REF_DELTA; ++depth) {
      if (!entry.base) return false;  // a REF_DELTA base outside these packs
      if (depth >= kMaxChain) fail(entry.pack, entry.offset, "delta chain longer than " + std::to_string(kMaxChain) + " (a loop?)");
      entry = parse_entry(entry.base->first, entry.base->second);
    }
  } else {
    size = static_cast<std::size_t>(entry.size);
  }
  type = static_cast<git_object_t>(entry.type);
  return true;
}

}  // namespace sluice::ingest
