#pragma once
// Read-only view of the compiled-in SPDX template bundle (see bundle_format.h).
#include <cstdint>
#include <span>
#include <string_view>

#include "license/bundle_format.h"

namespace sluice::filter::license {

class Bundle {
 public:
  static const Bundle& get();  // validates the embedded bytes once

  std::span<const TemplateRecord> templates() const { return templates_; }
  std::string_view string_at(std::uint32_t offset) const { return std::string_view(strings_ + offset); }
  std::string_view id(std::size_t t) const { return string_at(templates_[t].id); }
  std::uint32_t source_licenses() const { return header_->source_licenses; }

  // Index of `key` in the sorted bigram keys, or kAbsent.
  static constexpr std::uint32_t kAbsent = 0xFFFFFFFFu;
  std::uint32_t find(std::uint32_t key) const;
  // out[i] = find(keys[i]) for every key, and the keys' postings brought towards the cache. A
  // fresh process finds each key in memory, not in the cache: every step is taken for all keys
  // before the next step needs it, so that their memory reads overlap instead of queueing.
  void find_all(std::span<const std::uint32_t> keys, std::span<std::uint32_t> out) const;
  // A sparse key's templates, ascending (empty for a dense key).
  std::span<const std::uint16_t> postings(std::uint32_t index) const {
    const auto list = postings_.subspan(offsets_[index], offsets_[index + 1] - offsets_[index]);
    return is_dense(list) ? std::span<const std::uint16_t>() : list;
  }
  // A dense key's templates as a bitset of set_words() words (bit t: template t); nullptr for a
  // sparse key.
  const std::uint64_t* dense_set(std::uint32_t index) const {
    const auto list = postings_.subspan(offsets_[index], offsets_[index + 1] - offsets_[index]);
    return is_dense(list) ? dense_.data() + (list[0] & ~kDenseTag) * set_words_ : nullptr;
  }
  std::size_t set_words() const { return set_words_; }

 private:
  Bundle();
  static bool is_dense(std::span<const std::uint16_t> list) { return list.size() == 1 && (list[0] & kDenseTag) != 0; }
  const BundleHeader* header_;
  std::span<const TemplateRecord> templates_;
  std::span<const std::uint32_t> keys_;
  std::span<const std::uint32_t> offsets_;
  std::span<const std::uint16_t> postings_;
  std::span<const std::uint32_t> buckets_;
  std::span<const std::uint64_t> dense_;
  std::size_t set_words_;
  const char* strings_;
};

}  // namespace sluice::filter::license
