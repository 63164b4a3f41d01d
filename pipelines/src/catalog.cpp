// The stage catalogue: each entry mirrors the command-line contract of one subcommand (the stage
// issues fix those contracts; the options here use their flag names with '_' for '-').
#include "sluice/pipelines/catalog.h"

namespace sluice::pipelines {
namespace {

using T = ValueType;

OptionSpec opt(std::string key, ValueType type, bool required = false) {
  OptionSpec spec{std::move(key), type, "", required, {}};
  spec.flag = "--";
  for (const char c : spec.key) spec.flag += c == '_' ? '-' : c;
  return spec;
}

OptionSpec threads() { return opt("threads", T::kInt); }

std::vector<OptionSpec> training_options() {
  return {opt("steps", T::kInt),       opt("batch_size", T::kInt), opt("grad_accum", T::kInt),
          opt("seq_len", T::kInt),     opt("lr", T::kNumber),      opt("seed", T::kInt),
          opt("threads", T::kInt),     opt("eval_every", T::kInt), opt("save_every", T::kInt)};
}

std::vector<StageSpec> build_catalog() {
  std::vector<StageSpec> stages;

  StageSpec ingest{"ingest", {"ingest"}, Split::kSources, false, "", "--out", "", true, false, {}, "", ""};
  ingest.summary = "clone repositories and read documentation into document shards";
  OptionSpec sources = opt("sources", T::kPathList);
  sources.flag.clear();  // positional URL|PATH arguments
  ingest.options = {sources, opt("repos", T::kPath), opt("docs", T::kPathList), opt("cache", T::kPath),
                    opt("max_bytes", T::kInt), threads()};
  stages.push_back(ingest);

  StageSpec dedup{"dedup", {"dedup"}, Split::kNone, false, "--in", "--out", "", true, false, {}, "", ""};
  dedup.summary = "exact and near-duplicate removal over the whole shard set";
  OptionSpec mode = opt("mode", T::kChoice);
  mode.choices = {"exact", "near", "both"};
  dedup.options = {mode, opt("threshold", T::kNumber), opt("verify", T::kBool), opt("against", T::kPath), threads()};
  stages.push_back(dedup);

  StageSpec filter{"filter", {"filter"}, Split::kShards, false, "--in", "--out", "", true, false, {}, "", ""};
  filter.summary = "license policy, quality rules, redaction, decontamination";
  filter.options = {opt("allow", T::kStringList), opt("deny", T::kStringList), opt("keep_unlicensed", T::kBool),
                    opt("rules", T::kPath), opt("decontaminate", T::kPathList), threads()};
  stages.push_back(filter);

  StageSpec train_tokenizer{"tokenizer train", {"tokenizer", "train"}, Split::kNone, false, "--in", "--out",
                            "tokenizer.json", false, false, {}, "", ""};
  train_tokenizer.summary = "train a byte-level BPE tokenizer on the documents";
  train_tokenizer.options = {opt("vocab_size", T::kInt, true)};
  stages.push_back(train_tokenizer);

  StageSpec tokenize{"tokenize", {"tokenize"}, Split::kNone, false, "--in", "--out", "", false, false, {}, "", ""};
  tokenize.summary = "documents into token shards (train/validation split, FIM, shuffle)";
  tokenize.options = {opt("tokenizer", T::kStageRef, true), opt("fim_rate", T::kNumber),
                      opt("val_fraction", T::kNumber), opt("seed", T::kInt)};
  stages.push_back(tokenize);

  StageSpec pretrain{"pretrain", {"pretrain"}, Split::kNone, true, "--data", "--out", "", false, true, {}, "", ""};
  pretrain.summary = "train a model from random initialisation on token shards";
  OptionSpec model = opt("model", T::kMap, true);
  model.flag = "--config";
  pretrain.options = {model};
  for (auto& option : training_options()) pretrain.options.push_back(option);
  stages.push_back(pretrain);

  StageSpec finetune{"finetune", {"finetune"}, Split::kNone, true, "--data", "--out", "", false, true, {}, "", ""};
  finetune.summary = "continue training a checkpoint on token shards";
  finetune.options = {opt("init", T::kStageRef, true)};
  for (auto& option : training_options()) finetune.options.push_back(option);
  stages.push_back(finetune);

  // One `sluice eval --ckpt C --data IN --json` per checkpoint; each summary lands in out/.
  StageSpec eval{"eval", {"eval"}, Split::kNone, false, "--data", "", "", true, false, {}, "", ""};
  eval.summary = "held-out loss of checkpoints on token shards";
  OptionSpec checkpoints = opt("checkpoints", T::kStageRefList, true);
  checkpoints.flag = "--ckpt";
  eval.options = {checkpoints};
  stages.push_back(eval);

  // One `sluice eval-code --ckpt C --tasks FILE --json` per checkpoint: pass@k of the code it
  // writes, run in the sandbox; samples and results land in out/<checkpoint>/, summaries in out/.
  StageSpec eval_code{"eval-code", {"eval-code"}, Split::kNone, false, "", "", "", true, false, {}, "", ""};
  eval_code.summary = "pass@k of the code checkpoints write, tests run in a sandbox";
  eval_code.per_item_out_flag = "--out";
  OptionSpec ks = opt("k", T::kStringList);
  OptionSpec problems = opt("problems", T::kPath, true);  // `tasks` is the number of parallel tasks
  problems.flag = "--tasks";
  eval_code.options = {checkpoints, problems, opt("tokenizer", T::kStageRef), opt("n", T::kInt), ks,
                       opt("temperature", T::kNumber), opt("max_new_tokens", T::kInt), opt("timeout", T::kNumber),
                       opt("workers", T::kInt), opt("seed", T::kInt)};
  stages.push_back(eval_code);

  StageSpec convert{"convert", {"convert"}, Split::kShards, false, "--in", "--out", "", true, false, {}, "", ""};
  convert.summary = "validate JSONL/.gz/.zst documents into a shard set";
  convert.options = {opt("level", T::kInt), threads()};
  stages.push_back(convert);

  StageSpec select{"select", {"select"}, Split::kShards, false, "--in", "--out", "", true, false, {}, "", ""};
  select.summary = "keep the documents that match KEY=VALUE terms, optionally a seeded sample";
  select.options = {opt("where", T::kStringList), opt("sample", T::kNumber), opt("seed", T::kInt), threads()};
  stages.push_back(select);
  return stages;
}

}  // namespace

const char* type_name(ValueType type) {
  switch (type) {
    case T::kString: return "a string";
    case T::kPath: return "a path";
    case T::kInt: return "an integer";
    case T::kNumber: return "a number";
    case T::kBool: return "true or false";
    case T::kStringList: return "a list of strings";
    case T::kPathList: return "a list of paths";
    case T::kMap: return "a mapping";
    case T::kStageRef: return "a stage name or a path";
    case T::kStageRefList: return "a list of stage names or paths";
    case T::kChoice: return "one of the listed values";
  }
  return "a value";
}

const OptionSpec* StageSpec::find(const std::string& key) const {
  for (const auto& option : options) {
    if (option.key == key) return &option;
  }
  return nullptr;
}

bool StageSpec::writes_documents() const { return out_file.empty() && !training && !out_flag.empty() && name != "tokenize"; }

const std::vector<StageSpec>& stage_catalog() {
  static const std::vector<StageSpec> catalog = build_catalog();
  return catalog;
}

const StageSpec* find_stage(const std::string& name) {
  for (const auto& stage : stage_catalog()) {
    if (stage.name == name) return &stage;
  }
  return nullptr;
}

}  // namespace sluice::pipelines
