// sluice pretrain / finetune / eval / generate: the LibTorch stage. These run inside
// libsluice_torch.so; cli/commands/torch.cpp forwards them there (see cli/torch_module.h).
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <iostream>
#include <memory>

#include "command.h"
#include "sluice/core/error.h"
#include "sluice/core/json.h"

#include "sluice/finetune/distributed.h"
#include "sluice/finetune/checkpoint.h"
#include "sluice/finetune/device.h"
#include "sluice/finetune/text.h"
#include "sluice/finetune/train.h"

namespace sluice::cli {
namespace {

using namespace sluice::finetune;

void add_device_option(CLI::App& app, std::string& device) {
  app.add_option("--device", device,
                 "auto (a CUDA GPU when LibTorch sees one, else the CPU), cpu, or cuda (an error without a GPU); "
                 "data-parallel runs use the CPU")
      ->default_val(device)
      ->check(CLI::IsMember({"auto", "cpu", "cuda"}));
}

void add_loop_options(CLI::App& app, TrainOptions& o, bool& json) {
  app.add_option("--data", o.data, "Directory of token shards (*.tok; llm.c *.bin also read); files named *val* are validation")->required();
  app.add_option("--out", o.out, "Checkpoint directory to write (config.json, model.safetensors, metrics.jsonl, best/)")->required();
  app.add_option("--val-data", o.val_data, "Directory of validation shards (default: DATA/val/, DATA/*val*, else 5% of DATA held out)");
  app.add_option("--steps", o.steps, "Optimizer steps")->default_val(o.steps);
  app.add_option("--batch-size", o.batch_size, "Sequences per micro-batch")->default_val(o.batch_size);
  app.add_option("--grad-accum", o.grad_accum, "Micro-batches per optimizer step")->default_val(o.grad_accum);
  app.add_option("--seq-len", o.seq_len, "Tokens per sequence (at most n_positions)")->default_val(o.seq_len);
  app.add_option("--lr", o.lr, "Peak learning rate (linear warmup, cosine decay to lr * --min-lr-ratio)")->default_val(o.lr);
  app.add_option("--min-lr-ratio", o.min_lr_ratio, "Final learning rate as a fraction of --lr")->default_val(o.min_lr_ratio);
  app.add_option("--warmup", o.warmup, "Warmup steps (default: 5% of --steps)");
  app.add_option("--weight-decay", o.weight_decay, "AdamW weight decay (matrices only)")->default_val(o.weight_decay);
  app.add_option("--grad-clip", o.grad_clip, "Clip the global gradient norm to this (0: off)")->default_val(o.grad_clip);
  app.add_option("--seed", o.seed, "Seed of initialisation and data order")->default_val(o.seed);
  app.add_option("-j,--threads", o.threads, "Intra-op threads (0: one per CPU, with OMP_WAIT_POLICY=PASSIVE)")->default_val(0);
  app.add_option("--eval-every", o.eval_every, "Evaluate every N steps (default: steps / 10; always at the end)");
  app.add_option("--eval-batches", o.eval_batches, "Validation batches per evaluation (0: all)")->default_val(o.eval_batches);
  app.add_option("--save-every", o.save_every, "Checkpoint every N steps (always at the end and on SIGINT/SIGTERM)");
  app.add_option("--patience", o.patience, "Stop after N evaluations without a better validation loss (0: never)");
  app.add_option("--precision", o.precision, "fp32, or bf16 (autocast on the CPU or the GPU)")->default_val(o.precision)->check(CLI::IsMember({"fp32", "bf16"}));
  add_device_option(app, o.device);
  app.add_flag("--doc-mask", o.doc_mask, "Block-diagonal attention: packed documents do not attend to each other");
  app.add_option("--tokenizer", o.tokenizer, "tokenizer.json, for bits per byte (default: DATA/, INIT/ tokenizer.json)");
  app.add_flag("--resume", o.resume, "Continue the run saved in --out exactly where it stopped (fresh start when none)");
  app.add_option("--lora-rank", o.lora_rank,
                 "LoRA: train rank-R adapters on --lora-targets instead of every weight (0: full training); saved as "
                 "adapter_model.safetensors + adapter_config.json (PEFT names) beside the unchanged base")->default_val(0);
  app.add_option("--lora-alpha", o.lora_alpha, "LoRA scale numerator: adapters add (alpha / rank) B A")->default_val(o.lora_alpha);
  app.add_option("--lora-targets", o.lora_targets, "Layers that get adapters, by name suffix: c_attn, c_proj (attn.c_proj, mlp.c_proj), c_fc")
      ->delimiter(',')->default_str("c_attn,c_proj,c_fc");
  app.add_flag("--merge-lora", o.merge_lora, "At the end also write OUT/merged/: a plain Hugging Face model with the adapters merged in");
  app.add_option("--stop-after", o.stop_after, "Stop as if interrupted after this step (for testing resume)")->group("");
  app.add_option("--dist-timeout", o.dist_timeout,
                 "Data-parallel runs: seconds to wait for the other ranks before stopping with an error")->default_val(o.dist_timeout);
  app.add_option("--fault", o.fault, "RANK:STEP:kill|hang - make one rank fail (for testing)")->group("");
  add_json_flag(app, json);
}

int print_summary(const std::string& command, const TrainOptions& o, const TrainSummary& s, bool json) {
  if (s.rank != 0) return s.interrupted ? 130 : 0;  // data-parallel: rank 0 reports for all
  if (json) {
    JsonWriter out(true);
    out.begin_object().field("command", command).field("out", o.out.string()).field("start_step", s.start_step)
        .field("steps_done", s.steps_done).field("loss", s.last_loss).field("parameters", s.parameters)
        .field("trainable_parameters", s.trainable_parameters)
        .field("threads", s.threads).field("device", s.device).field("tokens_per_s", s.tokens_per_s).field("seconds", s.seconds)
        .field("peak_rss_bytes", s.peak_rss_bytes).field("resumed", s.resumed).field("interrupted", s.interrupted)
        .field("early_stopped", s.early_stopped);
    if (s.device != "cpu") out.field("peak_device_bytes", s.peak_device_bytes);
    if (s.world_size > 1) out.field("world_size", s.world_size).field("allreduce_seconds", s.allreduce_seconds);
    if (s.has_val) out.field("val_loss", s.last_val_loss).field("best_val_loss", s.best_val_loss);
    out.end_object();
    std::cout << out.str() << "\n";
  } else {
    const std::string workers = s.world_size > 1 ? std::to_string(s.world_size) + " processes x " : "";
    const std::string where = s.device != "cpu" ? s.device + " (peak " + std::to_string(s.peak_device_bytes >> 20) + " MiB)"
                                                : workers + std::to_string(s.threads) + " threads";
    std::fprintf(stderr, "%s: steps %lld..%lld, loss %.4f%s, %.0f tok/s on %s, checkpoint in %s%s\n", command.c_str(),
                 static_cast<long long>(s.start_step), static_cast<long long>(s.steps_done), s.last_loss,
                 s.has_val ? (", val " + std::to_string(s.last_val_loss)).c_str() : "", s.tokens_per_s, where.c_str(),
                 o.out.c_str(), s.interrupted ? " (interrupted: rerun with --resume)" : s.early_stopped ? " (early stop)" : "");
  }
  return s.interrupted ? 130 : 0;
}

RunFunction train_command(CLI::App& app, const std::string& name, bool pretrain) {
  auto o = std::make_shared<TrainOptions>();
  auto json = std::make_shared<bool>(false);
  if (pretrain) app.add_option("--config", o->config, "Model config: GPT-2 config.json field names (n_layer, n_head, n_embd, ...)")->required();
  else app.add_option("--init", o->init, "Checkpoint directory to start from (config.json + model.safetensors)")->required();
  add_loop_options(app, *o, *json);
  auto nproc = std::make_shared<int>(1);
  app.add_option("--nproc", *nproc,
                 "Train data-parallel on N local processes (--batch-size is per process; srun and torchrun-style "
                 "launchers set RANK/WORLD_SIZE instead: see docs/distributed.md)")
      ->default_val(1)
      ->check(CLI::Range(1, 1024));
  return [o, json, name, nproc] {
    ensure_passive_wait_policy();
    // The launcher: N workers run this same command; it only watches them.
    // A worker that outlives a failed one by this long is killed (longer than a checkpoint save).
    // cuda with workers is refused before any starts (the Gloo path is CPU-only).
    if (*nproc > 1) {
      choose_device(o->device, /*cuda_available=*/false, *nproc);
      return run_local_workers(*nproc, o->out, std::clamp(o->dist_timeout, 2.0, 10.0));
    }
    return print_summary(name, *o, train(*o), *json);
  };
}

const bool registered_pretrain = register_command({
    "pretrain", "Train a GPT-2 model from random initialisation on token shards", 600, [](CLI::App& app) -> RunFunction {
      return train_command(app, "pretrain", true);
    }});

const bool registered_finetune = register_command({
    "finetune", "Continue training a checkpoint on token shards (e.g. adapt to code)", 601, [](CLI::App& app) -> RunFunction {
      return train_command(app, "finetune", false);
    }});

const bool registered_eval = register_command({
    "eval", "Loss, perplexity and bits per byte of a checkpoint on token shards", 602, [](CLI::App& app) -> RunFunction {
      auto o = std::make_shared<EvalOptions>();
      auto json = std::make_shared<bool>(false);
      app.add_option("--ckpt", o->checkpoint, "Checkpoint directory")->required();
      app.add_option("--data", o->data, "Directory of token shards (its validation shards - DIR/val/ or *val* files - when it has them, else every shard)")->required();
      app.add_option("--tokenizer", o->tokenizer, "tokenizer.json for bits per byte (default: DATA/ or CKPT/ tokenizer.json)");
      app.add_option("--seq-len", o->seq_len, "Tokens per window (default: n_positions)");
      app.add_option("--batch-size", o->batch_size, "Windows per batch")->default_val(o->batch_size);
      app.add_option("--max-batches", o->max_batches, "Evaluate at most this many batches (0: all)")->default_val(0);
      app.add_option("--precision", o->precision, "fp32 or bf16")->default_val(o->precision)->check(CLI::IsMember({"fp32", "bf16"}));
      add_device_option(app, o->device);
      app.add_option("-j,--threads", o->threads, "Intra-op threads (0: one per CPU)")->default_val(0);
      add_json_flag(app, *json);
      return [o, json] {
        ensure_passive_wait_policy();
        const auto r = evaluate(*o);
        if (*json) {
          JsonWriter out(true);
          out.begin_object().field("loss", r.loss).field("perplexity", r.perplexity).field("tokens", r.tokens);
          out.key("bits_per_byte");
          if (r.bits_per_byte) out.value(*r.bits_per_byte);
          else out.null();
          out.end_object();
          std::cout << out.str() << "\n";
        } else {
          std::printf("loss %.4f  perplexity %.2f  bits/byte %s  (%llu tokens)\n", r.loss, r.perplexity,
                      r.bits_per_byte ? std::to_string(*r.bits_per_byte).c_str() : "n/a (no tokenizer.json)",
                      static_cast<unsigned long long>(r.tokens));
        }
        return 0;
      };
    }});

const bool registered_export_model = register_command({
    "export-model", "Write a checkpoint as a plain Hugging Face GPT-2 directory (LoRA adapters merged)", 604,
    [](CLI::App& app) -> RunFunction {
      auto in = std::make_shared<std::filesystem::path>();
      auto out = std::make_shared<std::filesystem::path>();
      auto dtype = std::make_shared<std::string>("F32");
      auto json = std::make_shared<bool>(false);
      app.add_option("--ckpt", *in, "Checkpoint directory (with or without adapter_model.safetensors)")->required();
      app.add_option("--out", *out, "Directory to write: config.json + model.safetensors (+ tokenizer.json)")->required();
      app.add_option("--dtype", *dtype, "Weight dtype of the written file")->default_val("F32")->check(CLI::IsMember({"F32", "F16", "BF16"}));
      add_json_flag(app, *json);
      return [in, out, dtype, json] {
        const DType d = *dtype == "F16" ? DType::kF16 : *dtype == "BF16" ? DType::kBF16 : DType::kF32;
        convert_checkpoint(*in, *out, d);
        if (std::filesystem::exists(*in / "tokenizer.json") && !std::filesystem::exists(*out / "tokenizer.json")) {
          std::filesystem::copy_file(*in / "tokenizer.json", *out / "tokenizer.json");
        }
        const bool merged = std::filesystem::exists(*in / "adapter_config.json");
        if (*json) {
          JsonWriter o(true);
          o.begin_object().field("out", out->string()).field("dtype", *dtype).field("merged_lora", merged).end_object();
          std::cout << o.str() << "\n";
        } else {
          std::fprintf(stderr, "export-model: %s -> %s (%s%s)\n", in->c_str(), out->c_str(), dtype->c_str(), merged ? ", LoRA merged" : "");
        }
        return 0;
      };
    }});

const bool registered_generate = register_command({
    "generate", "Sample text from a checkpoint (temperature, top-k, top-p, KV cache)", 603, [](CLI::App& app) -> RunFunction {
      auto o = std::make_shared<GenerateOptions>();
      auto prompt = std::make_shared<std::string>();
      auto tokenizer = std::make_shared<std::string>();
      auto prompt_ids = std::make_shared<std::vector<std::uint32_t>>();
      auto json = std::make_shared<bool>(false);
      app.add_option("--ckpt", o->checkpoint, "Checkpoint directory")->required();
      app.add_option("--tokenizer", *tokenizer, "tokenizer.json (default: CKPT/tokenizer.json)");
      app.add_option("--prompt", *prompt, "Prompt text");
      app.add_option("--prompt-tokens", *prompt_ids, "Prompt as token ids instead of text")->delimiter(',');
      app.add_option("--max-new-tokens", o->max_new_tokens, "Tokens to sample at most")->default_val(o->max_new_tokens);
      app.add_option("--temperature", o->temperature, "Softmax temperature (0: greedy)")->default_val(o->temperature);
      app.add_option("--top-k", o->top_k, "Sample among the k most likely tokens (0: all)")->default_val(0);
      app.add_option("--top-p", o->top_p, "Nucleus sampling mass")->default_val(1.0)->check(CLI::Range(0.0, 1.0));
      app.add_option("--seed", o->seed, "Sampling seed")->default_val(o->seed);
      app.add_flag("!--no-cache", o->use_cache, "Recompute the whole context every token (no KV cache)");
      app.add_flag("!--ignore-eos", o->stop_at_eos, "Do not stop at the end-of-text token");
      add_device_option(app, o->device);
      app.add_option("-j,--threads", o->threads, "Intra-op threads (0: one per CPU)")->default_val(0);
      add_json_flag(app, *json);
      return [o, prompt, tokenizer, prompt_ids, json] {
        ensure_passive_wait_policy();
        std::filesystem::path tok = tokenizer->empty() ? o->checkpoint / "tokenizer.json" : std::filesystem::path(*tokenizer);
        std::unique_ptr<TextCodec> codec;
        if (std::filesystem::exists(tok)) codec = std::make_unique<TextCodec>(tok);
        if (!prompt_ids->empty()) {
          o->prompt = *prompt_ids;
        } else {
          if (prompt->empty()) throw Error("give --prompt TEXT or --prompt-tokens IDS");
          if (!codec) throw Error(tok.string() + ": no tokenizer.json to encode the prompt; pass --tokenizer");
          o->prompt = codec->encode(*prompt);
        }
        const auto tokens = generate(*o);
        const std::string text = codec ? codec->decode(tokens) : std::string();
        if (*json) {
          JsonWriter out(true);
          out.begin_object().field("prompt_tokens", static_cast<std::uint64_t>(o->prompt.size()));
          out.key("tokens").begin_array();
          for (const auto t : tokens) out.value(static_cast<std::uint64_t>(t));
          out.end_array();
          if (codec) out.field("text", text);
          out.end_object();
          std::cout << out.str() << "\n";
        } else if (codec) {
          std::cout << *prompt << text << "\n";
        } else {
          for (const auto t : tokens) std::cout << t << " ";
          std::cout << "\n";
        }
        return 0;
      };
    }});

}  // namespace
}  // namespace sluice::cli
