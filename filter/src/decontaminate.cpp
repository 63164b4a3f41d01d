#include "sluice/filter/decontaminate.h"

#include <simdjson.h>

#include <fstream>

#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"

namespace sluice::filter {
namespace {

constexpr std::uint64_t kBase = 0x100000001B3ULL;

std::string squeeze(std::string_view text) {
  std::string out;
  out.reserve(text.size());
  for (char c : text) {
    if (!std::isspace(static_cast<unsigned char>(c))) out += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  }
  return out;
}

std::vector<std::uint64_t> word_hashes(std::string_view text) {
  std::vector<std::uint64_t> words;
  std::size_t i = 0;
  std::string word;
  while (i < text.size()) {
    while (i < text.size() && !std::isalnum(static_cast<unsigned char>(text[i])) && text[i] != '_') ++i;
    word.clear();
    while (i < text.size() && (std::isalnum(static_cast<unsigned char>(text[i])) || text[i] == '_')) {
      word += static_cast<char>(std::tolower(static_cast<unsigned char>(text[i++])));
    }
    if (!word.empty()) words.push_back(xxh3_64(word));
  }
  return words;
}

std::uint64_t ngram_hash(const std::uint64_t* words, std::size_t n) {
  std::uint64_t h = 0;
  for (std::size_t k = 0; k < n; ++k) h = h * kBase + words[k];
  return h;
}

std::uint64_t power(std::uint64_t base, std::size_t exponent) {
  std::uint64_t r = 1;
  for (std::size_t k = 0; k < exponent; ++k) r *= base;
  return r;
}

}  // namespace

Decontaminator::Decontaminator(std::size_t ngram, std::size_t min_chars) : ngram_(ngram), min_chars_(min_chars) {}

void Decontaminator::add_item(std::string item, std::string field, std::string_view text) {
  const auto label = static_cast<std::uint32_t>(labels_.size());
  labels_.emplace_back(std::move(item), std::move(field));
  squeezed_.push_back(squeeze(text));
  const auto& s = squeezed_.back();
  // Short strings ("return x + y") occur everywhere; BigCode excluded them too.
  if (s.size() >= min_chars_) anchors_[xxh3_64(std::string_view(s).substr(0, min_chars_))].push_back(label);
  const auto words = word_hashes(text);
  for (std::size_t i = 0; i + ngram_ <= words.size(); ++i) ngrams_.emplace(ngram_hash(&words[i], ngram_), label);
}

void Decontaminator::add_file(const std::filesystem::path& path) {
  const std::string data = [&] {
    std::ifstream in(path, std::ios::binary);
    if (!in) fail_errno("cannot open", path.string());
    return std::string(std::istreambuf_iterator<char>(in), {});
  }();
  const auto name = path.filename().string();
  if (!name.ends_with(".jsonl") && !name.ends_with(".json")) {
    add_item(name, "text", data);
    return;
  }
  simdjson::ondemand::parser parser;
  std::size_t line_number = 0, start = 0;
  static const std::vector<std::string_view> kFields = {"prompt", "canonical_solution", "solution", "code", "question",
                                                         "problem", "text", "docstring"};
  while (start < data.size()) {
    auto end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    ++line_number;
    const std::string_view line(data.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    simdjson::padded_string padded(line);
    std::string id;
    std::vector<std::pair<std::string, std::string>> fields;
    try {
      auto document = parser.iterate(padded);
      auto object = document.get_object();
      for (auto member : object) {
        const std::string_view key = member.unescaped_key();
        auto value = member.value();
        if (key == "task_id" || key == "id" || key == "name") {
          std::string_view s;
          std::int64_t n;
          if (!value.get_string().get(s)) id = std::string(s);
          else if (!value.get_int64().get(n)) id = std::to_string(n);
          continue;
        }
        if (std::find(kFields.begin(), kFields.end(), key) == kFields.end()) continue;
        std::string_view s;
        if (!value.get_string().get(s)) fields.emplace_back(std::string(key), std::string(s));
      }
    } catch (const simdjson::simdjson_error& e) {
      fail_at(path.string(), line_number, std::string("not a JSON object: ") + e.what());
    }
    if (fields.empty()) {
      fail_at(path.string(), line_number, "no benchmark text: expected a string field prompt, canonical_solution, "
                                          "solution, code, question, problem, text or docstring");
    }
    if (id.empty()) id = name + ":" + std::to_string(line_number);
    for (auto& [field, text] : fields) add_item(id, field, text);
  }
}

std::optional<DecontaminationHit> Decontaminator::check(std::string_view text) const {
  if (labels_.empty()) return std::nullopt;
  if (!anchors_.empty()) {
    const auto s = squeeze(text);
    // The anchor is the first min_chars bytes of an item; every window of the text is looked up.
    // A rolling hash would be faster; xxh3 of a 32-byte window is a few nanoseconds.
    for (std::size_t i = 0; i + min_chars_ <= s.size(); ++i) {
      const auto it = anchors_.find(xxh3_64(std::string_view(s).substr(i, min_chars_)));
      if (it == anchors_.end()) continue;
      for (const auto label : it->second) {
        const auto& item = squeezed_[label];
        if (s.compare(i, item.size(), item) == 0) return DecontaminationHit{labels_[label].first, labels_[label].second, "substring"};
      }
    }
  }
  if (!ngrams_.empty()) {
    const auto words = word_hashes(text);
    if (words.size() >= ngram_) {
      const std::uint64_t top = power(kBase, ngram_ - 1);
      std::uint64_t h = ngram_hash(words.data(), ngram_);
      for (std::size_t i = 0;; ++i) {
        if (const auto it = ngrams_.find(h); it != ngrams_.end()) {
          return DecontaminationHit{labels_[it->second].first, labels_[it->second].second, std::to_string(ngram_) + "-gram"};
        }
        if (i + ngram_ >= words.size()) break;
        h = (h - words[i] * top) * kBase + words[i + ngram_];
      }
    }
  }
  return std::nullopt;
}

}  // namespace sluice::filter
