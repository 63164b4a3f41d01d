#pragma once
// Objects straight from a repository's pack files, inflated with libdeflate: inflating is the
// largest single cost of reading a tree, and libdeflate inflates whole buffers about twice as
// fast as zlib's streaming inflate (what libgit2 uses).
//
// The reader serves what it understands - packs with a version 2 .idx, whole objects and
// OFS_DELTA / REF_DELTA chains within those packs - and answers "not here" for everything else
// (loose objects, objects of alternates, packs with no .idx or an idx version it does not know),
// so that the caller asks libgit2 and the result is always complete. Corrupt data (a truncated
// pack, a delta that copies out of bounds, an idx that points past the pack) throws sluice::Error
// naming the repository, the pack and the offset; nothing is read out of bounds.
#include <git2.h>

#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <list>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

struct libdeflate_decompressor;

namespace sluice::ingest {

// The packs of one repository, mapped read-only. Immutable once opened: one instance is shared
// by every thread that reads the repository.
class PackSet {
 public:
  // `objects_dir`: the repository's objects/ directory (packs are under its pack/); `name`: how
  // errors name the repository. A directory with no packs gives an empty set (everything falls
  // back). Throws Error when a pack does not match its .idx (truncated or replaced).
  PackSet(const std::filesystem::path& objects_dir, std::string name);
  ~PackSet();
  PackSet(const PackSet&) = delete;
  PackSet& operator=(const PackSet&) = delete;

  std::size_t pack_count() const { return packs_.size(); }

 private:
  friend class PackReader;
  struct Pack;
  struct Location {
    std::uint32_t pack;
    std::uint64_t offset;
  };
  std::optional<Location> find(const unsigned char* sha1) const;

  std::string name_;
  std::vector<std::unique_ptr<Pack>> packs_;
};

// One thread's reader over a PackSet: its own decompressor, scratch buffers and a bounded cache
// of delta bases (so peak memory is threads x bound, whatever the number of repositories).
class PackReader {
 public:
  // git's own delta base cache is 96 MB per process; two threads of 32 MB each hit as often on
  // chains of the default depth (50) read in path order.
  static constexpr std::size_t kDefaultCacheBytes = std::size_t{32} << 20;

  explicit PackReader(const PackSet& packs, std::size_t cache_bytes = kDefaultCacheBytes);
  ~PackReader();
  PackReader(const PackReader&) = delete;
  PackReader& operator=(const PackReader&) = delete;

  // The object's bytes (valid until the next call on this reader) and type, or nullopt when the
  // object is not in these packs or its delta base is not (ask libgit2). Throws Error on corrupt data.
  std::optional<std::string_view> read(const git_oid& oid, git_object_t* type = nullptr);

  // Size and type without building the object: from the entry header for whole objects, from
  // the delta's own header (and the chain's entry headers for the type) for deltas. False for
  // objects not in these packs (ask libgit2). Throws Error on corrupt data.
  bool read_header(const git_oid& oid, std::size_t& size, git_object_t& type);

 private:
  struct Bytes;
  using BytesPtr = std::shared_ptr<Bytes>;
  struct Entry;
  Entry parse_entry(std::uint32_t pack, std::uint64_t offset) const;
  void inflate(const Entry& entry, Bytes& out);
  std::size_t checked_size(const Entry& entry) const;
  static BytesPtr new_bytes(std::size_t size);
  static BytesPtr fresh_buffer(BytesPtr& slot, std::size_t size);
  BytesPtr cached(std::uint32_t pack, std::uint64_t offset);
  void remember(std::uint32_t pack, std::uint64_t offset, const BytesPtr& bytes);
  [[noreturn]] void fail(std::uint32_t pack, std::uint64_t offset, const std::string& what) const;

  const PackSet& packs_;
  libdeflate_decompressor* decompressor_;
  std::size_t cache_limit_;
  std::size_t cache_bytes_ = 0;
  // Least recently used first.
  std::list<std::pair<std::pair<std::uint32_t, std::uint64_t>, BytesPtr>> lru_;
  struct KeyHash {
    std::size_t operator()(const std::pair<std::uint32_t, std::uint64_t>& key) const {
      return std::hash<std::uint64_t>()(key.second * 31 + key.first);
    }
  };
  std::unordered_map<std::pair<std::uint32_t, std::uint64_t>, decltype(lru_)::iterator, KeyHash> index_;
  BytesPtr result_;  // what read() returned last (reused when nobody else holds it)
  BytesPtr delta_;   // the inflated delta being applied
};

// Applies a git delta (base size, target size, then copy / insert instructions) to `base` into
// `out`. Returns nullptr, or what is wrong with the delta: every instruction is checked against
// the base and the declared sizes first. Exposed for the hostile-delta tests.
const char* apply_delta(std::string_view base, std::string_view delta, std::string& out);

}  // namespace sluice::ingest
