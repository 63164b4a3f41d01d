// Build-time generator: reads spdx-full.json (the npm package spdx-license-list) and writes the
// template bundle described in src/license/bundle_format.h.
//   spdx_bundle INPUT.json OUTPUT.bin
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <simdjson.h>

#include "license/bundle_format.h"
#include "license/normalize.h"

using namespace sluice::filter::license;

namespace {

struct Entry {
  std::string id;
  std::string name;
  bool osi = false;
  NormalizedText normalized;
  std::vector<std::uint32_t> bigrams;
  std::vector<std::string> aliases;
  bool exception = false;  // the text of an exception to a license, not a license
};

// Deprecated SPDX ids for "a license with an exception" name the full text of both; the
// expression a user expects is the license WITH the exception.
std::string expression_for(const std::string& id) {
  static const std::map<std::string, std::string> kWith = {
      {"GPL-2.0-with-classpath-exception", "GPL-2.0-only WITH Classpath-exception-2.0"},
      {"GPL-2.0-with-GCC-exception", "GPL-2.0-only WITH GCC-exception-2.0"},
      {"GPL-2.0-with-bison-exception", "GPL-2.0-or-later WITH Bison-exception-2.2"},
      {"GPL-2.0-with-font-exception", "GPL-2.0-only WITH Font-exception-2.0"},
      {"GPL-2.0-with-autoconf-exception", "GPL-2.0-only WITH Autoconf-exception-2.0"},
      {"GPL-3.0-with-GCC-exception", "GPL-3.0-only WITH GCC-exception-3.1"},
      {"GPL-3.0-with-autoconf-exception", "GPL-3.0-only WITH Autoconf-exception-3.0"},
  };
  if (auto it = kWith.find(id); it != kWith.end()) return it->second;
  return id;
}

// The SPDX list's "license with exception" entries hold the exception's text after a line asking
// for the license text ("insert GPL v2 license text here"); that line is in no real file.
std::string without_placeholder_lines(const std::string& text) {
  std::string out;
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string::npos) end = text.size();
    const std::string line = text.substr(start, end - start);
    if (line.find("insert GPL") == std::string::npos) out += line + "\n";
    start = end + 1;
  }
  return out;
}

// Among ids with one normalised text, the one to report: a current id over a deprecated one
// ("GPL-2.0-only" over "GPL-2.0" and "GPL-2.0+"), "-only" over "-or-later" (the full text alone
// does not say "or later"), then the shortest.
int preference(const std::string& id) {
  int score = 0;
  if (id.find('+') != std::string::npos) score += 100;
  if (id.ends_with("-only")) score -= 10;
  if (id.ends_with("-or-later")) score += 5;
  const bool bare_gnu = (id.starts_with("GPL-") || id.starts_with("LGPL-") || id.starts_with("AGPL-") ||
                         id.starts_with("GFDL-")) &&
                        !id.ends_with("-only") && !id.ends_with("-or-later") && id.find("with") == std::string::npos &&
                        id.find("invariants") == std::string::npos;
  if (bare_gnu) score += 50;
  return score * 1000 + static_cast<int>(id.size());
}

template <typename T>
void put(std::string& out, const T& value) {
  out.append(reinterpret_cast<const char*>(&value), sizeof value);
}

void pad(std::string& out) { out.resize(align8(out.size()), '\0'); }

}  // namespace

int main(int argc, char** argv) {
  if (argc != 3) {
    std::fprintf(stderr, "usage: spdx_bundle spdx-full.json bundle.bin\n");
    return 1;
  }
  simdjson::ondemand::parser parser;
  simdjson::padded_string json;
  if (simdjson::padded_string::load(argv[1]).get(json)) {
    std::fprintf(stderr, "%s: cannot read (run scripts/setup to fetch spdx-license-list)\n", argv[1]);
    return 1;
  }
  std::vector<Entry> entries;
  try {
    auto doc = parser.iterate(json);
    for (auto field : doc.get_object()) {
      Entry entry;
      entry.id = std::string(std::string_view(field.unescaped_key()));
      auto object = field.value().get_object();
      std::string text;
      for (auto member : object) {
        const std::string_view key = member.unescaped_key();
        if (key == "name") entry.name = std::string(std::string_view(member.value().get_string()));
        if (key == "licenseText") text = std::string(std::string_view(member.value().get_string()));
        if (key == "osiApproved") {
          auto value = member.value();
          bool flag = false;
          std::string_view s;
          if (!value.get_bool().get(flag)) entry.osi = flag;
          else if (!value.get_string().get(s)) entry.osi = s == "True" || s == "true";
        }
      }
      entry.exception = expression_for(entry.id) != entry.id;
      if (entry.exception) text = without_placeholder_lines(text);
      entry.normalized = normalize_license_text(text);
      const auto& w = entry.normalized.words;
      for (std::size_t i = 0; i + 1 < w.size(); ++i) entry.bigrams.push_back(bigram_key(w[i], w[i + 1]));
      std::sort(entry.bigrams.begin(), entry.bigrams.end());
      entry.bigrams.erase(std::unique(entry.bigrams.begin(), entry.bigrams.end()), entry.bigrams.end());
      if (entry.bigrams.size() < 4) {
        std::fprintf(stderr, "%s: license %s has almost no text; skipped\n", argv[1], entry.id.c_str());
        continue;
      }
      entries.push_back(std::move(entry));
    }
  } catch (const simdjson::simdjson_error& e) {
    std::fprintf(stderr, "%s: malformed JSON: %s\n", argv[1], e.what());
    return 1;
  }
  const auto source_count = static_cast<std::uint32_t>(entries.size());

  // Merge licenses whose normalised texts are identical: they cannot be told apart by text.
  std::map<std::uint64_t, std::vector<std::size_t>> by_hash;
  for (std::size_t i = 0; i < entries.size(); ++i) by_hash[entries[i].normalized.exact_hash].push_back(i);
  std::vector<Entry> kept;
  for (auto& [hash, group] : by_hash) {
    std::sort(group.begin(), group.end(), [&](std::size_t a, std::size_t b) {
      const int pa = preference(entries[a].id), pb = preference(entries[b].id);
      return pa != pb ? pa < pb : entries[a].id < entries[b].id;
    });
    Entry best = std::move(entries[group[0]]);
    for (std::size_t k = 1; k < group.size(); ++k) best.aliases.push_back(entries[group[k]].id);
    kept.push_back(std::move(best));
  }
  std::sort(kept.begin(), kept.end(), [](const Entry& a, const Entry& b) { return a.id < b.id; });
  if (kept.size() >= kDenseTag) {
    std::fprintf(stderr, "too many templates\n");
    return 1;
  }

  // Inverted index: bigram -> templates.
  std::vector<std::pair<std::uint32_t, std::uint16_t>> pairs;
  for (std::size_t t = 0; t < kept.size(); ++t) {
    for (auto key : kept[t].bigrams) pairs.emplace_back(key, static_cast<std::uint16_t>(t));
  }
  std::sort(pairs.begin(), pairs.end());
  std::vector<std::uint32_t> keys, offsets;
  std::vector<std::uint16_t> postings;
  const std::size_t words = dense_set_words(kept.size());
  std::vector<std::uint64_t> dense;  // dense keys' bitsets, `words` each
  for (std::size_t i = 0; i < pairs.size();) {
    std::size_t end = i;
    while (end < pairs.size() && pairs[end].first == pairs[i].first) ++end;
    keys.push_back(pairs[i].first);
    offsets.push_back(static_cast<std::uint32_t>(postings.size()));
    if (end - i >= kDenseMinTemplates) {
      const std::size_t slot = dense.size() / words;
      if (slot >= kDenseTag) {
        std::fprintf(stderr, "too many dense bigrams\n");
        return 1;
      }
      postings.push_back(static_cast<std::uint16_t>(kDenseTag | slot));
      dense.resize(dense.size() + words, 0);
      for (std::size_t k = i; k < end; ++k) dense[slot * words + pairs[k].second / 64] |= std::uint64_t{1} << (pairs[k].second % 64);
    } else {
      for (std::size_t k = i; k < end; ++k) postings.push_back(pairs[k].second);
    }
    i = end;
  }
  offsets.push_back(static_cast<std::uint32_t>(postings.size()));

  std::string strings;
  std::vector<TemplateRecord> records;
  auto add_string = [&](const std::string& s) {
    const auto offset = static_cast<std::uint32_t>(strings.size());
    strings += s;
    strings.push_back('\0');
    return offset;
  };
  for (const auto& e : kept) {
    TemplateRecord r{};
    r.exact_hash = e.normalized.exact_hash;
    r.bigrams = static_cast<std::uint32_t>(e.bigrams.size());
    r.words = static_cast<std::uint32_t>(e.normalized.words.size());
    r.id = add_string(expression_for(e.id));
    r.name = add_string(e.name);
    std::string aliases;
    for (const auto& a : e.aliases) aliases += (aliases.empty() ? "" : " ") + a;
    if (expression_for(e.id) != e.id) aliases += (aliases.empty() ? "" : " ") + e.id;
    r.aliases = add_string(aliases);
    r.flags = (e.osi ? kOsiApproved : 0) | (e.exception ? kException : 0);
    records.push_back(r);
  }

  std::string out;
  BundleHeader header{};
  std::memcpy(header.magic, kBundleMagic, sizeof header.magic);
  header.template_count = static_cast<std::uint32_t>(records.size());
  header.bigram_count = static_cast<std::uint32_t>(keys.size());
  header.posting_count = static_cast<std::uint32_t>(postings.size());
  header.string_bytes = static_cast<std::uint32_t>(strings.size());
  header.source_licenses = source_count;
  header.bucket_bits = kBucketBits;
  header.dense_count = static_cast<std::uint32_t>(dense.size() / words);
  put(out, header);
  for (const auto& r : records) put(out, r);
  out.append(reinterpret_cast<const char*>(keys.data()), keys.size() * 4);
  pad(out);
  out.append(reinterpret_cast<const char*>(offsets.data()), offsets.size() * 4);
  pad(out);
  out.append(reinterpret_cast<const char*>(postings.data()), postings.size() * 2);
  pad(out);
  // Where each range of keys with the same top kBucketBits bits starts (keys are sorted).
  std::vector<std::uint32_t> buckets((std::size_t{1} << kBucketBits) + 1);
  for (std::size_t b = 0; b < buckets.size(); ++b) {
    const std::uint64_t first_key = static_cast<std::uint64_t>(b) << (32 - kBucketBits);
    buckets[b] = static_cast<std::uint32_t>(std::lower_bound(keys.begin(), keys.end(), first_key) - keys.begin());
  }
  out.append(reinterpret_cast<const char*>(buckets.data()), buckets.size() * 4);
  pad(out);
  out.append(reinterpret_cast<const char*>(dense.data()), dense.size() * 8);
  out += strings;
  pad(out);

  const std::string temp = std::string(argv[2]) + ".tmp";
  std::ofstream file(temp, std::ios::binary);
  file.write(out.data(), static_cast<std::streamsize>(out.size()));
  file.close();
  if (!file || std::rename(temp.c_str(), argv[2]) != 0) {
    std::fprintf(stderr, "%s: cannot write\n", argv[2]);
    return 1;
  }
  std::fprintf(stderr, "spdx_bundle: %u licenses -> %zu templates, %zu bigrams (%u dense), %zu postings, %zu bytes\n",
               source_count, records.size(), keys.size(), header.dense_count, postings.size(), out.size());
  return 0;
}
