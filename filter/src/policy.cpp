#include "sluice/filter/policy.h"

#include <algorithm>
#include <array>

#include "sluice/filter/license.h"

namespace sluice::filter {
namespace {

bool in(std::string_view id, std::initializer_list<std::string_view> list) {
  return std::find(list.begin(), list.end(), id) != list.end();
}

bool starts(std::string_view id, std::initializer_list<std::string_view> prefixes) {
  return std::any_of(prefixes.begin(), prefixes.end(), [&](std::string_view p) { return id.starts_with(p); });
}

// Recursive descent over an SPDX expression; precedence WITH > AND > OR.
class Evaluator {
 public:
  Evaluator(const LicensePolicy& policy, std::string_view text) : policy_(policy) {
    std::string current;
    for (char c : text) {
      if (c == '(' || c == ')' || c == ' ' || c == '\t') {
        if (!current.empty()) tokens_.push_back(std::move(current));
        current.clear();
        if (c == '(' || c == ')') tokens_.emplace_back(1, c);
      } else {
        current += c;
      }
    }
    if (!current.empty()) tokens_.push_back(std::move(current));
  }

  // 1 allowed, 0 not, -1 malformed; `reason` set on the first failing term.
  int run(std::string& reason) {
    reason_ = &reason;
    const int result = or_expr();
    if (pos_ != tokens_.size()) return -1;
    return result;
  }

 private:
  int or_expr() {
    int result = and_expr();
    while (result >= 0 && peek("OR")) {
      ++pos_;
      const int rhs = and_expr();
      if (rhs < 0) return -1;
      result = result || rhs;
    }
    return result;
  }
  int and_expr() {
    int result = with_expr();
    while (result >= 0 && peek("AND")) {
      ++pos_;
      const int rhs = with_expr();
      if (rhs < 0) return -1;
      result = result && rhs;
    }
    return result;
  }
  int with_expr() {
    const int result = primary();
    if (result >= 0 && peek("WITH")) {
      pos_ += 2;  // an exception only adds permissions
      if (pos_ > tokens_.size()) return -1;
    }
    return result;
  }
  int primary() {
    if (pos_ >= tokens_.size()) return -1;
    if (tokens_[pos_] == "(") {
      ++pos_;
      const int result = or_expr();
      if (pos_ >= tokens_.size() || tokens_[pos_] != ")") return -1;
      ++pos_;
      return result;
    }
    const std::string& id = tokens_[pos_++];
    if (id == ")" || id == "AND" || id == "OR" || id == "WITH") return -1;
    return allowed(canonical_spdx_id(id)) ? 1 : 0;
  }
  bool allowed(const std::string& id) {
    const std::string cls = license_class_name(classify_license(id));
    auto listed = [&](const std::vector<std::string>& list) {
      return std::any_of(list.begin(), list.end(), [&](const std::string& entry) {
        return entry == id || entry == cls || canonical_spdx_id(entry) == id;
      });
    };
    if (id == kNoAssertion) {
      if (reason_->empty()) *reason_ = "noassertion";
      return false;
    }
    if (listed(policy_.deny)) {
      if (reason_->empty()) *reason_ = "denied";
      return false;
    }
    if (listed(policy_.allow)) return true;
    if (reason_->empty()) *reason_ = "not_allowed";
    return false;
  }
  bool peek(std::string_view word) const { return pos_ < tokens_.size() && tokens_[pos_] == word; }

  const LicensePolicy& policy_;
  std::vector<std::string> tokens_;
  std::size_t pos_ = 0;
  std::string* reason_ = nullptr;
};

}  // namespace

LicenseClass classify_license(std::string_view id) {
  // Blue Oak Council's permissive list and ScanCode's permissive category, for ids in the SPDX list.
  if (in(id, {"MIT", "MIT-0", "Apache-2.0", "Apache-1.1", "BSD-1-Clause", "BSD-2-Clause", "BSD-2-Clause-Patent",
              "BSD-3-Clause", "BSD-3-Clause-Clear", "BSD-Source-Code", "ISC", "0BSD", "Zlib", "zlib-acknowledgement",
              "BSL-1.0", "Python-2.0", "PSF-2.0", "X11", "NCSA", "PostgreSQL", "UPL-1.0", "AFL-1.1", "AFL-1.2",
              "AFL-2.0", "AFL-2.1", "AFL-3.0", "Artistic-2.0", "MS-PL", "curl", "Libpng", "libpng-2.0",
              "bzip2-1.0.6", "BlueOak-1.0.0", "Unicode-DFS-2016", "Unicode-3.0", "ICU", "FTL", "PHP-3.0",
              "PHP-3.01", "MIT-CMU", "HPND", "W3C", "W3C-20150513", "Xnet", "EFL-2.0", "Fair", "NTP", "Zend-2.0",
              "ECL-2.0", "Intel", "MulanPSL-2.0", "MIT-Modern-Variant", "MIT-advertising", "MIT-enna", "MIT-feh",
              "X11-distribute-modifications-variant", "Naumen", "Apache-1.0", "BSD-4-Clause", "OpenSSL",
              "SSLeay-standalone", "TCL", "Vim", "ZPL-2.0", "ZPL-2.1", "Ruby", "OLDAP-2.8", "Beerware", "JasPer-2.0",
              "IJG", "Info-ZIP", "Spencer-94", "Spencer-99", "blessing"})) {
    return LicenseClass::kPermissive;
  }
  if (in(id, {"CC0-1.0", "Unlicense", "WTFPL", "PDDL-1.0", "CC-PDDC", "SAX-PD", "CC-PDM-1.0"})) {
    return LicenseClass::kPublicDomain;
  }
  if (starts(id, {"LGPL-", "MPL-", "EPL-", "CDDL-", "CPL-", "MS-RL", "APSL-", "CECILL-C", "CECILL-B", "Artistic-1.0",
                  "IPL-", "SPL-", "ErlPL-", "OFL-"})) {
    return LicenseClass::kWeakCopyleft;
  }
  if (starts(id, {"GPL-", "AGPL-", "EUPL-", "OSL-", "CC-BY-SA-", "GFDL-", "CECILL-", "copyleft-next", "RPL-", "Sleepycat",
                  "QPL-", "RPSL-"})) {
    return LicenseClass::kCopyleft;
  }
  return LicenseClass::kOther;
}

const char* license_class_name(LicenseClass license_class) {
  switch (license_class) {
    case LicenseClass::kPermissive: return "permissive";
    case LicenseClass::kPublicDomain: return "public-domain";
    case LicenseClass::kWeakCopyleft: return "weak-copyleft";
    case LicenseClass::kCopyleft: return "copyleft";
    case LicenseClass::kOther: return "other";
  }
  return "other";
}

PolicyVerdict evaluate_license(const LicensePolicy& policy, std::string_view expression) {
  if (expression.empty() || expression == kNoLicense) {
    return {policy.keep_unlicensed, policy.keep_unlicensed ? "" : "unlicensed"};
  }
  std::string reason;
  const int result = Evaluator(policy, expression).run(reason);
  if (result < 0) return {false, "malformed"};
  if (result) return {true, ""};
  return {false, reason.empty() ? "not_allowed" : reason};
}

}  // namespace sluice::filter
