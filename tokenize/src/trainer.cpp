// BPE training with incremental pair-count updates (see trainer.h for the shape of it).
#include "sluice/tokenize/trainer.h"

#include <algorithm>
#include <chrono>
#include <mutex>
#include <queue>
#include <unordered_map>

#include "model.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/parallel.h"
#include "sluice/core/progress.h"

namespace sluice::tokenize {
namespace {

struct PieceHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return static_cast<std::size_t>(xxh3_64(s)); }
};

using Pair = std::uint64_t;  // left id << 32 | right id
inline Pair make_pair_key(std::uint32_t a, std::uint32_t b) { return (static_cast<Pair>(a) << 32) | b; }

struct Candidate {
  std::int64_t count;
  Pair pair;
  // Most frequent first; ties go to the smaller pair so training is deterministic.
  bool operator<(const Candidate& o) const { return count != o.count ? count < o.count : pair > o.pair; }
};

std::string regex_for(const std::string& pattern) {
  if (pattern == "gpt2" || pattern == "cl100k" || pattern == "o200k") {
    return PreTokenizer(pattern_kind_from_name(pattern)).regex();
  }
  return pattern;
}

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace

Tokenizer train_from_counts(std::vector<std::pair<std::string, std::uint64_t>> input, const TrainOptions& options,
                            TrainStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  const std::size_t reserved = 256 + options.specials.size();
  if (options.vocab_size < reserved) {
    throw Error("vocab size " + std::to_string(options.vocab_size) + " is smaller than the 256 bytes plus " +
                std::to_string(options.specials.size()) + " special tokens");
  }
  const std::size_t target_merges = options.vocab_size - reserved;
  // Deterministic order whatever the counting threads did.
  std::sort(input.begin(), input.end());
  std::vector<std::vector<std::uint32_t>> words(input.size());
  std::vector<std::int64_t> counts(input.size());
  for (std::size_t w = 0; w < input.size(); ++w) {
    const std::string& text = input[w].first;
    words[w].assign(text.begin(), text.end());
    for (auto& symbol : words[w]) symbol &= 0xFF;  // char may be signed
    counts[w] = static_cast<std::int64_t>(input[w].second);
  }
  input.clear();
  input.shrink_to_fit();

  std::unordered_map<Pair, std::int64_t> pair_counts;
  std::unordered_map<Pair, std::vector<std::uint32_t>> where;  // pair -> words holding it (may repeat)
  for (std::uint32_t w = 0; w < words.size(); ++w) {
    const auto& symbols = words[w];
    for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
      const Pair p = make_pair_key(symbols[i], symbols[i + 1]);
      pair_counts[p] += counts[w];
      auto& list = where[p];
      if (list.empty() || list.back() != w) list.push_back(w);
    }
  }
  std::priority_queue<Candidate> heap;
  for (const auto& [pair, count] : pair_counts) heap.push({count, pair});

  std::vector<std::string> tokens(256);
  for (int b = 0; b < 256; ++b) tokens[static_cast<std::size_t>(b)] = std::string(1, static_cast<char>(b));
  std::unordered_map<Pair, std::int64_t> delta;
  std::vector<Pair> changed;
  std::vector<std::uint32_t> merged_symbols;
  while (tokens.size() - 256 < target_merges && !heap.empty()) {
    const Candidate top = heap.top();
    heap.pop();
    const auto it = pair_counts.find(top.pair);
    const std::int64_t current = it == pair_counts.end() ? 0 : it->second;
    if (current != top.count) {  // stale entry: the count changed since it was pushed
      if (current > 0) heap.push({current, top.pair});
      continue;
    }
    if (current < static_cast<std::int64_t>(std::max<std::uint64_t>(options.min_frequency, 1))) break;
    const auto a = static_cast<std::uint32_t>(top.pair >> 32);
    const auto b = static_cast<std::uint32_t>(top.pair & 0xFFFFFFFFu);
    const auto made = static_cast<std::uint32_t>(tokens.size());
    tokens.push_back(tokens[a] + tokens[b]);

    std::vector<std::uint32_t> touched = std::move(where[top.pair]);
    where.erase(top.pair);
    std::sort(touched.begin(), touched.end());
    touched.erase(std::unique(touched.begin(), touched.end()), touched.end());
    delta.clear();
    for (const std::uint32_t w : touched) {
      auto& symbols = words[w];
      const std::int64_t c = counts[w];
      merged_symbols.clear();
      bool any = false;
      for (std::size_t i = 0; i < symbols.size();) {
        if (i + 1 < symbols.size() && symbols[i] == a && symbols[i + 1] == b) {
          any = true;
          if (!merged_symbols.empty()) {
            const std::uint32_t prev = merged_symbols.back();
            delta[make_pair_key(prev, a)] -= c;
            delta[make_pair_key(prev, made)] += c;
          }
          if (i + 2 < symbols.size()) {
            const std::uint32_t next = symbols[i + 2];
            delta[make_pair_key(b, next)] -= c;
            delta[make_pair_key(made, next)] += c;
          }
          delta[top.pair] -= c;
          merged_symbols.push_back(made);
          i += 2;
        } else {
          merged_symbols.push_back(symbols[i]);
          ++i;
        }
      }
      if (!any) continue;
      symbols.assign(merged_symbols.begin(), merged_symbols.end());
      for (std::size_t i = 0; i + 1 < symbols.size(); ++i) {
        if (symbols[i] == made || symbols[i + 1] == made) {
          auto& list = where[make_pair_key(symbols[i], symbols[i + 1])];
          if (list.empty() || list.back() != w) list.push_back(w);
        }
      }
    }
    for (const auto& [pair, d] : delta) {
      if (d == 0) continue;
      auto& count = pair_counts[pair];
      count += d;
      if (count <= 0) {
        pair_counts.erase(pair);
      } else if (d > 0) {
        heap.push({count, pair});
      }
    }
    pair_counts.erase(top.pair);
  }
  if (stats != nullptr) {
    stats->distinct_pretokens = words.size();
    stats->merges = tokens.size() - 256;
    stats->merge_seconds = seconds_since(start);
  }
  return Tokenizer::from_ranked_tokens(std::move(tokens), regex_for(options.pattern), options.specials);
}

Tokenizer train_from_documents(const std::vector<std::filesystem::path>& files, const TrainOptions& options,
                               TrainStats* stats) {
  const auto start = std::chrono::steady_clock::now();
  const std::string regex = regex_for(options.pattern);
  const PreTokenizer pre_tokenizer = PatternKind::kCustom == pattern_kind_from_regex(regex)
                                         ? PreTokenizer(regex)
                                         : PreTokenizer(pattern_kind_from_regex(regex));
  std::uint64_t total_bytes = 0;
  for (const auto& file : files) total_bytes += std::filesystem::file_size(file);
  Progress progress("count pre-tokens", total_bytes);
  std::mutex mutex;
  std::unordered_map<std::string, std::uint64_t> totals;
  std::uint64_t documents = 0;
  std::uint64_t bytes = 0;
  const auto sample_limit = static_cast<std::uint64_t>(std::clamp(options.sample, 0.0, 1.0) * 18446744073709551615.0);
  parallel_for(files.size(), options.threads, [&](std::size_t index) {
    std::unordered_map<std::string, std::uint64_t, PieceHash, std::equal_to<>> local;
    DocumentReader reader(files[index]);
    Document doc;
    std::uint64_t local_docs = 0;
    std::uint64_t local_bytes = 0;
    while (reader.next(doc)) {
      if (options.sample < 1.0 && xxh3_64(doc.id, 0x5eed) > sample_limit) continue;
      std::string_view text = doc.text;
      if (options.max_document_bytes > 0 && text.size() > options.max_document_bytes) {
        std::size_t cut = options.max_document_bytes;
        while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xC0) == 0x80) --cut;
        text = text.substr(0, cut);
      }
      ++local_docs;
      local_bytes += text.size();
      pre_tokenizer.split(text, [&](std::string_view piece) {
        const auto it = local.find(piece);
        if (it != local.end()) {
          ++it->second;
        } else {
          local.emplace(std::string(piece), 1);
        }
      });
    }
    progress.add(std::filesystem::file_size(files[index]));
    std::lock_guard lock(mutex);
    documents += local_docs;
    bytes += local_bytes;
    for (auto& [piece, count] : local) totals[piece] += count;
  });
  progress.finish();
  std::vector<std::pair<std::string, std::uint64_t>> words;
  words.reserve(totals.size());
  for (auto& [piece, count] : totals) words.emplace_back(piece, count);
  totals.clear();
  const double count_seconds = seconds_since(start);
  Tokenizer tokenizer = train_from_counts(std::move(words), options, stats);
  if (stats != nullptr) {
    stats->documents = documents;
    stats->bytes = bytes;
    stats->count_seconds = count_seconds;
  }
  return tokenizer;
}

}  // namespace sluice::tokenize
