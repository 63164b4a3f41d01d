#include <set>

#include "checkpoint_io.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
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
  return model;
}

void save_model(CausalLM& model, const std::filesystem::path& directory, DType dtype) {
  std::filesystem::create_directories(directory);
  std::vector<torch::Tensor> keep;
  std::vector<TensorBlob> blobs;
  for (const auto& item : model.named_parameters(true)) {
    auto value = item.value().detach();
    if (model.stored_transposed(item.key())) value = value.t();
    value = value.to(scalar_type(dtype)).contiguous();
    keep.push_back(value);
    blobs.push_back({item.key(), dtype, value.sizes().vec(), value.data_ptr(), static_cast<std::size_t>(value.numel() * value.element_size())});
  }
  write_safetensors(directory / "model.safetensors", blobs, {{"format", "pt"}});
  write_file_atomically(directory / "config.json", model_config_json(model.config()));
}

void save_tensors(const std::filesystem::path& path, const NamedTensors& tensors) {
  std::vector<torch::Tensor> keep;
  std::vector<TensorBlob> blobs;
  for (const auto& [name, tensor] : tensors) {
    auto value = tensor.detach().to(torch::kFloat).contiguous();
    keep.push_back(value);
    blobs.push_back({name, DType::kF32, value.sizes().vec(), value.data_ptr(), static_cast<std::size_t>(value.numel() * value.element_size())});
  }
  write_safetensors(path, blobs);
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
  save_model(*model, out, dtype);
}

}  // namespace sluice::finetune
