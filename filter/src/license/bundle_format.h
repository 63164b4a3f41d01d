#pragma once
// The SPDX template bundle: made at build time by tools/spdx_bundle.cpp from the SPDX list,
// linked into the library as read-only bytes, and read in place (no parsing at run time).
// Layout (little-endian, every section 8-byte aligned), documented in docs/license-bundle.md:
//   BundleHeader
//   TemplateRecord[template_count]
//   uint32 bigram_keys[bigram_count]          sorted, unique over all templates
//   uint32 posting_offsets[bigram_count + 1]  bigram i occurs in postings[offsets[i], offsets[i+1])
//   uint16 postings[posting_count]            template indexes, ascending; a dense key's one entry
//                                             is kDenseTag | its slot in the dense sets
//   uint32 buckets[2^bucket_bits + 1]         keys with top bits b are keys[buckets[b], buckets[b+1])
//   uint64 dense[dense_count][words]          a dense key's templates as a bitset (bit t: template
//                                             t), words = dense_set_words(template_count)
//   char strings[string_bytes]                NUL-terminated ids and names
#include <cstddef>
#include <cstdint>

namespace sluice::filter::license {

inline constexpr char kBundleMagic[8] = {'S', 'L', 'S', 'P', 'D', 'X', '0', '3'};
inline constexpr std::uint32_t kBucketBits = 14;  // 16384 buckets of about 4 keys (67k keys)
// A bigram in more templates than this ("of the", "the software") is dense: its templates are a
// bitset, so that counting votes and testing candidates costs a few words instead of a walk over
// hundreds of postings (2.4k of the 67k keys hold 44% of the postings).
inline constexpr std::uint32_t kDenseMinTemplates = 33;
inline constexpr std::uint16_t kDenseTag = 0x8000;
// Sets are whole 256-bit vectors, so that adding one is a few AVX2 operations.
inline constexpr std::size_t dense_set_words(std::size_t templates) { return (templates + 255) / 256 * 4; }

struct BundleHeader {
  char magic[8];
  std::uint32_t template_count;
  std::uint32_t bigram_count;
  std::uint32_t posting_count;
  std::uint32_t string_bytes;
  std::uint32_t source_licenses;  // licenses in the SPDX list before merging identical texts
  std::uint32_t bucket_bits;     // the key index: top bits of a key -> its range of keys
  std::uint32_t dense_count;     // keys in kDenseMinTemplates templates or more
  std::uint32_t reserved;
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

static_assert(sizeof(BundleHeader) == 40);
static_assert(sizeof(TemplateRecord) == 32);

inline constexpr std::uint64_t align8(std::uint64_t n) { return (n + 7) & ~std::uint64_t{7}; }

}  // namespace sluice::filter::license
