#pragma once
// License policy: which SPDX expressions may enter a corpus. The default allowlist is the
// permissive and public-domain classes (The Stack's choice, after the Blue Oak Council list);
// a file with no license at all is kept only when the run says so (--keep-unlicensed).
#include <string>
#include <string_view>
#include <vector>

namespace sluice::filter {

enum class LicenseClass { kPermissive, kPublicDomain, kWeakCopyleft, kCopyleft, kOther };

LicenseClass classify_license(std::string_view spdx_id);
const char* license_class_name(LicenseClass license_class);  // "permissive", "weak-copyleft"...

struct LicensePolicy {
  // SPDX ids or class names ("permissive", "public-domain", "weak-copyleft", "copyleft", "other").
  std::vector<std::string> allow = {"permissive", "public-domain"};
  std::vector<std::string> deny;  // wins over allow
  bool keep_unlicensed = false;
};

struct PolicyVerdict {
  bool keep = false;
  std::string reason;  // why not: "unlicensed", "noassertion", "denied", "not_allowed", "malformed"
};

// An expression is allowed when an OR has an allowed branch and every AND term is allowed;
// "X WITH exception" is judged as X. NONE is unlicensed; NOASSERTION is never allowed.
PolicyVerdict evaluate_license(const LicensePolicy& policy, std::string_view expression);

}  // namespace sluice::filter
