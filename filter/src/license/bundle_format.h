#pragma once
// The SPDX template bundle: made at build time by tools/spdx_bundle.cpp from the SPDX list,
// linked into the library as read-only bytes, and read in place (no parsing at run time).
// Layout (little-endian, every section 8-byte aligned), documented in docs/license-bundle.md:
//   BundleHeader
//   TemplateRecord[template_count]
//   uint32 bigram_keys[bigram_count]          sorted, unique over all templates
//   uint32 posting_offsets[bigram_count + 1]  bigram i occurs in postings[offsets[i], offsets[i+1])
//   uint16 postings[posting_count]            template indexes, ascending
//   uint32 buckets[2^bucket_bits + 1]         keys with top bits b are keys[buckets[b], buckets[b+1])
//   char strings[string_bytes]                NUL-terminated ids and names
#include <cstdint>

namespace sluice::filter::license {

inline constexpr char kBundleMagic[8] = {'S', 'L', 'S', 'P', 'D', 'X', '0', '2'};
inline constexpr std::uint32_t kBucketBits = 14;  // 16384 buckets of about 4 keys (67k keys)

struct BundleHeader {
  char magic[8];
  std::uint32_t template_count;
  std::uint32_t bigram_count;
  std::uint32_t posting_count;
  std::uint32_t string_bytes;
  std::uint32_t source_licenses;  // licenses in the SPDX list before merging identical texts
  std::uint32_t bucket_bits;     // the key index: top bits of a key -> its range of keys
};

struct TemplateRecord {
  std::uint64_t exact_hash;    // normalize_license_text(text).exact_hash
  std::uint32_t bigrams;       // distinct word bigrams
  std::uint32_t words;         // normalised words
  std::uint32_t id;            // offset of the SPDX expression in strings ("GPL-2.0-only WITH ...")
  std::uint32_t name;          // offset of the full name
  std::uint32_t aliases;       // offset of other SPDX ids with the same normalised text, space-separated
  std::uint32_t flags;         // kOsiApproved, kException
};

inline constexpr std::uint32_t kOsiApproved = 1;
// The text of an exception ("GPL-2.0-only WITH GCC-exception-2.0"): found beside its license's
// text it becomes "LICENSE WITH EXCEPTION"; alone it stands for the pair, as the SPDX list's
// deprecated ids did.
inline constexpr std::uint32_t kException = 2;

static_assert(sizeof(BundleHeader) == 32);
static_assert(sizeof(TemplateRecord) == 32);

inline constexpr std::uint64_t align8(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

}  // namespace sluice::filter::license
