// The commands that need LibTorch. Their options, help and work live in libsluice_torch.so
// (finetune/commands/), loaded only when one of them runs; here they are named for
// `sluice --help` and every argument, --help included, is passed through.
#include "../command.h"
#include "../torch_module.h"

namespace sluice::cli {
namespace {

struct TorchCommand {
  const char* name;
  const char* summary;
  int order;
};

constexpr TorchCommand kTorchCommands[] = {
    {"pretrain", "Train a GPT-2 model from random initialisation on token shards", 600},
    {"finetune", "Continue training a checkpoint on token shards (e.g. adapt to code)", 601},
    {"eval", "Loss, perplexity and bits per byte of a checkpoint on token shards", 602},
    {"generate", "Sample text from a checkpoint (temperature, top-k, top-p, KV cache)", 603},
    {"export-model", "Write a checkpoint as a plain Hugging Face GPT-2 directory (LoRA adapters merged)", 604},
};

bool register_all() {
  for (const auto& command : kTorchCommands) {
    const std::string name = command.name;
    register_command({name, command.summary, command.order, [name](CLI::App& app) -> RunFunction {
                        app.set_help_flag();  // the module prints the real help
                        app.allow_extras();
                        app.prefix_command();
                        return [&app, name] { return run_torch_command(name, app.remaining()); };
                      }});
  }
  return true;
}

const bool registered = register_all();

}  // namespace
}  // namespace sluice::cli
