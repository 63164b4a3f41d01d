// Tokenizer tables and the encoder: pre-tokenize, look whole pieces up, BPE the rest, with a
// per-thread cache of recent pieces (code repeats its identifiers and indentation endlessly).
#include <algorithm>
#include <unordered_map>

#include "model.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"

namespace sluice::tokenize {

void TokenizerModel::finalize(const std::string& name_for_errors) {
  std::fill(std::begin(byte_ids), std::end(byte_ids), kNoId);
  table = ByteTable();
  table.reserve(tokens.size());
  is_special.assign(tokens.size(), false);
  for (const SpecialToken& s : specials) {
    if (s.id >= tokens.size()) {
      tokens.resize(s.id + 1);
      ranks.resize(s.id + 1, kNoRank);
      is_special.resize(s.id + 1, false);
    }
    tokens[s.id] = s.text;
    is_special[s.id] = true;
  }
  ranks.resize(tokens.size(), kNoRank);
  // Lower ranks first, so a byte string reached twice keeps its lowest rank.
  std::vector<std::uint32_t> order;
  order.reserve(tokens.size());
  for (std::uint32_t id = 0; id < tokens.size(); ++id) {
    if (!is_special[id] && !tokens[id].empty()) order.push_back(id);
  }
  std::stable_sort(order.begin(), order.end(), [&](std::uint32_t a, std::uint32_t b) { return ranks[a] < ranks[b]; });
  for (const std::uint32_t id : order) {
    table.insert(tokens[id], ranks[id], id);
    if (tokens[id].size() == 1) {
      const auto b = static_cast<unsigned char>(tokens[id][0]);
      if (byte_ids[b] == kNoId) byte_ids[b] = id;
    }
  }
  for (int b = 0; b < 256; ++b) {
    if (byte_ids[b] == kNoId) {
      throw Error(name_for_errors + ": the vocabulary has no token for byte " + std::to_string(b) +
                  " (a byte-level BPE needs all 256)");
    }
  }
  std::sort(specials.begin(), specials.end(), [](const SpecialToken& a, const SpecialToken& b) {
    return a.text.size() != b.text.size() ? a.text.size() > b.text.size() : a.text < b.text;
  });
  StreamingHash h;
  const std::string& regex = pre_tokenizer.regex();
  h.update(regex.data(), regex.size());
  const std::uint8_t flag = ignore_merges ? 1 : 0;
  h.update(&flag, 1);
  for (std::uint32_t id = 0; id < tokens.size(); ++id) {
    const std::uint32_t meta[3] = {id, ranks[id], static_cast<std::uint32_t>(is_special[id] ? 1 : 0)};
    const auto size = static_cast<std::uint32_t>(tokens[id].size());
    h.update(meta, sizeof meta);
    h.update(&size, sizeof size);
    h.update(tokens[id].data(), tokens[id].size());
  }
  hash = h.digest().hex();
}

std::pair<std::uint32_t, std::uint32_t> TokenizerModel::merge_of(std::uint32_t id) const {
  const std::string& bytes = tokens[id];
  std::vector<std::uint32_t> bounds;
  bpe_bounds(table, bytes, ranks[id], bounds);
  if (bounds.size() != 3) {
    throw Error("token " + std::to_string(id) + " is not the merge of two lower-ranked tokens; cannot write its merge");
  }
  const ByteTable::Entry* left = table.find(std::string_view(bytes).substr(0, bounds[1]));
  const ByteTable::Entry* right = table.find(std::string_view(bytes).substr(bounds[1]));
  return {left->id, right->id};
}

Tokenizer::Tokenizer(std::shared_ptr<TokenizerModel> model) : model_(std::move(model)) {}
Tokenizer Tokenizer::from_model(std::shared_ptr<TokenizerModel> model) { return Tokenizer(std::move(model)); }

std::uint32_t Tokenizer::vocab_size() const { return static_cast<std::uint32_t>(model_->tokens.size()); }
const PreTokenizer& Tokenizer::pre_tokenizer() const { return model_->pre_tokenizer; }
const std::vector<SpecialToken>& Tokenizer::special_tokens() const { return model_->specials; }
const std::string& Tokenizer::hash() const { return model_->hash; }

std::optional<std::uint32_t> Tokenizer::special_id(std::string_view text) const {
  for (const SpecialToken& s : model_->specials) {
    if (s.text == text) return s.id;
  }
  return std::nullopt;
}

std::optional<std::uint32_t> Tokenizer::token_id(std::string_view bytes) const {
  const ByteTable::Entry* e = model_->table.find(bytes);
  if (e == nullptr) return std::nullopt;
  return e->id;
}

std::string_view Tokenizer::token_bytes(std::uint32_t id) const {
  if (id >= model_->tokens.size() || (model_->tokens[id].empty())) {
    throw Error("token id " + std::to_string(id) + " is not in the vocabulary (size " + std::to_string(vocab_size()) + ")");
  }
  return model_->tokens[id];
}

std::string Tokenizer::decode(std::span<const std::uint32_t> ids) const {
  std::string out;
  for (const std::uint32_t id : ids) out.append(token_bytes(id));
  return out;
}

std::uint32_t Tokenizer::add_special_token(const std::string& text) {
  if (const auto id = special_id(text)) return *id;
  if (text.empty()) throw Error("a special token cannot be empty");
  auto copy = std::make_shared<TokenizerModel>(*model_);
  const auto id = static_cast<std::uint32_t>(copy->tokens.size());
  copy->specials.push_back({text, id});
  copy->finalize("special token " + text);
  model_ = std::move(copy);
  return id;
}

// ---------------------------------------------------------------------------------------------
// Encoder

namespace {

struct PieceHash {
  using is_transparent = void;
  std::size_t operator()(std::string_view s) const { return static_cast<std::size_t>(XXH3_64bits(s.data(), s.size())); }
};

constexpr std::size_t kCacheMaxPiece = 128;     // longer pieces are rare and not worth keeping
constexpr std::size_t kCacheMaxEntries = 1 << 18;

}  // namespace

struct Encoder::Impl {
  const TokenizerModel& model;
  std::shared_ptr<const TokenizerModel> keep;
  // piece -> (offset, count) into cached_ids
  std::unordered_map<std::string, std::pair<std::uint32_t, std::uint32_t>, PieceHash, std::equal_to<>> cache;
  std::vector<std::uint32_t> cached_ids;
  std::vector<std::uint32_t> bounds;

  void encode_piece(std::string_view piece, std::vector<std::uint32_t>& out) {
    if (piece.size() == 1) {
      out.push_back(model.byte_ids[static_cast<unsigned char>(piece[0])]);
      return;
    }
    if (model.ignore_merges) {
      if (const ByteTable::Entry* e = model.table.find(piece)) {
        out.push_back(e->id);
        return;
      }
    }
    const bool cacheable = piece.size() <= kCacheMaxPiece;
    if (cacheable) {
      const auto it = cache.find(piece);
      if (it != cache.end()) {
        out.insert(out.end(), cached_ids.begin() + it->second.first,
                   cached_ids.begin() + it->second.first + it->second.second);
        return;
      }
    }
    bpe_bounds(model.table, piece, kNoRank, bounds);
    const std::size_t first = out.size();
    for (std::size_t i = 0; i + 1 < bounds.size(); ++i) {
      const std::string_view part = piece.substr(bounds[i], bounds[i + 1] - bounds[i]);
      const ByteTable::Entry* e = model.table.find(part);
      out.push_back(e != nullptr ? e->id : model.byte_ids[static_cast<unsigned char>(part[0])]);
    }
    if (cacheable) {
      if (cache.size() >= kCacheMaxEntries) {
        cache.clear();
        cached_ids.clear();
      }
      const auto count = static_cast<std::uint32_t>(out.size() - first);
      cache.emplace(std::string(piece), std::make_pair(static_cast<std::uint32_t>(cached_ids.size()), count));
      cached_ids.insert(cached_ids.end(), out.begin() + static_cast<std::ptrdiff_t>(first), out.end());
    }
  }

  void encode_ordinary(std::string_view text, std::vector<std::uint32_t>& out) {
    model.pre_tokenizer.split(text, [&](std::string_view piece) { encode_piece(piece, out); });
  }

  // The earliest special token in text[from..): (position, special) or npos.
  std::pair<std::size_t, const SpecialToken*> find_special(std::string_view text, std::size_t from) const {
    std::size_t best = std::string_view::npos;
    const SpecialToken* which = nullptr;
    for (const SpecialToken& s : model.specials) {  // longest first: ties go to the longest
      const std::size_t at = text.find(s.text, from);
      if (at < best) {
        best = at;
        which = &s;
      }
    }
    return {best, which};
  }
};

Encoder::Encoder(const Tokenizer& tokenizer) : impl_(new Impl{*tokenizer.model_, tokenizer.model_, {}, {}, {}}) {}
Encoder::~Encoder() = default;

void Encoder::encode(std::string_view text, std::vector<std::uint32_t>& out, bool allow_special) {
  if (!allow_special || impl_->model.specials.empty()) {
    impl_->encode_ordinary(text, out);
    return;
  }
  std::size_t pos = 0;
  while (pos < text.size()) {
    const auto [at, special] = impl_->find_special(text, pos);
    if (special == nullptr) {
      impl_->encode_ordinary(text.substr(pos), out);
      break;
    }
    impl_->encode_ordinary(text.substr(pos, at - pos), out);
    out.push_back(special->id);
    pos = at + special->text.size();
  }
}

std::vector<std::uint32_t> Encoder::encode(std::string_view text, bool allow_special) {
  std::vector<std::uint32_t> out;
  encode(text, out, allow_special);
  return out;
}

}  // namespace sluice::tokenize
