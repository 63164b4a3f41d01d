#pragma once
// Source files of one repository mostly share one license header (the copyright line and file
// name aside): the matcher's verdict on a header is kept by the hash of its text, which lets a
// verbatim copy skip even the normalisation, and by the hash of its normalised words, so each
// distinct header is matched once however many files carry it.
#include <cstdint>
#include <mutex>
#include <string_view>
#include <unordered_map>

#include "sluice/filter/license.h"

namespace sluice::filter::license {

class HeaderCache {
 public:
  enum class Key { kText, kWords, kLicenseFile };  // a header's text or normalised words; a license file's text
  bool find(Key kind, std::uint64_t key, TextLicense& out) const {
    std::lock_guard lock(mutex_);
    const auto& results = results_[static_cast<int>(kind)];
    const auto it = results.find(key);
    if (it == results.end()) return false;
    out = it->second;
    return true;
  }
  void put(Key kind, std::uint64_t key, const TextLicense& result) {
    std::lock_guard lock(mutex_);
    results_[static_cast<int>(kind)].emplace(key, result);
  }

 private:
  mutable std::mutex mutex_;
  std::unordered_map<std::uint64_t, TextLicense> results_[3];
};

// detect_file_header with a cache shared by the files of one tree (nullptr: no cache).
TextLicense detect_file_header_cached(std::string_view text, const LicenseOptions& options, HeaderCache* cache);

}  // namespace sluice::filter::license
