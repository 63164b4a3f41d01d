#include "sluice/finetune/safetensors.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <set>

#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"

namespace sluice::finetune {
namespace {

constexpr std::uint64_t kMaxHeader = 100'000'000;  // the reference reader's MAX_HEADER_SIZE

[[noreturn]] void fail(const std::filesystem::path& path, const std::string& message) {
  throw Error(path.string() + ": " + message);
}

bool parse_dtype(std::string_view name, DType& out) {
  if (name == "F32") out = DType::kF32;
  else if (name == "F16") out = DType::kF16;
  else if (name == "BF16") out = DType::kBF16;
  else return false;
  return true;
}

std::string read_whole(const std::filesystem::path& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_errno("open", path.string());
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::size_t>(in.tellg());
  in.seekg(0);
  std::string bytes(size, '\0');
  if (!in.read(bytes.data(), static_cast<std::streamsize>(size))) fail_errno("read", path.string());
  return bytes;
}

}  // namespace

const char* dtype_name(DType dtype) {
  switch (dtype) {
    case DType::kF32: return "F32";
    case DType::kF16: return "F16";
    case DType::kBF16: return "BF16";
  }
  return "?";
}

std::size_t dtype_size(DType dtype) { return dtype == DType::kF32 ? 4 : 2; }

std::uint64_t TensorInfo::elements() const {
  std::uint64_t count = 1;
  for (const auto d : shape) count *= static_cast<std::uint64_t>(d);
  return count;
}

SafetensorsFile::SafetensorsFile(const std::filesystem::path& path) : path_(path), bytes_(read_whole(path)) {
  if (bytes_.size() < 8) fail(path, "truncated: " + std::to_string(bytes_.size()) + " bytes, a safetensors file starts with an 8-byte header length");
  std::uint64_t header_length = 0;
  std::memcpy(&header_length, bytes_.data(), 8);  // little-endian on every platform we build for
  if (header_length > kMaxHeader) fail(path, "header length " + std::to_string(header_length) + " exceeds 100 MB: not a safetensors file");
  if (8 + header_length > bytes_.size()) {
    fail(path, "header length " + std::to_string(header_length) + " runs past the end of the file (" + std::to_string(bytes_.size()) + " bytes): truncated");
  }
  data_start_ = 8 + static_cast<std::size_t>(header_length);
  const std::uint64_t buffer_size = bytes_.size() - data_start_;

  simdjson::dom::parser parser;
  simdjson::dom::element root;
  const simdjson::padded_string header(bytes_.data() + 8, static_cast<std::size_t>(header_length));
  if (parser.parse(header).get(root) != simdjson::SUCCESS || !root.is_object()) fail(path, "header is not a JSON object");
  std::set<std::string> seen;
  simdjson::dom::object top;
  if (root.get_object().get(top) != simdjson::SUCCESS) fail(path, "header is not a JSON object");
  for (const auto field : top) {
    const std::string name(field.key);
    if (!seen.insert(name).second) fail(path, "tensor '" + name + "' appears twice in the header");
    if (name == "__metadata__") {
      simdjson::dom::object meta;
      if (field.value.get_object().get(meta) != simdjson::SUCCESS) fail(path, "__metadata__ must be an object of strings");
      for (const auto entry : meta) {
        std::string_view text;
        if (entry.value.get_string().get(text) != simdjson::SUCCESS) fail(path, "__metadata__." + std::string(entry.key) + " must be a string");
        metadata_[std::string(entry.key)] = std::string(text);
      }
      continue;
    }
    auto bad = [&](const std::string& what) { fail(path, "tensor '" + name + "': " + what); };
    simdjson::dom::object spec;
    if (field.value.get_object().get(spec) != simdjson::SUCCESS) bad("entry is not an object");
    TensorInfo info;
    info.name = name;
    std::string_view dtype;
    if (spec.at_key("dtype").get_string().get(dtype) != simdjson::SUCCESS) bad("missing 'dtype'");
    if (!parse_dtype(dtype, info.dtype)) bad("dtype " + std::string(dtype) + " is not supported (F32, F16, BF16)");
    simdjson::dom::array shape;
    if (spec.at_key("shape").get_array().get(shape) != simdjson::SUCCESS) bad("missing 'shape'");
    for (const auto dim : shape) {
      std::int64_t d = 0;
      if (dim.get_int64().get(d) != simdjson::SUCCESS || d < 0 || d > (std::int64_t{1} << 40)) bad("shape has a bad dimension");
      info.shape.push_back(d);
    }
    simdjson::dom::array offsets;
    if (spec.at_key("data_offsets").get_array().get(offsets) != simdjson::SUCCESS || offsets.size() != 2) {
      bad("'data_offsets' must be [begin, end]");
    }
    if (offsets.at(0).get_uint64().get(info.begin) != simdjson::SUCCESS ||
        offsets.at(1).get_uint64().get(info.end) != simdjson::SUCCESS || info.begin > info.end) {
      bad("'data_offsets' must be two ordered non-negative integers");
    }
    if (info.end > buffer_size) {
      bad("data ends at byte " + std::to_string(info.end) + " but the data buffer holds " + std::to_string(buffer_size) + " bytes (truncated file?)");
    }
    if (info.end - info.begin != info.elements() * dtype_size(info.dtype)) {
      bad("data_offsets span " + std::to_string(info.end - info.begin) + " bytes but shape and dtype need " +
          std::to_string(info.elements() * dtype_size(info.dtype)));
    }
    tensors_.push_back(std::move(info));
  }
  // The buffer must be covered exactly once: no gaps, no overlaps, nothing after the last tensor.
  std::vector<const TensorInfo*> by_offset;
  for (const auto& t : tensors_) by_offset.push_back(&t);
  std::sort(by_offset.begin(), by_offset.end(), [](auto a, auto b) { return a->begin < b->begin || (a->begin == b->begin && a->end < b->end); });
  std::uint64_t expected = 0;
  for (const auto* t : by_offset) {
    if (t->begin != expected) fail(path, "tensor '" + t->name + "' starts at byte " + std::to_string(t->begin) + ", expected " + std::to_string(expected) + " (overlapping or gapped offsets)");
    expected = t->end;
  }
  if (expected != buffer_size) fail(path, std::to_string(buffer_size - expected) + " bytes after the last tensor: offsets do not cover the data buffer");
}

const TensorInfo* SafetensorsFile::find(const std::string& name) const {
  for (const auto& t : tensors_) if (t.name == name) return &t;
  return nullptr;
}

void write_safetensors(const std::filesystem::path& path, const std::vector<TensorBlob>& tensors,
                       const std::map<std::string, std::string>& metadata) {
  JsonWriter header;
  header.begin_object();
  if (!metadata.empty()) {
    header.key("__metadata__").begin_object();
    for (const auto& [key, value] : metadata) header.field(key, value);
    header.end_object();
  }
  std::uint64_t offset = 0;
  for (const auto& t : tensors) {
    header.key(t.name).begin_object().field("dtype", dtype_name(t.dtype));
    header.key("shape").begin_array();
    for (const auto d : t.shape) header.value(static_cast<std::int64_t>(d));
    header.end_array();
    header.key("data_offsets").begin_array().value(offset).value(offset + t.bytes).end_array();
    header.end_object();
    offset += t.bytes;
  }
  header.end_object();
  std::string text = header.take();
  while ((8 + text.size()) % 8 != 0) text.push_back(' ');
  const std::uint64_t length = text.size();
  AtomicFile out(path);
  char prefix[8];
  std::memcpy(prefix, &length, 8);
  out.write(prefix, 8);
  out.write(text.data(), text.size());
  for (const auto& t : tensors) out.write(static_cast<const char*>(t.data), t.bytes);
  out.commit();
}

std::vector<std::filesystem::path> checkpoint_weight_files(const std::filesystem::path& directory) {
  const auto single = directory / "model.safetensors";
  if (std::filesystem::exists(single)) return {single};
  const auto index = directory / "model.safetensors.index.json";
  if (!std::filesystem::exists(index)) {
    fail(directory, "no model.safetensors or model.safetensors.index.json: not a checkpoint directory");
  }
  const std::string text = read_small_file(index);
  simdjson::dom::parser parser;
  simdjson::dom::object map;
  if (parser.parse(text).get_object().at_key("weight_map").get_object().get(map) != simdjson::SUCCESS) {
    fail(index, "missing the 'weight_map' object");
  }
  std::vector<std::filesystem::path> files;
  for (const auto entry : map) {
    std::string_view file;
    if (entry.value.get_string().get(file) != simdjson::SUCCESS) fail(index, "weight_map['" + std::string(entry.key) + "'] must be a file name");
    if (file.find('/') != std::string_view::npos) fail(index, "weight_map['" + std::string(entry.key) + "'] names a file outside the directory");
    const auto p = directory / std::string(file);
    if (std::find(files.begin(), files.end(), p) == files.end()) files.push_back(p);
  }
  for (const auto& f : files) if (!std::filesystem::exists(f)) fail(index, "lists " + f.filename().string() + ", which does not exist");
  return files;
}

}  // namespace sluice::finetune
