#include "sluice/finetune/data.h"

#include <algorithm>
#include <cstring>
#include <fstream>

#include "sluice/core/error.h"
#include "sluice/core/io.h"

#if __has_include("sluice/tokenize/token_shard.h")
#include "sluice/tokenize/token_shard.h"
#define SLUICE_HAVE_TOK 1
#endif

namespace sluice::finetune {
namespace {

constexpr std::int32_t kLlmcMagic = 20240520;

// llm.c's token file: 256 int32 header (magic, version 1, token count), then uint16 tokens.
class LlmcShard final : public TokenShard {
 public:
  explicit LlmcShard(const std::filesystem::path& path) : path_(path), in_(path, std::ios::binary) {
    if (!in_) fail_errno("open", path.string());
    std::int32_t header[256] = {};
    if (!in_.read(reinterpret_cast<char*>(header), sizeof header)) throw Error(path.string() + ": shorter than the 1024-byte llm.c header");
    if (header[0] != kLlmcMagic || header[1] != 1) throw Error(path.string() + ": not an llm.c token file (magic 20240520, version 1)");
    tokens_ = static_cast<std::uint64_t>(header[2]);
    const auto size = std::filesystem::file_size(path);
    if (size < 1024 + 2 * tokens_) throw Error(path.string() + ": header says " + std::to_string(tokens_) + " tokens but the file is truncated");
  }
  std::uint64_t num_tokens() const override { return tokens_; }
  std::uint32_t vocab_size() const override { return 0; }
  void read(std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& out) const override {
    buffer_.resize(end - begin);
    in_.seekg(static_cast<std::streamoff>(1024 + 2 * begin));
    if (!in_.read(reinterpret_cast<char*>(buffer_.data()), static_cast<std::streamsize>(2 * (end - begin)))) {
      throw Error(path_.string() + ": read failed at token " + std::to_string(begin));
    }
    out.assign(buffer_.begin(), buffer_.end());
  }
  const std::vector<std::uint64_t>& document_starts() const override { return starts_; }

 private:
  std::filesystem::path path_;
  mutable std::ifstream in_;
  mutable std::vector<std::uint16_t> buffer_;
  std::uint64_t tokens_ = 0;
  std::vector<std::uint64_t> starts_;
};

#ifdef SLUICE_HAVE_TOK
class TokShard final : public TokenShard {
 public:
  explicit TokShard(const std::filesystem::path& path) : reader_(path) {
    const auto docs = reader_.num_documents();
    starts_.reserve(docs);
    for (std::uint64_t i = 0; i < docs; ++i) starts_.push_back(reader_.document_range(i).first);
  }
  std::uint64_t num_tokens() const override { return reader_.num_tokens(); }
  std::uint32_t vocab_size() const override { return reader_.vocab_size(); }
  void read(std::uint64_t begin, std::uint64_t end, std::vector<std::uint32_t>& out) const override {
    reader_.read_tokens(begin, end, out);
  }
  const std::vector<std::uint64_t>& document_starts() const override { return starts_; }

 private:
  tokenize::TokenShardReader reader_;
  std::vector<std::uint64_t> starts_;
};
#endif

bool is_token_file(const std::filesystem::path& p) { return p.extension() == ".tok" || p.extension() == ".bin"; }

// splitmix64: a portable generator, so the window order is the same with every standard library.
std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

}  // namespace

std::unique_ptr<TokenShard> open_token_shard(const std::filesystem::path& path) {
  if (path.extension() == ".bin") return std::make_unique<LlmcShard>(path);
#ifdef SLUICE_HAVE_TOK
  if (path.extension() == ".tok") return std::make_unique<TokShard>(path);
#endif
  throw Error(path.string() + ": not a token shard (.tok from 'sluice tokenize' or an llm.c .bin)");
}

void write_llmc_tokens(const std::filesystem::path& path, const std::vector<std::uint32_t>& tokens) {
  std::int32_t header[256] = {};
  header[0] = kLlmcMagic;
  header[1] = 1;
  header[2] = static_cast<std::int32_t>(tokens.size());
  std::vector<std::uint16_t> narrow(tokens.size());
  for (std::size_t i = 0; i < tokens.size(); ++i) {
    if (tokens[i] > 0xFFFF) throw Error(path.string() + ": token " + std::to_string(tokens[i]) + " does not fit uint16");
    narrow[i] = static_cast<std::uint16_t>(tokens[i]);
  }
  AtomicFile out(path);
  out.write(reinterpret_cast<const char*>(header), sizeof header);
  out.write(reinterpret_cast<const char*>(narrow.data()), 2 * narrow.size());
  out.commit();
}

std::vector<std::filesystem::path> list_token_files(const std::filesystem::path& dir, bool validation) {
  if (!std::filesystem::is_directory(dir)) throw Error(dir.string() + ": not a directory of token shards");
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (!entry.is_regular_file() || !is_token_file(entry.path())) continue;
    const bool val = entry.path().filename().string().find("val") != std::string::npos;
    if (val == validation) files.push_back(entry.path());
  }
  // `sluice tokenize` writes DIR/train/*.tok and DIR/val/*.tok.
  const auto split = dir / (validation ? "val" : "train");
  if (std::filesystem::is_directory(split)) {
    for (const auto& entry : std::filesystem::directory_iterator(split)) {
      if (entry.is_regular_file() && is_token_file(entry.path())) files.push_back(entry.path());
    }
  }
  std::sort(files.begin(), files.end());
  return files;
}

WindowLoader::WindowLoader(std::vector<std::filesystem::path> files, std::int64_t seq_len, std::uint64_t seed, bool shuffle,
                           double first_fraction, double last_fraction, bool doc_ids, std::int64_t eos_token)
    : files_(std::move(files)), seq_len_(seq_len), seed_(seed), shuffle_(shuffle), doc_ids_(doc_ids), eos_token_(eos_token) {
  std::uint64_t total = 0;
  for (const auto& file : files_) {
    auto shard = open_token_shard(file);
    if (shard->vocab_size() != 0) {
      if (vocab_size_ != 0 && vocab_size_ != shard->vocab_size()) {
        throw Error(file.string() + ": vocab size " + std::to_string(shard->vocab_size()) + " differs from the other shards' " + std::to_string(vocab_size_));
      }
      vocab_size_ = shard->vocab_size();
    }
    first_window_.push_back(total);
    const std::uint64_t n = shard->num_tokens();
    total += n > static_cast<std::uint64_t>(seq_len) ? (n - 1) / static_cast<std::uint64_t>(seq_len) : 0;
    shards_.push_back(std::move(shard));
  }
  base_ = static_cast<std::uint64_t>(first_fraction * static_cast<double>(total));
  const auto last = static_cast<std::uint64_t>(last_fraction * static_cast<double>(total));
  windows_ = last > base_ ? last - base_ : 0;
  if (windows_ > 0xFFFFFFFFull) throw Error("more than 2^32 training windows: split the data directory");
}

std::uint64_t WindowLoader::window_at(std::uint64_t epoch, std::uint64_t position) const {
  if (!shuffle_) return base_ + position;
  if (cached_epoch_ != epoch) {
    order_.resize(windows_);
    for (std::uint64_t i = 0; i < windows_; ++i) order_[i] = static_cast<std::uint32_t>(i);
    std::uint64_t state = seed_ * 0x2545F4914F6CDD1Dull + epoch;
    for (std::uint64_t i = windows_; i > 1; --i) std::swap(order_[i - 1], order_[splitmix(state) % i]);
    cached_epoch_ = epoch;
  }
  return base_ + order_[position];
}

void WindowLoader::fill_window(std::uint64_t window, std::int64_t row, Batch& out) const {
  const auto it = std::upper_bound(first_window_.begin(), first_window_.end(), window) - 1;
  const auto shard_index = static_cast<std::size_t>(it - first_window_.begin());
  const TokenShard& shard = *shards_[shard_index];
  const std::uint64_t begin = (window - *it) * static_cast<std::uint64_t>(seq_len_);
  std::vector<std::uint32_t> tokens;
  shard.read(begin, begin + static_cast<std::uint64_t>(seq_len_) + 1, tokens);
  const auto offset = static_cast<std::size_t>(row * seq_len_);
  for (std::int64_t t = 0; t < seq_len_; ++t) {
    const auto i = static_cast<std::size_t>(t);
    if (vocab_size_ != 0 && tokens[i + 1] >= vocab_size_) throw Error(files_[shard_index].string() + ": token id out of range");
    out.inputs[offset + i] = tokens[i];
    out.targets[offset + i] = tokens[i + 1];
  }
  if (!doc_ids_) return;
  // Document index of each input position: from the shard's index, or counted at EOS tokens.
  const auto& starts = shard.document_starts();
  std::int32_t doc = 0;
  for (std::int64_t t = 0; t < seq_len_; ++t) {
    const auto i = static_cast<std::size_t>(t);
    if (!starts.empty()) {
      doc = static_cast<std::int32_t>(std::upper_bound(starts.begin(), starts.end(), begin + i) - starts.begin());
    } else if (t > 0 && static_cast<std::int64_t>(tokens[i - 1]) == eos_token_) {
      ++doc;
    }
    out.doc_ids[offset + i] = doc;
  }
}

void WindowLoader::next(DataCursor& cursor, std::int64_t batch, std::int64_t first, std::int64_t rows, Batch& out) const {
  if (windows_ == 0) throw Error("no training windows: the shards hold fewer than seq_len + 1 tokens");
  out.batch = rows;
  out.seq_len = seq_len_;
  const auto cells = static_cast<std::size_t>(rows * seq_len_);
  out.inputs.resize(cells);
  out.targets.resize(cells);
  out.doc_ids.resize(doc_ids_ ? cells : 0);
  for (std::int64_t row = 0; row < batch; ++row) {
    if (cursor.position >= windows_) {
      ++cursor.epoch;
      cursor.position = 0;
    }
    if (row >= first && row < first + rows) fill_window(window_at(cursor.epoch, cursor.position), row - first, out);
    ++cursor.position;
  }
}

}  // namespace sluice::finetune
