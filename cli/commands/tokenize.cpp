// sluice tokenize: document shards -> train / val token shards (.tok) for training.
#include <iostream>

#include "../command.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"
#include "sluice/tokenize/corpus.h"

namespace sluice::cli {
namespace {

struct TokenizeCommandOptions {
  std::vector<std::string> inputs;
  std::string tokenizer;
  std::string pattern;
  tokenize::CorpusOptions corpus;
  std::string out;
  bool json = false;
};

void print_split(JsonWriter& json, const char* name, const tokenize::SplitReport& split) {
  json.key(name).begin_object().field("documents", split.documents).field("tokens", split.tokens);
  json.field("file_bytes", split.file_bytes).key("shards").begin_array();
  for (const auto& shard : split.shards) json.value(shard);
  json.end_array().end_object();
}

int run_tokenize(TokenizeCommandOptions options) {
  std::vector<std::filesystem::path> files;
  for (const auto& input : options.inputs) {
    for (auto& file : list_document_files(input)) files.push_back(std::move(file));
  }
  const tokenize::Tokenizer tokenizer = tokenize::Tokenizer::load(options.tokenizer, options.pattern);
  options.corpus.out = options.out;
  const tokenize::CorpusReport report = tokenize::tokenize_corpus(files, tokenizer, options.corpus);
  if (options.json) {
    JsonWriter json(true);
    json.begin_object().field("out", options.out).field("tokenizer_hash", tokenizer.hash());
    json.field("vocab_size", tokenizer.vocab_size()).field("documents", report.documents);
    json.field("text_bytes", report.text_bytes).field("fim_rate", report.fim_rate);
    json.field("fim_documents", report.fim_documents).field("reused", report.reused).field("seconds", report.seconds);
    print_split(json, "train", report.train);
    print_split(json, "val", report.val);
    json.end_object();
    std::cout << json.str() << "\n";
  } else if (report.reused) {
    std::cerr << "tokenize: " << options.out << " is already complete for these inputs and options; nothing to do\n";
  } else {
    std::cerr << "tokenize: " << report.documents << " documents -> train " << report.train.tokens << " tokens in "
              << report.train.shards.size() << " shards, val " << report.val.tokens << " tokens; " << report.fim_documents
              << " with FIM (" << report.seconds << " s)\n";
  }
  return 0;
}

const bool registered = register_command({
    "tokenize", "Turn document shards into train / val token shards (.tok) with EOS, FIM and a seeded shuffle", 410,
    [](CLI::App& app) -> RunFunction {
      auto options = std::make_shared<TokenizeCommandOptions>();
      app.add_option("--in", options->inputs, "Document files or directories (repeatable)")->required();
      app.add_option("--tokenizer", options->tokenizer,
                     "tokenizer.json, .tiktoken file, or directory with encoder.json + vocab.bpe")->required();
      app.add_option("--pattern", options->pattern, "Pre-tokenizer of a .tiktoken file: gpt2, cl100k or o200k");
      app.add_option("--out", options->out, "Output directory: train/part-NNNNN.tok, val/part-NNNNN.tok, manifest.json")
          ->required();
      app.add_option("--fim-rate", options->corpus.fim_rate,
                     "Share of documents rearranged for fill-in-the-middle (default 0.5 when the tokenizer has the "
                     "FIM sentinels, else 0)")
          ->check(CLI::Range(0.0, 1.0));
      app.add_option("--fim-spm-rate", options->corpus.fim_spm_rate, "Share of FIM documents in SPM order (else PSM)")
          ->default_val(0.5)->check(CLI::Range(0.0, 1.0));
      app.add_option("--val-fraction", options->corpus.val_fraction,
                     "Share of documents for validation, chosen by a hash of the id (same split for every seed)")
          ->default_val(0.01)->check(CLI::Range(0.0, 1.0));
      app.add_option("--seed", options->corpus.seed, "Seed of the document shuffle and of FIM")->default_val(1234);
      app.add_option("--eos", options->corpus.eos, "Special token appended to every document")->default_val("<|endoftext|>");
      app.add_option("--shard-tokens", options->corpus.shard_tokens, "Tokens per output shard (about)")
          ->default_val(100000000);
      app.add_option("--frame-tokens", options->corpus.shard.frame_tokens, "Tokens per compressed frame in the shards")
          ->default_val(options->corpus.shard.frame_tokens);
      app.add_option("--level", options->corpus.shard.zstd_level, "zstd level of the frames")
          ->default_val(options->corpus.shard.zstd_level)->check(CLI::Range(1, 22));
      app.add_option("--byte-planes", options->corpus.shard.byte_planes,
                     "Store each byte of the ids as its own plane inside a frame (plain ids compress better on code)")
          ->default_val(options->corpus.shard.byte_planes);
      add_threads_option(app, options->corpus.threads);
      add_json_flag(app, options->json);
      return [options] { return run_tokenize(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
