// The training loop: data -> model -> fused loss -> AdamW, with evaluation, checkpoints and exact
// resume. Read top to bottom: options, optimizer, state file, evaluation, then train().
#include <simdjson.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <csignal>
#include <cstdio>
#include <fstream>
#include <future>
#include <numbers>

#include "checkpoint_io.h"
#include "distributed.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/progress.h"
#include "sluice/finetune/data.h"
#include "sluice/finetune/device.h"
#include "sluice/finetune/train.h"
#include "token_bytes.h"
#include "train_common.h"

namespace sluice::finetune {
namespace {

namespace fs = std::filesystem;

// AdamW (Loshchilov & Hutter) exactly as torch.optim.AdamW computes it; weight decay only on
// matrices (embeddings and Linear weights), not on biases or LayerNorm gains. On a GPU the update
// runs as multi-tensor (_foreach) kernels, as torch.optim.AdamW's default there does: one launch
// per operation instead of one per operation and parameter.
class AdamW {
 public:
  AdamW(CausalLM& model, const TrainOptions& o, bool multi_tensor) : options_(o), multi_tensor_(multi_tensor) {
    for (auto& item : model.named_parameters(true)) {
      if (!item.value().requires_grad()) continue;  // frozen (LoRA's base weights)
      names_.push_back(item.key());
      params_.push_back(item.value());
      decay_.push_back(item.value().dim() >= 2);
      m_.push_back(torch::zeros_like(item.value()));
      v_.push_back(torch::zeros_like(item.value()));
    }
  }

  void step(double lr) {
    torch::NoGradGuard no_grad;
    ++t_;
    const double bias1 = 1.0 - std::pow(options_.beta1, static_cast<double>(t_));
    const double bias2 = 1.0 - std::pow(options_.beta2, static_cast<double>(t_));
    if (multi_tensor_) return step_multi_tensor(lr, bias1, bias2);
    for (std::size_t i = 0; i < params_.size(); ++i) {
      auto& p = params_[i];
      const auto g = p.grad();
      if (!g.defined()) continue;
      if (decay_[i]) p.mul_(1.0 - lr * options_.weight_decay);
      m_[i].mul_(options_.beta1).add_(g, 1.0 - options_.beta1);
      v_[i].mul_(options_.beta2).addcmul_(g, g, 1.0 - options_.beta2);
      const auto denom = (v_[i].sqrt() / std::sqrt(bias2)).add_(options_.eps);
      p.addcdiv_(m_[i], denom, -lr / bias1);
    }
  }

  // Global L2 norm of the gradients, then scaled down to `clip` when above it (0: no clipping).
  double clip_gradients(double clip) {
    torch::NoGradGuard no_grad;
    if (params_.empty()) return 0;
    auto total = torch::zeros({}, torch::TensorOptions().dtype(torch::kDouble).device(params_.front().device()));
    for (auto& p : params_) if (p.grad().defined()) total += p.grad().to(torch::kDouble).pow(2).sum();
    const double norm = std::sqrt(total.item<double>());
    if (clip > 0 && norm > clip) {
      const double scale = clip / (norm + 1e-6);
      for (auto& p : params_) if (p.grad().defined()) p.grad().mul_(scale);
    }
    return norm;
  }

  void zero_grad() {
    for (auto& p : params_) if (p.grad().defined()) p.grad().zero_();
  }

  NamedTensors state() const {
    NamedTensors out;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      out.emplace_back("exp_avg." + names_[i], m_[i]);
      out.emplace_back("exp_avg_sq." + names_[i], v_[i]);
    }
    return out;
  }

  void restore(const fs::path& path, std::int64_t t) {
    auto saved = load_tensors(path);
    torch::NoGradGuard no_grad;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      for (auto* pair : {&m_, &v_}) {
        const std::string key = (pair == &m_ ? "exp_avg." : "exp_avg_sq.") + names_[i];
        const auto found = saved.find(key);
        if (found == saved.end() || found->second.sizes() != params_[i].sizes()) {
          throw Error(path.string() + ": optimizer state lacks '" + key + "' or has the wrong shape");
        }
        (*pair)[i].copy_(found->second);
      }
    }
    t_ = t;
  }

 private:
  void step_multi_tensor(double lr, double bias1, double bias2) {
    std::vector<torch::Tensor> params, grads, m, v, decayed;
    for (std::size_t i = 0; i < params_.size(); ++i) {
      const auto g = params_[i].grad();
      if (!g.defined()) continue;
      params.push_back(params_[i]);
      grads.push_back(g);
      m.push_back(m_[i]);
      v.push_back(v_[i]);
      if (decay_[i]) decayed.push_back(params_[i]);
    }
    if (params.empty()) return;
    if (!decayed.empty()) at::_foreach_mul_(decayed, 1.0 - lr * options_.weight_decay);
    at::_foreach_mul_(m, options_.beta1);
    at::_foreach_add_(m, grads, 1.0 - options_.beta1);
    at::_foreach_mul_(v, options_.beta2);
    at::_foreach_addcmul_(v, grads, grads, 1.0 - options_.beta2);
    auto denom = at::_foreach_sqrt(v);
    at::_foreach_div_(denom, std::sqrt(bias2));
    at::_foreach_add_(denom, options_.eps);
    at::_foreach_addcdiv_(params, m, denom, -lr / bias1);
  }

  const TrainOptions& options_;
  bool multi_tensor_;
  std::vector<std::string> names_;
  std::vector<torch::Tensor> params_, m_, v_;
  std::vector<bool> decay_;
  std::int64_t t_ = 0;
};

// Linear warmup to lr, then cosine decay to lr * min_lr_ratio at the last step.
double learning_rate(const TrainOptions& o, std::int64_t step, std::int64_t warmup) {
  if (step < warmup) return o.lr * static_cast<double>(step + 1) / static_cast<double>(warmup);
  const double span = static_cast<double>(std::max<std::int64_t>(1, o.steps - warmup));
  const double progress = std::min(1.0, static_cast<double>(step - warmup) / span);
  const double min_lr = o.lr * o.min_lr_ratio;
  return min_lr + 0.5 * (1.0 + std::cos(std::numbers::pi * progress)) * (o.lr - min_lr);
}

std::atomic<int> g_signal{0};
void on_signal(int signum) { g_signal.store(signum); }

// What a checkpoint stores beside the weights (trainer_state.json).
struct LoopState {
  std::int64_t step = 0;  // optimizer steps completed
  DataCursor cursor;
  double best_val_loss = INFINITY;
  std::int64_t evals_without_improvement = 0;
};

std::string state_json(const LoopState& s, const TrainOptions& o, int world_size) {
  JsonWriter out(true);
  out.begin_object()
      .field("format", "sluice-trainer-state-1")
      .field("step", s.step)
      .field("data_epoch", s.cursor.epoch)
      .field("data_position", s.cursor.position)
      .field("best_val_loss", std::isfinite(s.best_val_loss) ? s.best_val_loss : -1.0)
      .field("evals_without_improvement", s.evals_without_improvement)
      .field("seed", o.seed)
      .field("steps", o.steps)
      .field("batch_size", o.batch_size)
      .field("world_size", world_size)
      .field("grad_accum", o.grad_accum)
      .field("seq_len", o.seq_len)
      .field("lr", o.lr)
      .end_object();
  return out.take() + "\n";
}

LoopState read_state(const fs::path& path, const TrainOptions& o, const Collective& dist) {
  const std::string text = read_small_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(text).get_object().get(obj) != simdjson::SUCCESS) throw Error(path.string() + ": not a JSON object");
  auto integer = [&](const char* key) {
    std::int64_t v = 0;
    if (obj.at_key(key).get_int64().get(v) != simdjson::SUCCESS) throw Error(path.string() + ": missing integer '" + key + "'");
    return v;
  };
  LoopState s;
  s.step = integer("step");
  s.cursor.epoch = static_cast<std::uint64_t>(integer("data_epoch"));
  s.cursor.position = static_cast<std::uint64_t>(integer("data_position"));
  s.evals_without_improvement = integer("evals_without_improvement");
  double best = -1;
  if (obj.at_key("best_val_loss").get_double().get(best) == simdjson::SUCCESS && best >= 0) s.best_val_loss = best;
  auto same = [&](const char* key, std::int64_t now) {
    if (integer(key) != now) {
      throw Error(path.string() + ": saved with --" + std::string(key) + " " + std::to_string(integer(key)) + ", now " +
                  std::to_string(now) + "; resume with the same value (the data order depends on it)");
    }
  };
  same("seed", static_cast<std::int64_t>(o.seed));
  // The data cursor counts windows of the global order, so a run may resume on another number of
  // processes; at the same number, a different batch size is a mistake worth stopping for.
  std::int64_t saved_world = 1;
  if (obj.at_key("world_size").get_int64().get(saved_world) != simdjson::SUCCESS) saved_world = 1;  // saved before data parallelism
  if (saved_world == dist.world_size()) same("batch_size", o.batch_size);
  else if (dist.root()) {
    std::fprintf(stderr, "sluice: resuming a run saved by %lld process(es) x batch %lld on %d x batch %lld: the data continues at the same window, the global batch is now %lld\n",
                 static_cast<long long>(saved_world), static_cast<long long>(integer("batch_size")), dist.world_size(),
                 static_cast<long long>(o.batch_size), static_cast<long long>(o.batch_size * dist.world_size()));
  }
  same("grad_accum", o.grad_accum);
  same("seq_len", o.seq_len);
  return s;
}

// metrics.jsonl keeps the lines of the steps a resumed run does not repeat.
void truncate_metrics(const fs::path& path, std::int64_t step) {
  std::ifstream in(path);
  std::string line, kept;
  while (std::getline(in, line)) {
    const auto at = line.find("\"step\":");
    if (at != std::string::npos && std::stoll(line.substr(at + 7)) <= step) kept += line + "\n";
  }
  write_file_atomically(path, kept);
}

std::string format_eta(double seconds) {
  char text[32];
  const auto s = static_cast<long>(seconds);
  if (s >= 3600) std::snprintf(text, sizeof text, "%ldh%02ldm", s / 3600, s / 60 % 60);
  else std::snprintf(text, sizeof text, "%ldm%02lds", s / 60, s % 60);
  return text;
}

}  // namespace

std::uint64_t peak_rss_bytes() {
  rusage usage{};
  ::getrusage(RUSAGE_SELF, &usage);
  return static_cast<std::uint64_t>(usage.ru_maxrss) * 1024;
}

torch::Tensor batch_loss(CausalLM& model, const Batch& batch, torch::ScalarType dtype, bool doc_mask) {
  // Checked on the host: on a GPU, reading the maximum back would wait for the upload.
  const auto vocab = model.config().vocab_size;
  const auto largest = [](const std::vector<std::int64_t>& ids) { return ids.empty() ? 0 : *std::max_element(ids.begin(), ids.end()); };
  if (largest(batch.inputs) >= vocab || largest(batch.targets) >= vocab) {
    throw Error("token id beyond the model's vocab_size " + std::to_string(vocab) + ": shards and model use different tokenizers");
  }
  const auto device = model.head_weight().device();
  const auto x = upload(batch.inputs.data(), batch.batch, batch.seq_len, torch::kLong, device);
  const auto y = upload(batch.targets.data(), batch.batch, batch.seq_len, torch::kLong, device);
  torch::Tensor docs;
  if (doc_mask) docs = upload(batch.doc_ids.data(), batch.batch, batch.seq_len, torch::kInt, device);
  const auto hidden = model.hidden(x, docs, nullptr);
  return fused_head_cross_entropy(hidden.reshape({-1, hidden.size(-1)}), model.head_weight(), y.reshape({-1}), dtype);
}

ValStats validation_loss(CausalLM& model, const WindowLoader& loader, std::int64_t batch_size, std::int64_t max_batches,
                         torch::ScalarType dtype, const TokenBytes* bytes, Collective* dist) {
  torch::NoGradGuard no_grad;
  ValStats stats;
  const auto available = static_cast<std::int64_t>((loader.num_windows() + static_cast<std::uint64_t>(batch_size) - 1) /
                                                   static_cast<std::uint64_t>(batch_size));
  const std::int64_t batches = max_batches > 0 ? std::min(max_batches, available) : available;
  // Data-parallel: rank r evaluates batches r, r + N, ...; the sums are added over the ranks.
  const std::int64_t rank = dist != nullptr ? dist->rank() : 0, ranks = dist != nullptr ? dist->world_size() : 1;
  Batch batch;
  double nats = 0;
  for (std::int64_t i = rank; i < batches; i += ranks) {
    DataCursor cursor{0, static_cast<std::uint64_t>(i * batch_size)};
    const auto remaining = static_cast<std::int64_t>(loader.num_windows() - cursor.position);
    loader.next(cursor, std::min(batch_size, remaining), batch);
    const auto n = static_cast<std::uint64_t>(batch.batch * batch.seq_len);
    nats += batch_loss(model, batch, dtype, false).item<double>() * static_cast<double>(n);
    stats.tokens += n;
    if (bytes != nullptr) for (const auto t : batch.targets) stats.bytes += bytes->length(t);
  }
  if (dist != nullptr && dist->active()) {
    auto sums = torch::tensor({nats, static_cast<double>(stats.tokens), static_cast<double>(stats.bytes)}, torch::kDouble);
    dist->all_reduce_sum(sums);
    nats = sums[0].item<double>();
    stats.tokens = static_cast<std::uint64_t>(sums[1].item<double>());
    stats.bytes = static_cast<std::uint64_t>(sums[2].item<double>());
  }
  stats.loss = stats.tokens ? nats / static_cast<double>(stats.tokens) : 0;
  if (bytes != nullptr && stats.bytes > 0) stats.bits_per_byte = nats / std::log(2.0) / static_cast<double>(stats.bytes);
  return stats;
}

torch::ScalarType precision_dtype(const std::string& precision) {
  if (precision == "fp32") return torch::kFloat;
  if (precision == "bf16") return torch::kBFloat16;
  throw Error("--precision must be fp32 or bf16, not '" + precision + "'");
}

TrainSummary train(const TrainOptions& o) {
  TrainSummary summary;
  keep_freed_memory();
  const auto dtype = precision_dtype(o.precision);
  if (o.steps < 1 || o.batch_size < 1 || o.grad_accum < 1 || o.seq_len < 1) throw Error("--steps, --batch-size, --grad-accum and --seq-len must be positive");
  if (!(o.lr > 0)) throw Error("--lr must be positive");
  if (!(o.dist_timeout > 0)) throw Error("--dist-timeout must be positive");
  // Data-parallel when a launcher (or --nproc) set WORLD_SIZE > 1: rank 0 alone writes files.
  const LaunchInfo launch = launch_from_environment();
  const torch::Device device = select_device(o.device, launch.world_size);
  summary.device = device_name(device.is_cuda() ? DeviceKind::kCuda : DeviceKind::kCpu);
  summary.threads = configure_threads(o.threads);
  if (launch.distributed() && o.threads == 0) summary.threads = configure_threads(worker_threads(launch, summary.threads));
  Collective dist(launch, std::chrono::milliseconds(static_cast<std::int64_t>(o.dist_timeout * 1000)));
  summary.rank = dist.rank();
  summary.world_size = dist.world_size();
  const bool root = dist.root();
  if (root) fs::create_directories(o.out);
  const fs::path state_path = o.out / "trainer_state.json";
  bool resuming = o.resume && fs::exists(state_path);
  if (dist.active()) {
    auto flag = torch::tensor({resuming ? 1 : 0}, torch::kInt);
    dist.broadcast({flag});
    if ((flag.item<int>() != 0) != resuming && !root) {
      throw Error("rank " + std::to_string(dist.rank()) + " cannot read " + state_path.string() +
                  ", which rank 0 resumes from: --resume needs --out on a filesystem every rank can read");
    }
  }

  // Model: the saved run, the initial checkpoint, or a seeded random initialisation.
  std::shared_ptr<CausalLM> model;
  if (resuming) model = load_model(o.out);
  else if (!o.init.empty()) model = load_model(o.init);
  else {
    if (o.config.empty()) throw Error("give --config model.json (pretrain) or --init CKPT_DIR (finetune)");
    torch::manual_seed(o.seed);
    model = make_model(load_model_config(o.config));
  }
  const ModelConfig& config = model->config();
  if (o.seq_len > config.n_positions) {
    throw Error("--seq-len " + std::to_string(o.seq_len) + " exceeds the model's n_positions " + std::to_string(config.n_positions));
  }
  summary.parameters = config.parameter_count();
  summary.trainable_parameters = apply_lora_options(*model, o);
  if (device.is_cuda()) model->to(device);  // data-parallel runs stay on the CPU (select_device)
  // LoRA adapters are created above, so they are broadcast with the rest.
  // Every rank starts from rank 0's weights (and buffers), whatever each loaded or initialised.
  std::vector<torch::Tensor> model_tensors;
  for (auto& p : model->parameters(true)) model_tensors.push_back(p);
  for (auto& b : model->buffers(true)) model_tensors.push_back(b);
  dist.broadcast(model_tensors);

  // Data: training windows in a seeded order; validation from val shards or a 5% tail.
  auto train_files = list_token_files(o.data, false);
  if (train_files.empty()) throw Error(o.data.string() + ": no token shards (*.tok or llm.c *.bin); run 'sluice tokenize' first");
  auto val_files = o.val_data.empty() ? list_token_files(o.data, true) : list_token_files(o.val_data, false);
  const bool hold_out = val_files.empty();
  const WindowLoader loader(train_files, o.seq_len, o.seed, true, 0.0, hold_out ? 0.95 : 1.0, o.doc_mask, config.eos_token_id);
  const WindowLoader val_loader(hold_out ? train_files : val_files, o.seq_len, o.seed, false, hold_out ? 0.95 : 0.0, 1.0);
  if (loader.vocab_size() > config.vocab_size) {
    throw Error(o.data.string() + ": shards use a vocabulary of " + std::to_string(loader.vocab_size()) + " tokens, the model has " +
                std::to_string(config.vocab_size));
  }
  const fs::path tokenizer = find_tokenizer({o.tokenizer, o.data, o.init, o.out});
  std::optional<TokenBytes> token_bytes;
  if (!tokenizer.empty()) {
    token_bytes = load_token_bytes(tokenizer);
    if (root && tokenizer != o.out / "tokenizer.json") fs::copy_file(tokenizer, o.out / "tokenizer.json", fs::copy_options::overwrite_existing);
  }

  AdamW optimizer(*model, o, device.is_cuda());
  LoopState state;
  const fs::path metrics_path = o.out / "metrics.jsonl";
  if (resuming) {
    state = read_state(state_path, o, dist);
    optimizer.restore(o.out / "optimizer.safetensors", state.step);
    if (root && fs::exists(metrics_path)) truncate_metrics(metrics_path, state.step);
    summary.resumed = true;
    // Rank 0's optimizer moments everywhere, so no rank drifts even if the files were rewritten.
    std::vector<torch::Tensor> moments;
    for (auto& named : optimizer.state()) moments.push_back(named.second);
    dist.broadcast(moments);
  } else if (root) {
    write_file_atomically(metrics_path, "");
  }
  summary.start_step = state.step;
  summary.best_val_loss = state.best_val_loss;
  std::FILE* metrics = nullptr;
  if (root) {
    metrics = std::fopen(metrics_path.c_str(), "a");
    if (metrics == nullptr) fail_errno("open", metrics_path.string());
  }
  auto write_metrics = [&metrics](const std::string& line) {
    if (metrics == nullptr) return;
    std::fprintf(metrics, "%s\n", line.c_str());
    std::fflush(metrics);
  };
  std::vector<torch::Tensor> trained;
  for (auto& p : model->parameters(true)) if (p.requires_grad()) trained.push_back(p);
  GradientSync gradients(dist, trained);

  const std::int64_t warmup = o.warmup >= 0 ? o.warmup : std::max<std::int64_t>(1, o.steps / 20);
  const std::int64_t eval_every = o.eval_every > 0 ? o.eval_every : std::max<std::int64_t>(1, o.steps / 10);
  const double tokens_per_step = static_cast<double>(o.batch_size * o.seq_len * o.grad_accum * dist.world_size());

  auto save = [&] {
    if (!root) return;
    save_model(*model, o.out);
    save_tensors(o.out / "optimizer.safetensors", optimizer.state());
    write_file_atomically(state_path, state_json(state, o, dist.world_size()));
  };
  auto evaluate_now = [&] {
    model->eval();
    ValStats v;
    {
      AutocastScope autocast(dtype == torch::kBFloat16, device.type());
      // --eval-batches counts global batches, as the training batch does: the same windows on any world size.
      v = validation_loss(*model, val_loader, o.batch_size, o.eval_batches * dist.world_size(), dtype,
                          token_bytes ? &*token_bytes : nullptr, &dist);
    }
    model->train();
    JsonWriter line;
    line.begin_object().field("step", state.step).field("val_loss", v.loss).field("val_ppl", std::exp(v.loss));
    if (v.bits_per_byte) line.field("val_bpb", *v.bits_per_byte);
    line.field("val_tokens", v.tokens).end_object();
    write_metrics(line.str());
    summary.has_val = true;
    summary.last_val_loss = v.loss;
    if (v.loss < state.best_val_loss) {
      state.best_val_loss = v.loss;
      state.evals_without_improvement = 0;
      if (root) save_model(*model, o.out / "best");
    } else {
      ++state.evals_without_improvement;
    }
  };

  // Batches are read on a background thread one step ahead; the cursor saved is the consumed one.
  struct Item {
    Batch batch;
    DataCursor after;
  };
  // Each rank takes its rows of the global batch (world_size x batch_size windows).
  auto produce = [&loader, &o, &dist](DataCursor cursor) {
    Item item;
    loader.next(cursor, o.batch_size * dist.world_size(), o.batch_size * dist.rank(), o.batch_size, item.batch);
    item.after = cursor;
    return item;
  };
  std::future<Item> pending = std::async(std::launch::async, produce, state.cursor);

  struct sigaction action {}, old_int{}, old_term{};
  action.sa_handler = on_signal;
  sigemptyset(&action.sa_mask);
  g_signal.store(0);
  ::sigaction(SIGINT, &action, &old_int);
  ::sigaction(SIGTERM, &action, &old_term);

  model->train();
  const bool show = root && Progress::enabled();
  const auto run_start = std::chrono::steady_clock::now();
  double tokens_seen = 0;
  bool stop = false;
  while (state.step < o.steps && !stop) {
    const auto step_start = std::chrono::steady_clock::now();
    const double lr = learning_rate(o, state.step, warmup);
    optimizer.zero_grad();
    double loss_sum = 0;
    for (std::int64_t micro = 0; micro < o.grad_accum; ++micro) {
      Item item = pending.get();
      pending = std::async(std::launch::async, produce, item.after);
      state.cursor = item.after;
      torch::Tensor loss;
      {
        AutocastScope autocast(dtype == torch::kBFloat16, device.type());
        loss = batch_loss(*model, item.batch, dtype, o.doc_mask);
      }
      gradients.prepare(micro == o.grad_accum - 1);  // data-parallel: all-reduce during the last backward
      (loss / static_cast<double>(o.grad_accum)).backward();
      loss_sum += static_cast<double>(loss.item<float>());
    }
    // Data-parallel: average the gradients, and agree on the loss and on stopping (a signal may
    // reach one rank only; every rank must leave the loop after the same step).
    const double allreduce_s = gradients.average();
    summary.allreduce_seconds += allreduce_s;
    bool signalled = g_signal.load() != 0;
    if (dist.active()) {
      auto shared = torch::tensor({loss_sum, signalled ? 1.0 : 0.0}, torch::kDouble);
      dist.all_reduce_sum(shared);
      loss_sum = shared[0].item<double>() / dist.world_size();
      signalled = shared[1].item<double>() > 0;
    }
    const double grad_norm = optimizer.clip_gradients(o.grad_clip);
    optimizer.step(lr);
    ++state.step;
    inject_fault(o.fault, dist.rank(), state.step);
    const double loss = loss_sum / static_cast<double>(o.grad_accum);
    if (!std::isfinite(loss)) throw Error("loss became " + std::to_string(loss) + " at step " + std::to_string(state.step) + "; lower --lr or use fp32");
    synchronize(device);  // the optimizer's kernels may still be queued on a GPU
    const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - step_start).count();
    tokens_seen += tokens_per_step;
    const double elapsed = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
    summary.last_loss = loss;
    summary.steps_done = state.step;
    JsonWriter line;
    line.begin_object()
        .field("step", state.step)
        .field("loss", loss)
        .field("lr", lr)
        .field("grad_norm", grad_norm)
        .field("tokens_per_s", tokens_per_step / seconds)
        .field("step_s", seconds)
        .field("peak_rss_bytes", peak_rss_bytes());
    if (dist.active()) line.field("world_size", dist.world_size()).field("allreduce_s", allreduce_s);
    if (device.is_cuda()) line.field("peak_device_bytes", peak_device_bytes(device));
    line.end_object();
    write_metrics(line.str());
    if (show) {
      const double rate = tokens_seen / elapsed;
      const double eta = static_cast<double>(o.steps - state.step) * tokens_per_step / rate;
      std::fprintf(stderr, "\rstep %lld/%lld  loss %.4f  lr %.2e  %.0f tok/s  ETA %s   ", static_cast<long long>(state.step),
                   static_cast<long long>(o.steps), loss, lr, rate, format_eta(eta).c_str());
    }
    if (state.step % eval_every == 0 || state.step == o.steps) {
      evaluate_now();
      if (o.patience > 0 && state.evals_without_improvement >= o.patience) {
        summary.early_stopped = true;
        stop = true;
      }
    }
    if (signalled || (o.stop_after > 0 && state.step == o.stop_after)) {
      summary.interrupted = true;
      stop = true;
    }
    if (stop || state.step == o.steps || (o.save_every > 0 && state.step % o.save_every == 0)) save();
  }
  if (show) std::fprintf(stderr, "\n");
  if (root && o.merge_lora && !summary.interrupted) write_merged_model(*model, o.out);
  pending.wait();
  ::sigaction(SIGINT, &old_int, nullptr);
  ::sigaction(SIGTERM, &old_term, nullptr);
  if (metrics != nullptr) std::fclose(metrics);
  summary.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - run_start).count();
  summary.tokens_per_s = summary.seconds > 0 ? tokens_seen / summary.seconds : 0;
  summary.peak_rss_bytes = peak_rss_bytes();
  summary.peak_device_bytes = peak_device_bytes(device);
  summary.best_val_loss = state.best_val_loss;
  return summary;
}

}  // namespace sluice::finetune
