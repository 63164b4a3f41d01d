// Planted secrets and the usual false friends; precision and recall are printed.
#include <gtest/gtest.h>

#include "sluice/filter/redact.h"

using namespace sluice::filter;

namespace {

struct Planted {
  std::string text;
  std::string secret;  // the substring that must be redacted; empty for a false friend
  PiiKind kind = PiiKind::kKey;
};

std::vector<Planted> planted_set() {
  return {
      {"author = 'Jane Doe <jane.doe@gmail.com>'", "jane.doe@gmail.com", PiiKind::kEmail},
      {"# contact: ops-team+alerts@corp-mail.io for access", "ops-team+alerts@corp-mail.io", PiiKind::kEmail},
      {"server = \"52.14.201.9\"", "52.14.201.9", PiiKind::kIpAddress},
      {"ssh deploy@8.8.4.4 -p 22", "8.8.4.4", PiiKind::kIpAddress},
      {"AWS_ACCESS_KEY_ID=AKIAIOSFODNN7EXAMPLF", "AKIAIOSFODNN7EXAMPLF", PiiKind::kKey},
      {"token: ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5", "ghp_aB3dE5fG7hI9jK1lM3nO5pQ7rS9tU1vW3xY5", PiiKind::kKey},
      {"SLACK = 'xoxb-2048-40961-aBcDeFgHiJkLmNoP'", "xoxb-2048-40961-aBcDeFgHiJkLmNoP", PiiKind::kKey},
      {"auth = 'eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U'",
       "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N_XgL0n3I9PlFUP0THsR8U", PiiKind::kKey},
      {"-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nq1w2e3r4t5y6u7i8o9p0\n-----END RSA PRIVATE KEY-----",
       "-----BEGIN RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA7x\nq1w2e3r4t5y6u7i8o9p0\n-----END RSA PRIVATE KEY-----", PiiKind::kKey},
      {"db_password = \"Xk9#mQ2vL7pz\"", "Xk9#mQ2vL7pz", PiiKind::kPassword},
      {"config[:api_key] = 'f3a9Z2qL8wR5tY1u'", "f3a9Z2qL8wR5tY1u", PiiKind::kKey},
      {"\"client_secret\": \"9Hq2-Lx7Pz4Kw8Vb\"", "9Hq2-Lx7Pz4Kw8Vb", PiiKind::kKey},
      {"upstream = \"2a00:1450:4001:82a::200e\"", "2a00:1450:4001:82a::200e", PiiKind::kIpAddress},
      {"resolver 2606:4700:4700:0000:0000:0000:0000:1111 answered", "2606:4700:4700:0000:0000:0000:0000:1111", PiiKind::kIpAddress},
      {"curl http://[2001:4860:4860::8888]:53/", "2001:4860:4860::8888", PiiKind::kIpAddress},
      {"mapped ::ffff:52.14.201.9 seen", "::ffff:52.14.201.9", PiiKind::kIpAddress},
      {"last hop was 2a03:2880:f10c:83:face:b00c:0:25de.", "2a03:2880:f10c:83:face:b00c:0:25de", PiiKind::kIpAddress},
      // False friends.
      {"std::vector<int> v; std::map<a::b, c::d> m; ::operator new(1);", ""},
      {"auto x = fd::cb::add(a, b); dead::beef::cafe(); ab::cd::ef x;", ""},
      {"2024-05-01 12:34:56 started; lap 01:02:03.456; at 10:30:00", ""},
      {"ether 00:1a:2b:3c:4d:5e and eui 02:1a:2b:ff:fe:3c:4d:5e", ""},
      {"xs[1::2] + ys[::3] + zs[10::20]", ""},
      {"local ::1, link fe80::1ff:fe23:4567:890a, ula fd12:3456:789a::1, doc 2001:db8:85a3::8a2e:370:7334", ""},
      {"multicast ff02::1:ff00:1 and unspecified ::", ""},
      {"id = '123e4567-e89b-12d3-a456-426614174000'  # a UUID", ""},
      {"commit 9fceb02d0ae598e95dc970b74767f19372d61af8", ""},
      {"sha256: e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", ""},
      {"Send mail to user@example.com (see the docs)", ""},
      {"version 1.2.3.4 was released", ""},
      {"__version__ = 'v2.10.0.1'", ""},
      {"listen on 127.0.0.1 and 192.168.1.20 and 10.0.0.1", ""},
      {"git clone git@github.com:owner/repo.git", ""},
      {"password = os.environ['DB_PASSWORD']", ""},
      {"password = \"changeme\"", ""},
      {"api_key = \"<your-api-key>\"", ""},
      {"@Override public String toString() { return name; }", ""},
      {"\"dependencies\": {\"left-pad@1.3.0\": \"x\"}", ""},
      {"<img src=\"logo@2x.png\">", ""},
      {"OID 1.3.6.1.4.1.311 is not an address", ""},
      {"docs at 192.0.2.10 (documentation range)", ""},
  };
}

}  // namespace

TEST(Redact, PlantedSecretsPrecisionAndRecall) {
  const PiiScanner scanner;
  std::size_t planted = 0, found = 0, reported = 0, correct = 0;
  for (const auto& p : planted_set()) {
    const auto spans = scanner.find(p.text);
    reported += spans.size();
    if (!p.secret.empty()) ++planted;
    for (const auto& s : spans) {
      const auto hit = p.text.substr(s.begin, s.end - s.begin);
      const bool right = !p.secret.empty() && hit == p.secret && s.kind == p.kind;
      correct += right;
      found += right;
      EXPECT_TRUE(right) << "false positive '" << hit << "' (" << pii_kind_name(s.kind) << ") in: " << p.text;
    }
    if (!p.secret.empty()) {
      EXPECT_EQ(spans.size(), 1u) << "missed in: " << p.text;
    }
  }
  const double precision = reported ? static_cast<double>(correct) / static_cast<double>(reported) : 1.0;
  const double recall = static_cast<double>(found) / static_cast<double>(planted);
  std::printf("redaction: %zu planted, %zu reported, precision %.3f, recall %.3f\n", planted, reported, precision, recall);
  EXPECT_GE(precision, 0.95);
  EXPECT_GE(recall, 0.95);
}

TEST(Redact, PlaceholdersReplaceSpans) {
  const PiiScanner scanner;
  const std::string text = "mail jane@gmail.com from 52.14.201.9 with password='Xk9#mQ2vL7pz'";
  EXPECT_EQ(redact(text, scanner.find(text)), "mail <EMAIL> from <IP_ADDRESS> with password='<PASSWORD>'");
}
