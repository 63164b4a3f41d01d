// Detection is hand-written scanning for everything with a fixed shape (emails, IPv4, token
// prefixes, key blocks); PCRE2 (JIT) only for `key = "value"` assignments, where the key is a
// family of names with free spelling around it.
#include "sluice/filter/redact.h"

#define PCRE2_CODE_UNIT_WIDTH 8
#include <pcre2.h>

#include <algorithm>
#include <array>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <stdexcept>

namespace sluice::filter {
namespace {

bool is_alnum(char c) { return std::isalnum(static_cast<unsigned char>(c)) != 0; }
bool is_upper_or_digit(char c) { return (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9'); }
bool is_base64url(char c) { return is_alnum(c) || c == '-' || c == '_'; }

std::string lower(std::string_view s) {
  std::string out(s);
  for (auto& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// Calls fn(position) for every occurrence of `needle`.
template <typename Fn>
void each(std::string_view text, std::string_view needle, Fn fn) {
  for (auto at = text.find(needle); at != std::string_view::npos; at = text.find(needle, at + 1)) fn(at);
}

void find_private_keys(std::string_view t, std::vector<PiiSpan>& out) {
  each(t, "-----BEGIN ", [&](std::size_t at) {
    const auto header_end = t.find("-----", at + 11);
    if (header_end == std::string_view::npos || header_end - at > 80) return;
    if (t.substr(at, header_end - at).find("PRIVATE KEY") == std::string_view::npos) return;
    const auto end_marker = t.find("-----END ", header_end);
    if (end_marker == std::string_view::npos) return;
    const auto close = t.find("-----", end_marker + 9);
    if (close == std::string_view::npos) return;
    out.push_back({at, close + 5, PiiKind::kKey});
  });
}

void find_tokens(std::string_view t, std::vector<PiiSpan>& out) {
  auto run = [&](std::size_t from, auto pred) {
    std::size_t j = from;
    while (j < t.size() && pred(t[j])) ++j;
    return j;
  };
  auto word_start = [&](std::size_t at) { return at == 0 || !is_alnum(t[at - 1]); };
  // AWS access key ids: AKIA / ASIA + 16 upper-case letters or digits.
  for (const char* prefix : {"AKIA", "ASIA"}) {
    each(t, prefix, [&](std::size_t at) {
      const auto end = run(at + 4, is_upper_or_digit);
      if (word_start(at) && end - at == 20 && (end == t.size() || !is_alnum(t[end]))) out.push_back({at, end, PiiKind::kKey});
    });
  }
  // GitHub tokens.
  for (const char* prefix : {"ghp_", "gho_", "ghu_", "ghs_", "ghr_"}) {
    each(t, prefix, [&](std::size_t at) {
      const auto end = run(at + 4, is_alnum);
      if (word_start(at) && end - at >= 40) out.push_back({at, end, PiiKind::kKey});
    });
  }
  each(t, "github_pat_", [&](std::size_t at) {
    const auto end = run(at + 11, [](char c) { return is_alnum(c) || c == '_'; });
    if (word_start(at) && end - at >= 33) out.push_back({at, end, PiiKind::kKey});
  });
  // Slack tokens: xoxb- xoxp- xoxa- xoxr- xoxs-.
  each(t, "xox", [&](std::size_t at) {
    if (at + 5 > t.size() || std::strchr("baprs", t[at + 3]) == nullptr || t[at + 4] != '-' || !word_start(at)) return;
    const auto end = run(at + 5, [](char c) { return is_alnum(c) || c == '-'; });
    if (end - at >= 15) out.push_back({at, end, PiiKind::kKey});
  });
  // JSON Web Tokens: base64url header "eyJ...", payload, signature.
  each(t, "eyJ", [&](std::size_t at) {
    if (!word_start(at)) return;
    const auto h = run(at, is_base64url);
    if (h - at < 10 || h >= t.size() || t[h] != '.') return;
    const auto p = run(h + 1, is_base64url);
    if (p - h - 1 < 10 || p >= t.size() || t[p] != '.') return;
    const auto s = run(p + 1, is_base64url);
    if (s - p - 1 < 10) return;
    out.push_back({at, s, PiiKind::kKey});
  });
}

// Domains and file extensions that look like email domains but are not people's addresses.
bool ignored_email_domain(const std::string& domain, const std::string& tld) {
  static constexpr std::array<std::string_view, 28> kFileExtensions = {
      "png", "jpg", "jpeg", "gif", "svg", "js", "ts", "css", "py", "md", "txt", "json", "html", "htm",
      "xml", "yml", "yaml", "webp", "ico", "c", "h", "cpp", "rs", "go", "java", "rb", "sh", "lock"};
  if (std::find(kFileExtensions.begin(), kFileExtensions.end(), tld) != kFileExtensions.end()) return true;
  for (const char* d : {"example.com", "example.org", "example.net", "domain.com", "email.com", "localhost"}) {
    if (domain == d || domain.ends_with(std::string(".") + d)) return true;
  }
  return tld == "example" || tld == "test" || tld == "invalid" || tld == "local" || tld == "localhost";
}

void find_emails(std::string_view t, std::vector<PiiSpan>& out) {
  auto local_char = [](char c) { return is_alnum(c) || c == '.' || c == '_' || c == '%' || c == '+' || c == '-'; };
  auto domain_char = [](char c) { return is_alnum(c) || c == '.' || c == '-'; };
  each(t, "@", [&](std::size_t at) {
    std::size_t b = at;
    while (b > 0 && local_char(t[b - 1])) --b;
    std::size_t e = at + 1;
    while (e < t.size() && domain_char(t[e])) ++e;
    while (e > at + 1 && (t[e - 1] == '.' || t[e - 1] == '-')) --e;  // sentence end
    while (b < at && t[b] == '.') ++b;
    if (b == at || e == at + 1) return;
    if (b > 0 && (t[b - 1] == '/' || t[b - 1] == ':')) return;  // credentials in a URL: scheme://git@host
    const auto domain = lower(t.substr(at + 1, e - at - 1));
    const auto dot = domain.rfind('.');
    if (dot == std::string::npos || dot == 0) return;
    const auto tld = domain.substr(dot + 1);
    if (tld.size() < 2 || !std::all_of(tld.begin(), tld.end(), [](char c) { return std::isalpha(static_cast<unsigned char>(c)); })) return;
    if (ignored_email_domain(domain, tld)) return;
    if (lower(t.substr(b, at - b)) == "git") return;  // git@github.com:owner/repo
    out.push_back({b, e, PiiKind::kEmail});
  });
}

bool is_public_ipv4(const std::array<int, 4>& o) {
  if (o[0] == 0 || o[0] == 10 || o[0] == 127 || o[0] >= 224) return false;          // this, private, loopback, multicast
  if (o[0] == 172 && o[1] >= 16 && o[1] <= 31) return false;                         // private
  if (o[0] == 192 && o[1] == 168) return false;                                      // private
  if (o[0] == 169 && o[1] == 254) return false;                                      // link-local
  if (o[0] == 100 && o[1] >= 64 && o[1] <= 127) return false;                        // carrier NAT
  if ((o[0] == 192 && o[1] == 0 && o[2] == 2) || (o[0] == 198 && o[1] == 51 && o[2] == 100) ||
      (o[0] == 203 && o[1] == 0 && o[2] == 113)) {
    return false;  // documentation ranges (RFC 5737)
  }
  return true;
}

void find_ipv4(std::string_view t, std::vector<PiiSpan>& out) {
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!std::isdigit(static_cast<unsigned char>(t[i]))) continue;
    if (i > 0 && (is_alnum(t[i - 1]) || t[i - 1] == '.' || t[i - 1] == '_' || t[i - 1] == '-')) {
      while (i + 1 < t.size() && (is_alnum(t[i + 1]) || t[i + 1] == '.')) ++i;
      continue;
    }
    std::array<int, 4> octets{};
    std::size_t j = i;
    bool ok = true;
    for (int k = 0; k < 4 && ok; ++k) {
      const std::size_t s = j;
      int value = 0;
      while (j < t.size() && std::isdigit(static_cast<unsigned char>(t[j])) && j - s < 3) value = value * 10 + (t[j++] - '0');
      ok = j > s && value <= 255 && !(j - s > 1 && t[s] == '0');
      octets[static_cast<std::size_t>(k)] = value;
      if (ok && k < 3) {
        ok = j < t.size() && t[j] == '.';
        ++j;
      }
    }
    const bool clean_end = j >= t.size() || !(is_alnum(t[j]) || t[j] == '_' || (t[j] == '.' && j + 1 < t.size() && std::isdigit(static_cast<unsigned char>(t[j + 1]))));
    if (ok && clean_end && is_public_ipv4(octets)) {
      // A version in its context ("version 1.2.3.4", "v1.2.3.4", "Version: 2.0.1.5") is not an address.
      const std::size_t line_start = [&] {
        const auto nl = t.rfind('\n', i);
        return nl == std::string_view::npos ? 0 : nl + 1;
      }();
      const auto before = lower(t.substr(std::max(line_start, i >= 24 ? i - 24 : 0), i - std::max(line_start, i >= 24 ? i - 24 : 0)));
      const bool version = before.find("version") != std::string::npos || before.find("ver.") != std::string::npos ||
                           before.find("release") != std::string::npos || before.ends_with("v");
      if (!version) out.push_back({i, j, PiiKind::kIpAddress});
    }
    i = j;
  }
}

bool is_hex(char c) { return std::isxdigit(static_cast<unsigned char>(c)) != 0; }

// Parses `s` as an IPv6 address (RFC 4291 text forms: eight groups, one "::" for a run of zero
// groups, an IPv4 tail) into its 16 bytes. The shapes code uses for other things are refused:
// fewer than three written groups (Python's "a[1::2]", "fe80::1" is link-local anyway), no digit
// at all (C++ "fd::cb" scopes), every group two hex digits (MAC and EUI-64 "00:1a:2b:..").
bool parse_ipv6(std::string_view s, std::array<std::uint8_t, 16>& bytes) {
  std::vector<std::uint16_t> head, tail;
  bool compressed = false, any_digit = false, all_two = true;
  std::size_t i = 0, groups = 0;
  if (s.starts_with("::")) {
    compressed = true;
    i = 2;
  } else if (s.starts_with(":")) {
    return false;
  }
  while (i < s.size()) {
    std::size_t j = i;
    while (j < s.size() && is_hex(s[j]) && j - i < 5) ++j;
    if (j < s.size() && s[j] == '.') {
      // An IPv4 tail ("::ffff:192.0.2.1"): four decimal octets, two groups.
      std::array<int, 4> octets{};
      std::size_t k = i;
      for (int o = 0; o < 4; ++o) {
        const std::size_t start = k;
        int value = 0;
        while (k < s.size() && std::isdigit(static_cast<unsigned char>(s[k])) && k - start < 3) value = value * 10 + (s[k++] - '0');
        if (k == start || value > 255) return false;
        octets[static_cast<std::size_t>(o)] = value;
        if (o < 3 && (k >= s.size() || s[k++] != '.')) return false;
      }
      if (k != s.size()) return false;
      auto& part = compressed ? tail : head;
      part.push_back(static_cast<std::uint16_t>(octets[0] << 8 | octets[1]));
      part.push_back(static_cast<std::uint16_t>(octets[2] << 8 | octets[3]));
      groups += 2;
      any_digit = true;
      all_two = false;
      i = k;
      break;
    }
    if (j == i || j - i > 4) return false;
    std::uint16_t value = 0;
    for (std::size_t k = i; k < j; ++k) {
      const char c = static_cast<char>(std::tolower(static_cast<unsigned char>(s[k])));
      value = static_cast<std::uint16_t>(value * 16 + (c <= '9' ? c - '0' : c - 'a' + 10));
      any_digit = any_digit || std::isdigit(static_cast<unsigned char>(s[k]));
    }
    all_two = all_two && j - i == 2;
    (compressed ? tail : head).push_back(value);
    ++groups;
    i = j;
    if (i == s.size()) break;
    if (s[i] != ':') return false;
    if (i + 1 < s.size() && s[i + 1] == ':') {
      if (compressed) return false;  // one "::" at most
      compressed = true;
      i += 2;
    } else {
      ++i;
      if (i == s.size()) return false;  // a trailing single colon
    }
  }
  if (groups > 8 || (!compressed && groups != 8) || (compressed && groups > 7)) return false;
  if (groups < 3 || !any_digit || all_two) return false;
  std::array<std::uint16_t, 8> words{};
  for (std::size_t k = 0; k < head.size(); ++k) words[k] = head[k];
  for (std::size_t k = 0; k < tail.size(); ++k) words[8 - tail.size() + k] = tail[k];
  for (std::size_t k = 0; k < 8; ++k) {
    bytes[2 * k] = static_cast<std::uint8_t>(words[k] >> 8);
    bytes[2 * k + 1] = static_cast<std::uint8_t>(words[k] & 0xFF);
  }
  return true;
}

bool is_public_ipv6(const std::array<std::uint8_t, 16>& b) {
  if (b[0] == 0xFF) return false;                                   // multicast
  if ((b[0] & 0xFE) == 0xFC) return false;                          // unique local fc00::/7
  if (b[0] == 0xFE && (b[1] & 0xC0) == 0x80) return false;          // link-local fe80::/10
  if (b[0] == 0x20 && b[1] == 0x01 && b[2] == 0x0D && b[3] == 0xB8) return false;  // documentation 2001:db8::/32
  bool zero_prefix = true;
  for (std::size_t k = 0; k < 10; ++k) zero_prefix = zero_prefix && b[k] == 0;
  if (zero_prefix && b[10] == 0xFF && b[11] == 0xFF) {              // IPv4-mapped: judge the IPv4 address
    return is_public_ipv4({b[12], b[13], b[14], b[15]});
  }
  if (zero_prefix && b[10] == 0 && b[11] == 0) return false;        // ::, ::1 and the old IPv4-compatible form
  return true;
}

void find_ipv6(std::string_view t, std::vector<PiiSpan>& out) {
  const auto in_address = [](char c) { return is_hex(c) || c == ':' || c == '.'; };
  for (std::size_t i = 0; i < t.size(); ++i) {
    if (!in_address(t[i]) || t[i] == '.') continue;
    // Start at a word boundary: not inside an identifier, a longer hex run or "std::x::y".
    if (i > 0 && (is_alnum(t[i - 1]) || t[i - 1] == '_' || t[i - 1] == ':' || t[i - 1] == '.')) {
      while (i + 1 < t.size() && in_address(t[i + 1])) ++i;
      continue;
    }
    std::size_t j = i;
    std::size_t colons = 0;
    while (j < t.size() && in_address(t[j])) colons += t[j++] == ':';
    if (colons >= 2) {
      std::size_t end = j;
      // Sentence punctuation after an address ("... at 2001:4860::8888.") is not part of it.
      while (end > i && t[end - 1] == '.') --end;
      if (end > i + 1 && t[end - 1] == ':' && t[end - 2] != ':') --end;
      // What follows must not continue a name or a call ("a::b(", "ns::f<", "x::y_z").
      const bool clean_end = end >= t.size() || !(is_alnum(t[end]) || t[end] == '_' || t[end] == '(' || t[end] == '<');
      std::array<std::uint8_t, 16> bytes{};
      if (clean_end && parse_ipv6(t.substr(i, end - i), bytes) && is_public_ipv6(bytes)) out.push_back({i, end, PiiKind::kIpAddress});
    }
    i = j;
  }
}


double shannon_entropy(std::string_view s) {
  std::array<int, 256> counts{};
  for (char c : s) ++counts[static_cast<unsigned char>(c)];
  double h = 0;
  for (int c : counts) {
    if (c == 0) continue;
    const double p = static_cast<double>(c) / static_cast<double>(s.size());
    h -= p * std::log2(p);
  }
  return h;
}

// A value that could be a real secret: long enough, varied, and not a placeholder.
bool looks_secret(std::string_view value) {
  if (value.size() < 8) return false;
  const auto v = lower(value);
  for (const char* placeholder : {"${", "{{", "<", "%s", "%(", "xxx", "***", "...", "your", "example", "changeme",
                                  "change_me", "dummy", "placeholder", "secret", "password", "redacted", "todo",
                                  "env[", "process.env", "getenv"}) {
    if (v.find(placeholder) != std::string::npos) return false;
  }
  int classes = 0;
  classes += std::any_of(value.begin(), value.end(), [](char c) { return c >= 'a' && c <= 'z'; });
  classes += std::any_of(value.begin(), value.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
  classes += std::any_of(value.begin(), value.end(), [](char c) { return c >= '0' && c <= '9'; });
  classes += std::any_of(value.begin(), value.end(), [](char c) { return !is_alnum(c); });
  return classes >= 2 && shannon_entropy(value) >= 3.0;
}

}  // namespace

struct PiiScanner::Impl {
  pcre2_code* assignment = nullptr;
  bool jit = false;
};

PiiScanner::PiiScanner() : impl_(std::make_unique<Impl>()) {
  // key (…password…, …api_key…, …token…) then = : := => then a quoted value. The pattern starts
  // at the key word itself (no leading [a-z_]* run), so JIT scans for its first letters.
  static const char* kPattern =
      R"((?i)((?:passw(?:or)?d|passwd|pwd|secret|api[_\-]?key|access[_\-]?key|auth[_\-]?token|)"
      R"(access[_\-]?token|private[_\-]?key|client[_\-]?secret|token)[a-z0-9_]*)["'\]]{0,2}\s*(?::=|=>|=|:)\s*)"
      R"((["'])([^"'\n\\]{8,200})\2)";
  int error = 0;
  PCRE2_SIZE offset = 0;
  impl_->assignment = pcre2_compile(reinterpret_cast<PCRE2_SPTR>(kPattern), PCRE2_ZERO_TERMINATED, 0, &error, &offset, nullptr);
  if (!impl_->assignment) throw std::logic_error("secret assignment pattern does not compile");
  impl_->jit = pcre2_jit_compile(impl_->assignment, PCRE2_JIT_COMPLETE) == 0;
}

PiiScanner::~PiiScanner() { pcre2_code_free(impl_->assignment); }

std::vector<PiiSpan> PiiScanner::find(std::string_view text) const {
  std::vector<PiiSpan> spans;
  find_private_keys(text, spans);
  find_tokens(text, spans);
  // Assignments: only texts that contain one of the key words pay for the regex.
  const auto lowered = lower(text);
  if (lowered.find("pass") != std::string::npos || lowered.find("pwd") != std::string::npos ||
      lowered.find("secret") != std::string::npos || lowered.find("key") != std::string::npos ||
      lowered.find("token") != std::string::npos) {
    pcre2_match_data* match = pcre2_match_data_create_from_pattern(impl_->assignment, nullptr);
    const auto* subject = reinterpret_cast<PCRE2_SPTR>(text.data());
    PCRE2_SIZE start = 0;
    while (start < text.size()) {
      const int rc = impl_->jit ? pcre2_jit_match(impl_->assignment, subject, text.size(), start, 0, match, nullptr)
                                : pcre2_match(impl_->assignment, subject, text.size(), start, 0, match, nullptr);
      if (rc < 0) break;
      const PCRE2_SIZE* ov = pcre2_get_ovector_pointer(match);
      const std::string_view key = text.substr(ov[2], ov[3] - ov[2]);
      const std::string_view value = text.substr(ov[6], ov[7] - ov[6]);
      if (looks_secret(value)) {
        const auto k = lower(key);
        const bool password = k.find("pass") != std::string::npos || k.find("pwd") != std::string::npos;
        spans.push_back({ov[6], ov[7], password ? PiiKind::kPassword : PiiKind::kKey});
      }
      start = std::max(ov[1], ov[0] + 1);
    }
    pcre2_match_data_free(match);
  }
  find_emails(text, spans);
  find_ipv4(text, spans);
  if (text.find(':') != std::string_view::npos) find_ipv6(text, spans);
  // Keep the first and longest of overlapping spans (a key block holds many base64 lines).
  std::sort(spans.begin(), spans.end(), [](const PiiSpan& a, const PiiSpan& b) {
    return a.begin != b.begin ? a.begin < b.begin : a.end > b.end;
  });
  std::vector<PiiSpan> result;
  for (const auto& s : spans) {
    if (!result.empty() && s.begin < result.back().end) continue;
    result.push_back(s);
  }
  return result;
}

const char* pii_kind_name(PiiKind kind) {
  switch (kind) {
    case PiiKind::kEmail: return "email";
    case PiiKind::kIpAddress: return "ip_address";
    case PiiKind::kKey: return "key";
    case PiiKind::kPassword: return "password";
  }
  return "?";
}

const char* pii_placeholder(PiiKind kind) {
  switch (kind) {
    case PiiKind::kEmail: return "<EMAIL>";
    case PiiKind::kIpAddress: return "<IP_ADDRESS>";
    case PiiKind::kKey: return "<KEY>";
    case PiiKind::kPassword: return "<PASSWORD>";
  }
  return "";
}

std::string redact(std::string_view text, const std::vector<PiiSpan>& spans) {
  std::string out;
  out.reserve(text.size());
  std::size_t at = 0;
  for (const auto& s : spans) {
    out.append(text.substr(at, s.begin - at));
    out += pii_placeholder(s.kind);
    at = s.end;
  }
  out.append(text.substr(at));
  return out;
}

}  // namespace sluice::filter
