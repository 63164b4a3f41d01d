#pragma once
// Secrets and personal data in code: emails, public IPv4 and IPv6 addresses, keys and tokens (AWS,
// GitHub, Slack, JWT, private key blocks) and password / api_key assignments with high-entropy
// values, replaced by StarCoder's placeholders <EMAIL> <IP_ADDRESS> <KEY> <PASSWORD>.
#include <cstddef>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

namespace sluice::filter {

enum class PiiKind { kEmail, kIpAddress, kKey, kPassword };
inline constexpr std::size_t kPiiKinds = 4;

const char* pii_kind_name(PiiKind kind);    // "email", "ip_address", "key", "password"
const char* pii_placeholder(PiiKind kind);  // "<EMAIL>", ...

struct PiiSpan {
  std::size_t begin = 0, end = 0;  // byte offsets in the original text
  PiiKind kind = PiiKind::kEmail;
};

// Thread-safe after construction (compiles its one regular expression once).
class PiiScanner {
 public:
  PiiScanner();
  ~PiiScanner();
  PiiScanner(const PiiScanner&) = delete;
  PiiScanner& operator=(const PiiScanner&) = delete;

  // Non-overlapping spans, sorted by position.
  std::vector<PiiSpan> find(std::string_view text) const;

 private:
  struct Impl;
  std::unique_ptr<Impl> impl_;
};

// `text` with every span replaced by its placeholder.
std::string redact(std::string_view text, const std::vector<PiiSpan>& spans);

}  // namespace sluice::filter
