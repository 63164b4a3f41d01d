#pragma once
// `--filter KEY=VALUE` as cat and stats understand it: KEY is id, source, or a metadata key.
#include <string>
#include <utility>
#include <vector>

#include "sluice/core/document.h"

namespace sluice::cli {

class DocumentFilter {
 public:
  explicit DocumentFilter(const std::vector<std::string>& expressions);  // throws Error on "KEY" without "="
  bool matches(const Document& doc) const;

 private:
  std::vector<std::pair<std::string, std::string>> terms_;
};

}  // namespace sluice::cli
