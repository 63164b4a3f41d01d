#include "document_filter.h"

#include "sluice/core/error.h"

namespace sluice::cli {

DocumentFilter::DocumentFilter(const std::vector<std::string>& expressions) {
  for (const auto& expression : expressions) {
    const auto equals = expression.find('=');
    if (equals == std::string::npos || equals == 0) {
      throw Error("--filter '" + expression + "': expected KEY=VALUE, e.g. lang=Python");
    }
    terms_.emplace_back(expression.substr(0, equals), expression.substr(equals + 1));
  }
}

bool DocumentFilter::matches(const Document& doc) const {
  for (const auto& [key, value] : terms_) {
    if (key == "id") {
      if (doc.id != value) return false;
    } else if (key == "source") {
      if (doc.source != value) return false;
    } else {
      const auto actual = doc.metadata.get_text(key);
      if (!actual || *actual != value) return false;
    }
  }
  return true;
}

}  // namespace sluice::cli
