#pragma once
// The training loop shared by `sluice pretrain` and `sluice finetune`, evaluation and sampling.
// Torch-free: the CLI includes this header only.
#include <cstdint>
#include <filesystem>
#include <optional>
#include <string>
#include <vector>

namespace sluice::finetune {

struct TrainOptions {
  std::filesystem::path config;    // pretrain: model.json (GPT-2 config.json fields)
  std::filesystem::path init;      // finetune: checkpoint directory to start from
  std::filesystem::path data;      // token shards (training: files without "val" in the name)
  std::filesystem::path val_data;  // validation shards; default: DATA/val/ or DATA/*val*, else 5% held out
  std::filesystem::path out;
  std::filesystem::path tokenizer;  // tokenizer.json for bits per byte; default: DATA/ or INIT/ tokenizer.json
  std::int64_t steps = 1000;
  std::int64_t batch_size = 8;
  std::int64_t grad_accum = 1;
  std::int64_t seq_len = 256;
  double lr = 6e-4;
  double min_lr_ratio = 0.1;
  std::int64_t warmup = -1;  // -1: 5% of steps
  double weight_decay = 0.1;
  double beta1 = 0.9, beta2 = 0.95, eps = 1e-8;
  double grad_clip = 1.0;  // 0 disables
  std::uint64_t seed = 1337;
  unsigned threads = 0;  // 0: chosen by sluice
  std::int64_t eval_every = 0;  // 0: steps / 10 (at least 1 evaluation at the end)
  std::int64_t eval_batches = 8;
  std::int64_t save_every = 0;  // 0: only at the end (and on a signal)
  std::int64_t patience = 0;    // evaluations without improvement before stopping; 0: never
  std::string precision = "fp32";  // fp32 | bf16 (autocast on the CPU or CUDA)
  std::string device = "auto";     // auto | cpu | cuda (sluice/finetune/device.h)
  bool doc_mask = false;  // block-diagonal attention between packed documents
  bool resume = false;
  std::int64_t stop_after = 0;  // stop as if interrupted after this step (tests of resume)
  // Data-parallel runs (docs/distributed.md): the rank comes from the launcher's environment.
  double dist_timeout = 300;  // seconds a collective may wait for the other ranks
  std::string fault;          // tests: RANK:STEP:kill|hang (see inject_fault)
  // LoRA: adapters of this rank on the target layers, only they train (0: full fine-tuning).
  std::int64_t lora_rank = 0;
  double lora_alpha = 16;
  std::vector<std::string> lora_targets = {"c_attn", "c_proj", "c_fc"};  // every Linear of GPT-2
  bool merge_lora = false;  // at the end, also write OUT/merged/: a plain model with merged weights
};

struct TrainSummary {
  std::int64_t start_step = 0, steps_done = 0;
  double last_loss = 0, best_val_loss = 0, last_val_loss = 0;
  bool has_val = false;
  double tokens_per_s = 0;
  double seconds = 0;
  std::uint64_t peak_rss_bytes = 0;
  std::int64_t parameters = 0, trainable_parameters = 0;
  unsigned threads = 0;
  std::string device = "cpu";          // where the run computed
  std::uint64_t peak_device_bytes = 0;  // on a GPU: the allocator's peak (0 on the CPU)
  bool interrupted = false, early_stopped = false, resumed = false;
  int rank = 0, world_size = 1;   // data-parallel: only rank 0 reports
  double allreduce_seconds = 0;   // time spent averaging gradients over the ranks
};

TrainSummary train(const TrainOptions& options);

struct EvalOptions {
  std::filesystem::path checkpoint, data, tokenizer;
  std::int64_t seq_len = 0;  // 0: n_positions
  std::int64_t batch_size = 8;
  std::int64_t max_batches = 0;  // 0: every window
  unsigned threads = 0;
  std::string precision = "fp32";
  std::string device = "auto";
};
struct EvalResult {
  double loss = 0, perplexity = 0;
  std::optional<double> bits_per_byte;
  std::uint64_t tokens = 0;
};
EvalResult evaluate(const EvalOptions& options);

struct GenerateOptions {
  std::filesystem::path checkpoint;
  std::vector<std::uint32_t> prompt;
  std::int64_t max_new_tokens = 64;
  double temperature = 1.0;  // 0: greedy
  std::int64_t top_k = 0;
  double top_p = 1.0;
  std::uint64_t seed = 1337;
  bool use_cache = true;
  bool stop_at_eos = true;
  unsigned threads = 0;
  std::string device = "auto";  // the sampling itself runs on the CPU, from the CPU generator
};
std::vector<std::uint32_t> generate(const GenerateOptions& options);  // the new tokens

// Logits [tokens.size() x vocab_size], row-major, of a checkpoint on one sequence (reference tests).
std::vector<float> compute_logits(const std::filesystem::path& checkpoint, const std::vector<std::uint32_t>& tokens);

// Threads for torch's intra-op pool: the requested count, else the CPUs this process may use.
unsigned configure_threads(unsigned requested);
// Keeps freed memory in the process (no mmap for large blocks, no trimming) so the tensors every
// training step allocates reuse pages instead of faulting fresh ones in.
void keep_freed_memory();
// libgomp reads OMP_WAIT_POLICY once, when it loads; spinning workers fight OpenBLAS's own pool
// for the cores. When the variable is absent this re-executes the process with it set to PASSIVE
// (SLUICE_KEEP_WAIT_POLICY=1 skips it). Returns only when no re-exec happened.
void ensure_passive_wait_policy();

}  // namespace sluice::finetune
