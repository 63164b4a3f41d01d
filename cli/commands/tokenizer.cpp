// sluice tokenizer train|encode|decode: make a byte-level BPE tokenizer and apply it to text.
#include <chrono>
#include <iostream>
#include <iterator>

#include "../command.h"
#include "sluice/core/error.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"
#include "sluice/tokenize/tokenizer.h"
#include "sluice/tokenize/trainer.h"

namespace sluice::cli {
namespace {

using tokenize::Encoder;
using tokenize::Tokenizer;

struct TokenizerOptions {
  // encode / decode
  std::string tokenizer;
  std::string pattern;
  bool allow_special = false;
  bool count = false;
  // train
  std::vector<std::string> inputs;
  std::string out;
  tokenize::TrainOptions train;
  std::vector<std::string> extra_specials;
  bool no_default_specials = false;
  bool json = false;
};

std::string read_stdin() {
  std::ios::sync_with_stdio(false);
  return std::string(std::istreambuf_iterator<char>(std::cin), std::istreambuf_iterator<char>());
}

int run_encode(const TokenizerOptions& options) {
  const Tokenizer tokenizer = Tokenizer::load(options.tokenizer, options.pattern);
  const std::string text = read_stdin();
  Encoder encoder(tokenizer);
  const auto start = std::chrono::steady_clock::now();
  const auto ids = encoder.encode(text, options.allow_special);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.count) {
    if (options.json) {
      JsonWriter json;
      json.begin_object().field("tokens", static_cast<std::uint64_t>(ids.size()));
      json.field("bytes", static_cast<std::uint64_t>(text.size())).field("encode_seconds", seconds);
      json.field("tokenizer_hash", tokenizer.hash()).end_object();
      std::cout << json.str() << "\n";
    } else {
      std::cout << ids.size() << "\n";
    }
    return 0;
  }
  std::string out;
  out.reserve(ids.size() * 6 + 2);
  if (options.json) out.push_back('[');
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if (i > 0) out.push_back(options.json ? ',' : ' ');
    out += std::to_string(ids[i]);
  }
  if (options.json) out.push_back(']');
  out.push_back('\n');
  std::cout << out;
  return 0;
}

int run_decode(const TokenizerOptions& options) {
  const Tokenizer tokenizer = Tokenizer::load(options.tokenizer, options.pattern);
  const std::string text = read_stdin();
  std::vector<std::uint32_t> ids;
  std::uint64_t value = 0;
  bool in_number = false;
  for (const char ch : text) {
    if (ch >= '0' && ch <= '9') {
      value = value * 10 + static_cast<std::uint64_t>(ch - '0');
      if (value > 0xFFFFFFFFu) throw Error("stdin: id too large");
      in_number = true;
    } else if (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r' || ch == ',' || ch == '[' || ch == ']') {
      if (in_number) ids.push_back(static_cast<std::uint32_t>(value));
      value = 0;
      in_number = false;
    } else {
      throw Error(std::string("stdin: unexpected character '") + ch + "' (expected ids separated by spaces, or a JSON array)");
    }
  }
  if (in_number) ids.push_back(static_cast<std::uint32_t>(value));
  std::cout << tokenizer.decode(ids);
  std::cout.flush();
  return 0;
}

int run_train(TokenizerOptions options) {
  std::vector<std::filesystem::path> files;
  for (const auto& input : options.inputs) {
    for (auto& file : list_document_files(input)) files.push_back(std::move(file));
  }
  if (options.no_default_specials) options.train.specials.clear();
  for (const auto& s : options.extra_specials) options.train.specials.push_back(s);
  tokenize::TrainStats stats;
  const auto start = std::chrono::steady_clock::now();
  const Tokenizer tokenizer = tokenize::train_from_documents(files, options.train, &stats);
  tokenizer.save_hf_json(options.out);
  const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
  if (options.json) {
    JsonWriter json(true);
    json.begin_object().field("out", options.out).field("vocab_size", tokenizer.vocab_size());
    json.field("merges", stats.merges).field("documents", stats.documents).field("bytes", stats.bytes);
    json.field("distinct_pretokens", stats.distinct_pretokens).field("count_seconds", stats.count_seconds);
    json.field("merge_seconds", stats.merge_seconds).field("seconds", seconds).field("hash", tokenizer.hash()).end_object();
    std::cout << json.str() << "\n";
  } else {
    std::cerr << "tokenizer train: " << stats.documents << " documents, " << stats.bytes << " bytes, "
              << stats.distinct_pretokens << " distinct pre-tokens, " << stats.merges << " merges, vocab "
              << tokenizer.vocab_size() << " -> " << options.out << " (" << seconds << " s)\n";
  }
  return 0;
}

int run_convert(const TokenizerOptions& options) {
  const Tokenizer tokenizer = Tokenizer::load(options.tokenizer, options.pattern);
  tokenizer.save_hf_json(options.out);
  std::cerr << "tokenizer convert: " << options.tokenizer << " -> " << options.out << " (vocab " << tokenizer.vocab_size()
            << ")\n";
  return 0;
}

const bool registered = register_command({
    "tokenizer", "Train a byte-level BPE tokenizer, or encode / decode text with one", 400,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<TokenizerOptions>();
      app.require_subcommand(1, 1);
      const std::string file_help =
          "Tokenizer: a tokenizer.json, a .tiktoken rank file, or a directory with encoder.json + vocab.bpe (GPT-2)";
      const std::string pattern_help = "Pre-tokenizer of a .tiktoken file: gpt2, cl100k (default) or o200k";

      CLI::App* encode = app.add_subcommand("encode", "Read text on stdin, print its token ids (space-separated)");
      encode->add_option("--tokenizer", options->tokenizer, file_help)->required();
      encode->add_option("--pattern", options->pattern, pattern_help);
      encode->add_flag("--allow-special", options->allow_special,
                       "Turn special-token text (e.g. <|endoftext|>) into its id; by default it is ordinary text");
      encode->add_flag("--json", options->json, "Print a JSON array (with --count: tokens, bytes and encode time)");
      encode->add_flag("--count", options->count, "Print only the number of tokens");

      CLI::App* decode = app.add_subcommand("decode", "Read token ids on stdin (spaces or a JSON array), print the text");
      decode->add_option("--tokenizer", options->tokenizer, file_help)->required();
      decode->add_option("--pattern", options->pattern, pattern_help);

      CLI::App* train = app.add_subcommand("train", "Train a byte-level BPE tokenizer on document shards; writes tokenizer.json");
      train->add_option("--in", options->inputs, "Document files or directories (repeatable)")->required();
      train->add_option("--out", options->out, "Output tokenizer.json")->required();
      train->add_option("--vocab-size", options->train.vocab_size,
                        "Vocabulary size, counting the 256 bytes and the special tokens")->default_val(32768);
      train->add_option("--pattern", options->train.pattern, "Pre-tokenizer: gpt2, cl100k, o200k, or a regex")
          ->default_val("cl100k");
      train->add_option("--special", options->extra_specials,
                        "Extra special token (repeatable); <|endoftext|> and the FIM sentinels <fim_prefix> "
                        "<fim_middle> <fim_suffix> <fim_pad> are added unless --no-default-specials");
      train->add_flag("--no-default-specials", options->no_default_specials, "Do not add the default special tokens");
      train->add_option("--max-document-bytes", options->train.max_document_bytes,
                        "Use at most this many bytes of each document (0 = all)")->default_val(0);
      train->add_option("--sample", options->train.sample, "Fraction of documents to use, chosen by a hash of the id")
          ->default_val(1.0)->check(CLI::Range(0.0, 1.0));
      train->add_option("--min-frequency", options->train.min_frequency, "Stop when the best pair occurs fewer times")
          ->default_val(2);
      add_threads_option(*train, options->train.threads);
      add_json_flag(*train, options->json);

      CLI::App* convert = app.add_subcommand("convert", "Write any tokenizer sluice reads as a Hugging Face tokenizer.json");
      convert->add_option("--tokenizer", options->tokenizer, file_help)->required();
      convert->add_option("--pattern", options->pattern, pattern_help);
      convert->add_option("--out", options->out, "Output tokenizer.json")->required();

      return [options, encode, decode, train, convert] {
        if (convert->parsed()) return run_convert(*options);
        if (encode->parsed()) return run_encode(*options);
        if (decode->parsed()) return run_decode(*options);
        if (train->parsed()) return run_train(*options);
        return 1;
      };
    }});

}  // namespace
}  // namespace sluice::cli
