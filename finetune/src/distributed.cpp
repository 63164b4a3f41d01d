// c10d for the training loop: TCPStore rendezvous, a Gloo process group, flat-buffer broadcast
// and bucketed gradient averaging. Every failure of a collective becomes one Error that names the
// rank, the likely cause and what to do, instead of Gloo's socket-level message alone.
#include "distributed.h"

#include <torch/csrc/distributed/c10d/PrefixStore.hpp>
#include <torch/csrc/distributed/c10d/ProcessGroup.hpp>
#include <torch/csrc/distributed/c10d/TCPStore.hpp>
// Gloo's headers come with Debian's libtorch (libgloo-dev); a LibTorch without them (USE_C10D_GLOO
// undefined) still trains in one process, and data-parallel runs stop with an Error.
#ifdef USE_C10D_GLOO
#include <torch/csrc/distributed/c10d/ProcessGroupGloo.hpp>
#endif
#include <torch/csrc/autograd/function_hook.h>

#include <cstdlib>

#include "sluice/core/error.h"

namespace sluice::finetune {

struct Collective::Pending {
  c10::intrusive_ptr<c10d::Work> work;
};

namespace {

#ifdef USE_C10D_GLOO
std::shared_ptr<::gloo::transport::Device> gloo_device(const LaunchInfo& launch) {
  if (const char* name = std::getenv("GLOO_SOCKET_IFNAME"); name != nullptr && *name != '\0') {
    return c10d::ProcessGroupGloo::createDeviceForInterface(name);
  }
  // All ranks on this machine: the loopback interface, whatever the host name resolves to.
  if (launch.master_addr == "127.0.0.1" || launch.master_addr == "localhost") {
    return c10d::ProcessGroupGloo::createDeviceForHostname("127.0.0.1");
  }
  return c10d::ProcessGroupGloo::createDefaultDevice();
}
#endif

// Consecutive tensors of one dtype, at most `limit` bytes each group (a lone larger tensor is its own group).
std::vector<std::vector<torch::Tensor>> pack(const std::vector<torch::Tensor>& tensors, std::size_t limit) {
  std::vector<std::vector<torch::Tensor>> groups;
  std::size_t bytes = 0;
  for (const auto& t : tensors) {
    const auto size = static_cast<std::size_t>(t.numel()) * t.element_size();
    if (groups.empty() || bytes + size > limit || groups.back().front().scalar_type() != t.scalar_type()) {
      groups.emplace_back();
      bytes = 0;
    }
    groups.back().push_back(t);
    bytes += size;
  }
  return groups;
}

torch::Tensor flatten(const std::vector<torch::Tensor>& tensors) {
  std::vector<torch::Tensor> views;
  for (const auto& t : tensors) views.push_back(t.detach().reshape({-1}));
  return torch::cat(views);
}

void unflatten_into(const torch::Tensor& flat, const std::vector<torch::Tensor>& tensors) {
  torch::NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (const auto& t : tensors) {
    t.copy_(flat.narrow(0, offset, t.numel()).view_as(t));
    offset += t.numel();
  }
}

}  // namespace

Collective::Collective(const LaunchInfo& launch, std::chrono::milliseconds timeout) : launch_(launch), timeout_(timeout) {
  if (!active()) return;
#ifndef USE_C10D_GLOO
  throw Error("data-parallel training needs a LibTorch built with Gloo (USE_C10D_GLOO); this one has none: train with one process");
#else
  try {
    c10d::TCPStoreOptions options;
    options.port = launch.master_port;
    options.isServer = launch.rank == 0;
    options.numWorkers = static_cast<std::size_t>(launch.world_size);
    options.waitWorkers = true;
    options.timeout = timeout;
    auto tcp = c10::make_intrusive<c10d::TCPStore>(launch.master_addr, options);
    store_ = c10::make_intrusive<c10d::PrefixStore>("sluice", tcp);
    auto gloo = c10d::ProcessGroupGloo::Options::create(timeout);
    gloo->devices.push_back(gloo_device(launch));
    group_ = c10::make_intrusive<c10d::ProcessGroupGloo>(store_, launch.rank, launch.world_size, gloo);
  } catch (const std::exception& error) {
    throw Error("rank " + std::to_string(launch.rank) + " of " + std::to_string(launch.world_size) + ": could not join the group at " +
                launch.master_addr + ":" + std::to_string(launch.master_port) + " within " + std::to_string(timeout.count() / 1000) +
                " s (is every rank started, MASTER_ADDR reachable and MASTER_PORT free on rank 0?): " + error.what());
  }
#endif
}

Collective::~Collective() = default;

void Collective::fail(const std::string& what, const std::exception& error) const {
  throw Error("rank " + std::to_string(rank()) + " of " + std::to_string(world_size()) + ": " + what +
              " failed: another rank died, or did not answer within --dist-timeout " + std::to_string(timeout_.count() / 1000) +
              " s. Rerun with --resume to continue from the last checkpoint. (" + error.what() + ")");
}

std::shared_ptr<Collective::Pending> Collective::start_all_reduce_sum(torch::Tensor& tensor) {
  auto pending = std::make_shared<Pending>();
  if (!active()) return pending;
  try {
    std::vector<torch::Tensor> one{tensor};
    c10d::AllreduceOptions options;
    options.timeout = timeout_;
    pending->work = group_->allreduce(one, options);
  } catch (const std::exception& error) {
    fail("all-reduce", error);
  }
  return pending;
}

void Collective::finish(const std::shared_ptr<Pending>& pending) {
  if (!pending->work) return;
  try {
    pending->work->wait(timeout_);
  } catch (const std::exception& error) {
    fail("all-reduce", error);
  }
}

void Collective::all_reduce_sum(torch::Tensor& tensor) { finish(start_all_reduce_sum(tensor)); }

void Collective::broadcast(const std::vector<torch::Tensor>& tensors) {
  if (!active()) return;
  for (const auto& group : pack(tensors, 64u << 20)) {
    auto flat = flatten(group);
    try {
      std::vector<torch::Tensor> one{flat};
      c10d::BroadcastOptions options;
      options.rootRank = 0;
      options.timeout = timeout_;
      group_->broadcast(one, options)->wait(timeout_);
    } catch (const std::exception& error) {
      fail("broadcast", error);
    }
    if (!root()) unflatten_into(flat, group);
  }
}

// Runs after a parameter's AccumulateGrad node has updated .grad (DDP hooks the same place).
class GradientSync::Hook final : public torch::autograd::FunctionPostHook {
 public:
  Hook(GradientSync& sync, std::size_t bucket) : sync_(sync), bucket_(bucket) {}
  torch::autograd::variable_list operator()(const torch::autograd::variable_list& outputs,
                                            const torch::autograd::variable_list& /*inputs*/) override {
    sync_.on_gradient(bucket_);
    return outputs;
  }

 private:
  GradientSync& sync_;
  std::size_t bucket_;
};

GradientSync::GradientSync(Collective& collective, const std::vector<torch::Tensor>& parameters, std::size_t bucket_bytes)
    : collective_(collective) {
  if (!collective.active()) return;
  const std::vector<torch::Tensor> reversed(parameters.rbegin(), parameters.rend());
  for (auto& group : pack(reversed, bucket_bytes)) {
    std::int64_t numel = 0;
    for (const auto& p : group) numel += p.numel();
    buckets_.push_back({group, torch::empty({numel}, group.front().options()), 0});
  }
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    for (const auto& p : buckets_[b].parameters) {
      auto node = torch::autograd::impl::grad_accumulator(p);
      if (!node) continue;
      node->add_post_hook(std::make_unique<Hook>(*this, b));
      accumulators_.push_back(std::move(node));
    }
  }
}

// The hooks stay registered on the accumulators, which outlive this object only if the model
// does; disarmed, they do nothing.
GradientSync::~GradientSync() { armed_ = false; }

void GradientSync::prepare(bool last) {
  armed_ = last && collective_.active();
  for (auto& bucket : buckets_) bucket.ready = 0;
  pending_.clear();
}

void GradientSync::on_gradient(std::size_t bucket) {
  if (!armed_) return;
  ++buckets_[bucket].ready;
  launch_ready();
}

void GradientSync::launch_ready() {
  while (pending_.size() < buckets_.size()) {
    auto& next = buckets_[pending_.size()];
    if (next.ready < next.parameters.size()) return;
    launch(next);
  }
}

void GradientSync::launch(Bucket& bucket) {
  torch::NoGradGuard no_grad;
  std::int64_t offset = 0;
  for (const auto& p : bucket.parameters) {
    auto slot = bucket.flat.narrow(0, offset, p.numel());
    // A parameter that took no part in this step (no gradient) contributes zeros.
    if (p.grad().defined()) slot.copy_(p.grad().reshape({-1}));
    else slot.zero_();
    offset += p.numel();
  }
  pending_.push_back(collective_.start_all_reduce_sum(bucket.flat));
}

double GradientSync::average() {
  if (!collective_.active()) return 0;
  torch::NoGradGuard no_grad;
  const auto start = std::chrono::steady_clock::now();
  armed_ = false;
  while (pending_.size() < buckets_.size()) launch(buckets_[pending_.size()]);
  const double scale = 1.0 / static_cast<double>(collective_.world_size());
  for (std::size_t b = 0; b < buckets_.size(); ++b) {
    collective_.finish(pending_[b]);
    auto& bucket = buckets_[b];
    bucket.flat.mul_(scale);
    std::int64_t offset = 0;
    for (auto& p : bucket.parameters) {
      auto slot = bucket.flat.narrow(0, offset, p.numel()).view_as(p);
      if (p.grad().defined()) p.mutable_grad().copy_(slot);
      else p.mutable_grad() = slot.clone();
      offset += p.numel();
    }
  }
  pending_.clear();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

}  // namespace sluice::finetune
