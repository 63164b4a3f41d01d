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
  std::span<const std::uint16_t> postings(std::uint32_t index) const {
    return postings_.subspan(offsets_[index], offsets_[index + 1] - offsets_[index]);
  }

 private:
  Bundle();
  const BundleHeader* header_;
  std::span<const TemplateRecord> templates_;
  std::span<const std::uint32_t> keys_;
  std::span<const std::uint32_t> offsets_;
  std::span<const std::uint16_t> postings_;
  std::span<const std::uint32_t> buckets_;
  const char* strings_;
};

}  // namespace sluice::filter::license
