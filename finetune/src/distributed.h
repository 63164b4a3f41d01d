#pragma once
// The c10d side of data-parallel training (torch; private to finetune/): a process group joined
// through LibTorch's TCPStore and ProcessGroupGloo, and bucketed gradient averaging. With one
// process every operation is a no-op, so the training loop reads the same either way.
#include <torch/torch.h>
#include <torch/version.h>

#include <chrono>
#include <memory>
#include <vector>

#include "sluice/finetune/distributed.h"

namespace c10d {
class Store;
class ProcessGroup;
class Backend;
}  // namespace c10d

namespace sluice::finetune {

class Collective {
 public:
  // Rendezvous at MASTER_ADDR:MASTER_PORT (rank 0 serves the TCPStore) and a Gloo group; every
  // collective that does not complete within `timeout` (a rank died or hangs) throws an Error.
  Collective(const LaunchInfo& launch, std::chrono::milliseconds timeout);
  ~Collective();
  Collective(const Collective&) = delete;
  Collective& operator=(const Collective&) = delete;

  int rank() const { return launch_.rank; }
  int world_size() const { return launch_.world_size; }
  bool root() const { return launch_.rank == 0; }
  bool active() const { return launch_.world_size > 1; }

  // In place: every rank ends with rank 0's values (tensors are packed into a few flat buffers).
  void broadcast(const std::vector<torch::Tensor>& tensors);
  // In place: the element-wise sum over the ranks of one contiguous CPU tensor.
  void all_reduce_sum(torch::Tensor& tensor);

  // The asynchronous form, for gradient buckets; finish() waits and names the failure.
  struct Pending;
  std::shared_ptr<Pending> start_all_reduce_sum(torch::Tensor& tensor);
  void finish(const std::shared_ptr<Pending>& pending);

 private:
  [[noreturn]] void fail(const std::string& what, const std::exception& error) const;

  LaunchInfo launch_;
  std::chrono::milliseconds timeout_;
  c10::intrusive_ptr<c10d::Store> store_;
  // LibTorch 2 made ProcessGroupGloo a c10d::Backend (a ProcessGroup dispatches to backends).
#if TORCH_VERSION_MAJOR >= 2
  c10::intrusive_ptr<c10d::Backend> group_;
#else
  c10::intrusive_ptr<c10d::ProcessGroup> group_;
#endif
};

// Averages gradients over the ranks, overlapped with backward. Parameters are grouped, last first
// (the order backward produces them), into buckets of about `bucket_bytes` (8 MiB: a few buckets
// per transformer block, so the first start while backward is still in the upper blocks). A hook on each
// parameter's gradient accumulator counts the gradients that are final; when a bucket is complete
// its gradients are packed into one flat buffer and its all-reduce starts on Gloo's threads while
// backward goes on. Buckets start strictly in order (every rank must issue the same collectives in
// the same order); one that never completes (a parameter without a gradient) starts in average().
class GradientSync {
 public:
  GradientSync(Collective& collective, const std::vector<torch::Tensor>& parameters, std::size_t bucket_bytes = 8u << 20);
  ~GradientSync();
  GradientSync(const GradientSync&) = delete;
  GradientSync& operator=(const GradientSync&) = delete;
  // Before each micro-batch's backward: `last` arms the hooks; earlier micro-batches of a
  // gradient accumulation only accumulate locally.
  void prepare(bool last);
  // After backward: starts what is left, waits, divides by the world size and unpacks. Returns the
  // seconds the step waited here (the exposed all-reduce time).
  double average();

 private:
  struct Bucket {
    std::vector<torch::Tensor> parameters;
    torch::Tensor flat;
    std::size_t ready = 0;
  };
  class Hook;
  void on_gradient(std::size_t bucket);
  void launch_ready();
  void launch(Bucket& bucket);

  Collective& collective_;
  std::vector<Bucket> buckets_;
  std::vector<std::shared_ptr<torch::autograd::Node>> accumulators_;  // keeps the hooked nodes alive
  std::vector<std::shared_ptr<Collective::Pending>> pending_;  // per bucket, in launch order
  bool armed_ = false;
};

}  // namespace sluice::finetune
