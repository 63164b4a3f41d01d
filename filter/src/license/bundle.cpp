#include "license/bundle.h"

#include <algorithm>
#include <cstring>
#include <stdexcept>

// The bundle file made by tools/spdx_bundle at build time, linked in as read-only data.
#ifndef SLUICE_SPDX_BUNDLE
#error "SLUICE_SPDX_BUNDLE must name the generated bundle file"
#endif
#define SLUICE_STRINGIFY2(x) #x
#define SLUICE_STRINGIFY(x) SLUICE_STRINGIFY2(x)
asm(".section .rodata\n"
    ".balign 16\n"
    ".global sluice_spdx_bundle_begin\n"
    "sluice_spdx_bundle_begin:\n"
    ".incbin \"" SLUICE_STRINGIFY(SLUICE_SPDX_BUNDLE) "\"\n"
    ".global sluice_spdx_bundle_end\n"
    "sluice_spdx_bundle_end:\n"
    ".byte 0\n"
    ".previous\n");
extern "C" const char sluice_spdx_bundle_begin[];
extern "C" const char sluice_spdx_bundle_end[];

namespace sluice::filter::license {

Bundle::Bundle() {
  const char* base = sluice_spdx_bundle_begin;
  const auto size = static_cast<std::size_t>(sluice_spdx_bundle_end - sluice_spdx_bundle_begin);
  header_ = reinterpret_cast<const BundleHeader*>(base);
  if (size < sizeof(BundleHeader) || std::memcmp(header_->magic, kBundleMagic, sizeof kBundleMagic) != 0) {
    throw std::logic_error("the compiled-in SPDX bundle is corrupt (rebuild sluice)");
  }
  std::size_t offset = sizeof(BundleHeader);
  templates_ = {reinterpret_cast<const TemplateRecord*>(base + offset), header_->template_count};
  offset += header_->template_count * sizeof(TemplateRecord);
  keys_ = {reinterpret_cast<const std::uint32_t*>(base + offset), header_->bigram_count};
  offset = align8(offset + header_->bigram_count * 4u);
  offsets_ = {reinterpret_cast<const std::uint32_t*>(base + offset), header_->bigram_count + 1u};
  offset = align8(offset + (header_->bigram_count + 1u) * 4u);
  postings_ = {reinterpret_cast<const std::uint16_t*>(base + offset), header_->posting_count};
  offset = align8(offset + header_->posting_count * 2u);
  const std::size_t bucket_count = (std::size_t{1} << kBucketBits) + 1;
  if (header_->bucket_bits != kBucketBits || offset + bucket_count * 4u > size) {
    throw std::logic_error("the compiled-in SPDX bundle has no key index (rebuild sluice)");
  }
  buckets_ = {reinterpret_cast<const std::uint32_t*>(base + offset), bucket_count};
  offset = align8(offset + bucket_count * 4u);
  set_words_ = dense_set_words(header_->template_count);
  const std::size_t dense_words = header_->dense_count * set_words_;
  if (offset + dense_words * 8u > size) throw std::logic_error("the compiled-in SPDX bundle is truncated (rebuild sluice)");
  dense_ = {reinterpret_cast<const std::uint64_t*>(base + offset), dense_words};
  offset += dense_words * 8u;
  strings_ = base + offset;
  if (offset + header_->string_bytes > size) {
    throw std::logic_error("the compiled-in SPDX bundle is truncated (rebuild sluice)");
  }
}

const Bundle& Bundle::get() {
  static const Bundle bundle;
  return bundle;
}

std::uint32_t Bundle::find(std::uint32_t key) const {
  // The key's top bits pick its bucket, a few keys long (hashes spread evenly); binary search
  // over all keys needed 17 probes, most of them cache misses.
  const std::uint32_t bucket = key >> (32 - kBucketBits);
  const auto begin = keys_.begin() + buckets_[bucket], end = keys_.begin() + buckets_[bucket + 1];
  const auto it = std::lower_bound(begin, end, key);
  if (it == end || *it != key) return kAbsent;
  return static_cast<std::uint32_t>(it - keys_.begin());
}

void Bundle::find_all(std::span<const std::uint32_t> keys, std::span<std::uint32_t> out) const {
  const auto bucket = [](std::uint32_t key) { return key >> (32 - kBucketBits); };
  for (const auto key : keys) __builtin_prefetch(buckets_.data() + bucket(key));
  for (const auto key : keys) __builtin_prefetch(keys_.data() + buckets_[bucket(key)]);
  for (std::size_t i = 0; i < keys.size(); ++i) out[i] = find(keys[i]);
  for (const auto index : out) {
    if (index != kAbsent) __builtin_prefetch(offsets_.data() + index);
  }
  for (const auto index : out) {
    if (index != kAbsent) __builtin_prefetch(postings_.data() + offsets_[index]);
  }
}

}  // namespace sluice::filter::license
