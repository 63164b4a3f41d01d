#include <simdjson.h>

#include <set>

#include "checkpoint_io.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/finetune/checkpoint.h"

namespace sluice::finetune {
namespace {

torch::ScalarType scalar_type(DType dtype) {
  switch (dtype) {
    case DType::kF32: return torch::kFloat;
    case DType::kF16: return torch::kHalf;
    case DType::kBF16: return torch::kBFloat16;
  }
  return torch::kFloat;
}

std::string shape_text(const std::vector<std::int64_t>& shape) {
  std::string text = "[";
  for (std::size_t i = 0; i < shape.size(); ++i) text += (i ? ", " : "") + std::to_string(shape[i]);
  return text + "]";
}

torch::Tensor to_tensor(const SafetensorsFile& file, const TensorInfo& info) {
  // from_blob does not own the bytes: clone (and widen) into a tensor that does.
  auto view = torch::from_blob(const_cast<char*>(file.data(info)), info.shape, torch::TensorOptions().dtype(scalar_type(info.dtype)));
  return view.to(torch::kFloat, /*non_blocking=*/false, /*copy=*/true);
}

// PEFT's names in adapter_model.safetensors: "base_model.model.transformer.h.0.attn.c_attn.lora_A.weight".
constexpr const char* kAdapterPrefix = "base_model.model.transformer.";

// Keeps the converted tensors alive until the file is written.
struct Blobs {
  std::vector<torch::Tensor> keep;
  std::vector<TensorBlob> list;
  void add(const std::string& name, torch::Tensor value, DType dtype) {
    // Files are written from host memory: a model trained on a GPU is copied back first.
    value = value.detach().to(scalar_type(dtype)).to(torch::kCPU).contiguous();
    keep.push_back(value);
    list.push_back({name, dtype, value.sizes().vec(), value.data_ptr(), static_cast<std::size_t>(value.numel() * value.element_size())});
  }
};

std::string adapter_config_json(const LoraSettings& lora) {
  JsonWriter out(true);
  out.begin_object().field("peft_type", "LORA").field("task_type", "CAUSAL_LM").field("r", lora.rank).field("lora_alpha", lora.alpha);
  out.key("target_modules").begin_array();
  for (const auto& t : lora.targets) out.value(t);
  out.end_array();
  // GPT-2's layers are Conv1D ([in, out] weights): PEFT merges with the delta transposed.
  out.field("fan_in_fan_out", true).field("lora_dropout", 0.0).field("bias", "none").field("inference_mode", false);
  out.end_object();
  return out.take() + "\n";
}

LoraSettings read_adapter_config(const std::filesystem::path& path) {
  const std::string text = read_small_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::object obj;
  if (parser.parse(text).get_object().get(obj) != simdjson::SUCCESS) throw Error(path.string() + ": not a JSON object");
  LoraSettings lora;
  simdjson::dom::array targets;
  if (obj.at_key("r").get_int64().get(lora.rank) != simdjson::SUCCESS || lora.rank < 1) throw Error(path.string() + ": 'r' must be a positive integer");
  if (obj.at_key("lora_alpha").get_double().get(lora.alpha) != simdjson::SUCCESS) {
    std::int64_t alpha = 0;
    if (obj.at_key("lora_alpha").get_int64().get(alpha) != simdjson::SUCCESS) throw Error(path.string() + ": 'lora_alpha' must be a number");
    lora.alpha = static_cast<double>(alpha);
  }
  if (obj.at_key("target_modules").get_array().get(targets) != simdjson::SUCCESS) throw Error(path.string() + ": 'target_modules' must be a list");
  for (auto t : targets) {
    std::string_view name;
    if (t.get_string().get(name) != simdjson::SUCCESS) throw Error(path.string() + ": 'target_modules' must hold strings");
    lora.targets.emplace_back(name);
  }
  return lora;
}

void load_adapters(CausalLM& model, const std::filesystem::path& directory) {
  const auto config_path = directory / "adapter_config.json";
  try {
    model.add_lora(read_adapter_config(config_path));
  } catch (const Error&) {
    throw;
  } catch (const std::exception& e) {
    throw Error(config_path.string() + ": " + e.what());
  }
  const auto path = directory / "adapter_model.safetensors";
  const SafetensorsFile file(path);
  auto params = model.named_parameters(true);
  std::set<std::string> loaded;
  torch::NoGradGuard no_grad;
  for (const auto& info : file.tensors()) {
    std::string name = info.name;
    for (const std::string prefix : {"base_model.model.", "transformer."}) {
      if (name.rfind(prefix, 0) == 0) name = name.substr(prefix.size());
    }
    auto* param = params.find(name);
    if (param == nullptr || !is_lora_parameter(name)) {
      throw Error(path.string() + ": unexpected tensor '" + info.name + "' (adapter_config.json names other layers)");
    }
    if (info.shape != param->sizes().vec()) {
      throw Error(path.string() + ": tensor '" + info.name + "' has shape " + shape_text(info.shape) + ", the adapter needs " +
                  shape_text(param->sizes().vec()));
    }
    param->copy_(to_tensor(file, info));
    loaded.insert(name);
  }
  for (const auto& item : params) {
    if (is_lora_parameter(item.key()) && !loaded.count(item.key())) throw Error(path.string() + ": lacks adapter tensor '" + item.key() + "'");
  }
}

}  // namespace

void load_weights(CausalLM& model, const std::filesystem::path& directory) {
  auto params = model.named_parameters(/*recurse=*/true);
  std::set<std::string> loaded;
  torch::NoGradGuard no_grad;
  for (const auto& path : checkpoint_weight_files(directory)) {
    const SafetensorsFile file(path);
    for (const auto& info : file.tensors()) {
      std::string name = info.name;
      if (name.rfind("transformer.", 0) == 0) name = name.substr(12);
      if (model.ignored_on_load(name)) continue;
      auto* param = params.find(name);
      if (param == nullptr) {
        throw Error(path.string() + ": unexpected tensor '" + info.name + "' (not a " + model.config().model_type +
                    " parameter; is config.json from the same model?)");
      }
      std::vector<std::int64_t> expected = param->sizes().vec();
      const bool transposed = model.stored_transposed(name);
      if (transposed) std::swap(expected[0], expected[1]);
      if (info.shape != expected) {
        throw Error(path.string() + ": tensor '" + info.name + "' has shape " + shape_text(info.shape) + " but config.json implies " +
                    shape_text(expected));
      }
      auto value = to_tensor(file, info);
      if (transposed) value = value.t();
      param->copy_(value);
      loaded.insert(name);
    }
  }
  std::string missing;
  for (const auto& item : params) {
    if (!loaded.count(item.key())) missing += (missing.empty() ? "" : ", ") + item.key();
  }
  if (!missing.empty()) throw Error(directory.string() + ": checkpoint lacks tensors: " + missing);
}

std::shared_ptr<CausalLM> load_model(const std::filesystem::path& directory) {
  auto model = make_model(load_model_config(directory / "config.json"));
  load_weights(*model, directory);
  if (std::filesystem::exists(directory / "adapter_config.json")) load_adapters(*model, directory);
  return model;
}

void save_model(CausalLM& model, const std::filesystem::path& directory, DType dtype, bool merge_lora) {
  std::filesystem::create_directories(directory);
  // Weights that carry an adapter, by name, for merging.
  std::map<std::string, AdaptableLinear*> adapted;
  for (auto& [name, layer] : model.adaptable_layers()) {
    if (layer->has_lora()) adapted[name + ".weight"] = layer;
  }
  Blobs weights, adapters;
  for (const auto& item : model.named_parameters(true)) {
    if (is_lora_parameter(item.key())) {
      if (!merge_lora) adapters.add(kAdapterPrefix + item.key(), item.value(), DType::kF32);
      continue;
    }
    const auto layer = adapted.find(item.key());
    auto value = merge_lora && layer != adapted.end() ? layer->second->merged_weight() : item.value();
    if (model.stored_transposed(item.key())) value = value.t();
    weights.add(item.key(), value, dtype);
  }
  write_safetensors(directory / "model.safetensors", weights.list, {{"format", "pt"}});
  write_file_atomically(directory / "config.json", model_config_json(model.config()));
  if (!adapters.list.empty()) {
    write_safetensors(directory / "adapter_model.safetensors", adapters.list, {{"format", "pt"}});
    write_file_atomically(directory / "adapter_config.json", adapter_config_json(*model.lora()));
  } else {
    // A plain model: adapters left from an earlier save would be applied on load.
    std::filesystem::remove(directory / "adapter_config.json");
    std::filesystem::remove(directory / "adapter_model.safetensors");
  }
}

void save_tensors(const std::filesystem::path& path, const NamedTensors& tensors) {
  Blobs blobs;
  for (const auto& [name, tensor] : tensors) blobs.add(name, tensor, DType::kF32);
  write_safetensors(path, blobs.list);
}

std::map<std::string, torch::Tensor> load_tensors(const std::filesystem::path& path) {
  const SafetensorsFile file(path);
  std::map<std::string, torch::Tensor> out;
  for (const auto& info : file.tensors()) out[info.name] = to_tensor(file, info);
  return out;
}

void init_checkpoint(const ModelConfig& config, std::uint64_t seed, const std::filesystem::path& out) {
  torch::manual_seed(seed);
  auto model = make_model(config);
  save_model(*model, out);
}

void convert_checkpoint(const std::filesystem::path& in, const std::filesystem::path& out, DType dtype) {
  auto model = load_model(in);
  save_model(*model, out, dtype, /*merge_lora=*/true);
}

}  // namespace sluice::finetune
