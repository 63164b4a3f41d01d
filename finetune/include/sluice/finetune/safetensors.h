#pragma once
// The safetensors container (huggingface/safetensors): u64 little-endian header length, a JSON
// header {name: {dtype, shape, data_offsets}}, then the tensor bytes. Torch-free; the parser checks
// every field and names the tensor (and the file) on any error. docs/checkpoint-format.md.
#include <cstdint>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

namespace sluice::finetune {

enum class DType { kF32, kF16, kBF16 };
const char* dtype_name(DType dtype);
std::size_t dtype_size(DType dtype);

struct TensorInfo {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;
  std::uint64_t begin = 0;  // offsets into the data buffer (after the header), end exclusive
  std::uint64_t end = 0;
  std::uint64_t elements() const;
};

// One .safetensors file read completely into memory, validated on open.
class SafetensorsFile {
 public:
  explicit SafetensorsFile(const std::filesystem::path& path);
  const std::filesystem::path& path() const { return path_; }
  const std::vector<TensorInfo>& tensors() const { return tensors_; }
  const std::map<std::string, std::string>& metadata() const { return metadata_; }
  const TensorInfo* find(const std::string& name) const;
  const char* data(const TensorInfo& info) const { return bytes_.data() + data_start_ + info.begin; }

 private:
  std::filesystem::path path_;
  std::string bytes_;
  std::size_t data_start_ = 0;
  std::vector<TensorInfo> tensors_;
  std::map<std::string, std::string> metadata_;
};

// Writes tensors in the order given (8-byte aligned data, header padded with spaces).
struct TensorBlob {
  std::string name;
  DType dtype = DType::kF32;
  std::vector<std::int64_t> shape;
  const void* data = nullptr;
  std::size_t bytes = 0;
};
void write_safetensors(const std::filesystem::path& path, const std::vector<TensorBlob>& tensors,
                       const std::map<std::string, std::string>& metadata = {});

// Files of a checkpoint directory: model.safetensors, or the shards listed by
// model.safetensors.index.json ("weight_map"); throws when neither exists.
std::vector<std::filesystem::path> checkpoint_weight_files(const std::filesystem::path& directory);

}  // namespace sluice::finetune
