#include "sluice/finetune/text.h"

#include "sluice/tokenize/tokenizer.h"

namespace sluice::finetune {

struct TextCodec::Impl {
  explicit Impl(const std::filesystem::path& path) : tokenizer(tokenize::Tokenizer::load(path)), encoder(tokenizer) {}
  tokenize::Tokenizer tokenizer;
  mutable tokenize::Encoder encoder;
};

TextCodec::TextCodec(const std::filesystem::path& tokenizer) : impl_(std::make_unique<Impl>(tokenizer)) {}
TextCodec::~TextCodec() = default;

std::vector<std::uint32_t> TextCodec::encode(const std::string& text) const { return impl_->encoder.encode(text); }

std::string TextCodec::decode(const std::vector<std::uint32_t>& tokens) const { return impl_->tokenizer.decode(tokens); }

}  // namespace sluice::finetune
