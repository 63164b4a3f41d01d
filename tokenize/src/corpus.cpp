// sluice tokenize: see corpus.h for the two-pass design.
#include "sluice/tokenize/corpus.h"

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <mutex>

#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/core/progress.h"
#include "sluice/core/shard_set.h"

namespace sluice::tokenize {
namespace {

// splitmix64: tiny, fast, and the same on every platform (std distributions are not).
struct Rng {
  std::uint64_t state;
  std::uint64_t next() {
    std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  double uniform() { return static_cast<double>(next() >> 11) * 0x1.0p-53; }
  std::uint64_t below(std::uint64_t n) { return n == 0 ? 0 : next() % n; }
};

double unit_hash(std::string_view text, std::uint64_t seed) {
  return static_cast<double>(xxh3_64(text, seed) >> 11) * 0x1.0p-53;
}

std::optional<std::uint32_t> find_special(const Tokenizer& t, const char* starcoder, const char* tiktoken_style) {
  if (auto id = t.special_id(starcoder)) return id;
  return t.special_id(tiktoken_style);
}

std::string part_name(std::size_t index) {
  char name[32];
  std::snprintf(name, sizeof name, "part-%05zu.tok", index);
  return name;
}

struct WorkFile {
  std::filesystem::path train;
  std::filesystem::path val;
};

}  // namespace

void encode_fim(Encoder& encoder, std::string_view text, std::uint64_t rng_seed, bool spm, const FimTokens& fim,
                std::vector<std::uint32_t>& out) {
  // Character (code point) boundaries, as the FIM paper cuts: never inside a UTF-8 sequence.
  std::vector<std::size_t> starts;
  for (std::size_t i = 0; i < text.size(); ++i) {
    if ((static_cast<unsigned char>(text[i]) & 0xC0) != 0x80) starts.push_back(i);
  }
  starts.push_back(text.size());
  Rng rng{rng_seed};
  std::size_t i = starts[rng.below(starts.size())];
  std::size_t j = starts[rng.below(starts.size())];
  if (i > j) std::swap(i, j);
  const std::string_view prefix = text.substr(0, i);
  const std::string_view middle = text.substr(i, j - i);
  const std::string_view suffix = text.substr(j);
  if (spm) {
    out.push_back(fim.prefix);
    out.push_back(fim.suffix);
    encoder.encode(suffix, out);
    out.push_back(fim.middle);
    encoder.encode(prefix, out);
    encoder.encode(middle, out);
  } else {
    out.push_back(fim.prefix);
    encoder.encode(prefix, out);
    out.push_back(fim.suffix);
    encoder.encode(suffix, out);
    out.push_back(fim.middle);
    encoder.encode(middle, out);
  }
}

CorpusReport tokenize_corpus(const std::vector<std::filesystem::path>& files, const Tokenizer& tokenizer,
                             const CorpusOptions& options) {
  const auto start = std::chrono::steady_clock::now();
  CorpusReport report;
  const auto eos = tokenizer.special_id(options.eos);
  if (!eos) {
    throw Error("the tokenizer has no special token " + options.eos +
                " to end documents with (train one with it, or name another with --eos)");
  }
  const auto fim_prefix = find_special(tokenizer, kFimPrefix, "<|fim_prefix|>");
  const auto fim_middle = find_special(tokenizer, kFimMiddle, "<|fim_middle|>");
  const auto fim_suffix = find_special(tokenizer, kFimSuffix, "<|fim_suffix|>");
  const bool has_fim = fim_prefix && fim_middle && fim_suffix;
  double fim_rate = options.fim_rate < 0 ? (has_fim ? 0.5 : 0.0) : options.fim_rate;
  if (fim_rate > 0 && !has_fim) {
    throw Error("--fim-rate " + std::to_string(fim_rate) +
                " needs FIM sentinel tokens (<fim_prefix> <fim_middle> <fim_suffix>), which this tokenizer lacks");
  }
  report.fim_rate = fim_rate;
  const FimTokens fim{fim_prefix.value_or(0), fim_middle.value_or(0), fim_suffix.value_or(0)};

  // The configuration that decides every output byte; an unchanged one means nothing to redo.
  JsonWriter config;
  config.begin_object().field("tokenizer", tokenizer.hash()).field("fim_rate", fim_rate);
  config.field("fim_spm_rate", options.fim_spm_rate).field("val_fraction", options.val_fraction);
  config.field("seed", options.seed).field("shard_tokens", options.shard_tokens).field("eos", options.eos);
  config.field("frame_tokens", options.shard.frame_tokens).field("zstd_level", options.shard.zstd_level);
  config.field("byte_planes", options.shard.byte_planes).key("inputs").begin_array();
  for (const auto& file : files) {
    config.begin_array().value(file.string()).value(static_cast<std::uint64_t>(std::filesystem::file_size(file))).end_array();
  }
  config.end_array().end_object();
  const std::string hash = config_hash("tokenize", config.str());
  std::filesystem::create_directories(options.out);
  {
    const Manifest previous = Manifest::load(options.out);
    bool complete = previous.config_hash == hash && !previous.shards().empty();
    for (const auto& record : previous.shards()) complete = complete && shard_is_reusable(options.out, &record, hash);
    if (complete) {
      report.reused = true;
      for (const auto& record : previous.shards()) {
        SplitReport& split = record.name.starts_with("val/") ? report.val : report.train;
        split.shards.push_back(record.name);
        split.documents += record.documents;
        split.file_bytes += record.file_bytes;
        const auto it = record.counters.find("tokens");
        if (it != record.counters.end()) split.tokens += it->second;
      }
      report.documents = report.train.documents + report.val.documents;
      return report;
    }
  }

  // Pass 1: every input file into two work shards (train, val), in parallel.
  const std::filesystem::path work = options.out / ".work";
  std::filesystem::remove_all(work);
  std::filesystem::create_directories(work);
  remove_stale_temporaries(options.out);
  std::vector<WorkFile> work_files(files.size());
  std::uint64_t total_bytes = 0;
  for (const auto& file : files) total_bytes += std::filesystem::file_size(file);
  std::atomic<std::uint64_t> documents{0};
  std::atomic<std::uint64_t> text_bytes{0};
  std::atomic<std::uint64_t> fim_documents{0};
  TokenShardOptions work_layout;
  work_layout.frame_tokens = 8192;  // shuffled reads decompress one small frame per document
  work_layout.zstd_level = 1;
  {
    Progress progress("tokenize", total_bytes);
    parallel_for(files.size(), options.threads, [&](std::size_t index) {
      char stem[32];
      std::snprintf(stem, sizeof stem, "in-%05zu", index);
      WorkFile& wf = work_files[index];
      wf.train = work / (std::string(stem) + ".train.tok");
      wf.val = work / (std::string(stem) + ".val.tok");
      TokenShardWriter train(wf.train, tokenizer.vocab_size(), tokenizer.hash(), work_layout);
      TokenShardWriter val(wf.val, tokenizer.vocab_size(), tokenizer.hash(), work_layout);
      Encoder encoder(tokenizer);
      DocumentReader reader(files[index]);
      Document doc;
      std::vector<std::uint32_t> ids;
      while (reader.next(doc)) {
        ids.clear();
        Rng rng{xxh3_64(doc.id, options.seed)};
        if (fim_rate > 0 && rng.uniform() < fim_rate) {
          encode_fim(encoder, doc.text, rng.next(), rng.uniform() < options.fim_spm_rate, fim, ids);
          fim_documents.fetch_add(1, std::memory_order_relaxed);
        } else {
          encoder.encode(doc.text, ids);
        }
        ids.push_back(*eos);
        (unit_hash(doc.id, 0x7a11) < options.val_fraction ? val : train).add_document(ids);
        documents.fetch_add(1, std::memory_order_relaxed);
        text_bytes.fetch_add(doc.text.size(), std::memory_order_relaxed);
      }
      progress.add(std::filesystem::file_size(files[index]));
      train.finish();
      val.finish();
    });
    progress.finish();
  }
  report.documents = documents.load();
  report.text_bytes = text_bytes.load();
  report.fim_documents = fim_documents.load();

  // Pass 2: per split, a seeded permutation of all documents, cut into output shards.
  Manifest manifest;
  manifest.stage = "tokenize";
  manifest.config_hash = hash;
  manifest.config_json = config.str();
  std::mutex manifest_mutex;
  for (const bool is_val : {false, true}) {
    const std::string split_name = is_val ? "val" : "train";
    SplitReport& split = is_val ? report.val : report.train;
    std::vector<std::unique_ptr<TokenShardReader>> readers;
    struct DocRef {
      std::uint32_t file;
      std::uint64_t doc;
    };
    std::vector<DocRef> order;
    for (std::uint32_t f = 0; f < work_files.size(); ++f) {
      readers.push_back(std::make_unique<TokenShardReader>(is_val ? work_files[f].val : work_files[f].train));
      for (std::uint64_t d = 0; d < readers.back()->num_documents(); ++d) order.push_back({f, d});
    }
    Rng rng{options.seed ^ (is_val ? 0x5affe11ull : 0x7a1eull)};
    for (std::size_t i = order.size(); i > 1; --i) std::swap(order[i - 1], order[rng.below(i)]);
    // Cut into shards of about shard_tokens (a document is never split).
    std::vector<std::pair<std::size_t, std::size_t>> cuts;  // [begin, end) into order
    std::uint64_t filled = 0;
    std::size_t begin = 0;
    for (std::size_t i = 0; i < order.size(); ++i) {
      const auto [b, e] = readers[order[i].file]->document_range(order[i].doc);
      filled += e - b;
      if (filled >= options.shard_tokens) {
        cuts.emplace_back(begin, i + 1);
        begin = i + 1;
        filled = 0;
      }
    }
    if (begin < order.size()) cuts.emplace_back(begin, order.size());
    const std::filesystem::path dir = options.out / split_name;
    std::filesystem::remove_all(dir);
    std::filesystem::create_directories(dir);
    std::vector<ShardRecord> records(cuts.size());
    parallel_for(cuts.size(), options.threads, [&](std::size_t s) {
      const std::string name = split_name + "/" + part_name(s);
      TokenShardWriter writer(options.out / name, tokenizer.vocab_size(), tokenizer.hash(), options.shard);
      std::vector<std::uint32_t> tokens;
      for (std::size_t i = cuts[s].first; i < cuts[s].second; ++i) {
        const TokenShardReader& reader = *readers[order[i].file];
        const auto [b, e] = reader.document_range(order[i].doc);
        reader.read_tokens(b, e, tokens);
        writer.add_document(tokens);
      }
      writer.finish();
      ShardRecord& record = records[s];
      record.name = name;
      record.input = split_name;
      record.documents = writer.num_documents();
      record.file_bytes = writer.file_bytes();
      record.xxh3 = hash_file(options.out / name).hex();
      record.config_hash = hash;
      record.complete = true;
      record.counters["tokens"] = writer.num_tokens();
    });
    for (auto& record : records) {
      split.shards.push_back(record.name);
      split.documents += record.documents;
      split.tokens += record.counters["tokens"];
      split.file_bytes += record.file_bytes;
      std::lock_guard lock(manifest_mutex);
      manifest.put(std::move(record));
    }
  }
  std::filesystem::remove_all(work);
  manifest.save(options.out);
  report.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  return report;
}

}  // namespace sluice::tokenize
