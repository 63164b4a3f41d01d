#include "sluice/core/shard_set.h"

#include <simdjson.h>

#include <algorithm>
#include <array>
#include <cstdio>

#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"

namespace sluice {
namespace {

bool ends_with(const std::string& text, std::string_view suffix) {
  return text.size() >= suffix.size() && text.compare(text.size() - suffix.size(), suffix.size(), suffix) == 0;
}

bool is_document_file(const std::string& name) {
  if (is_temporary_name(name) || name == kManifestName || name.starts_with('.')) return false;
  for (const char* suffix : {".jsonl", ".json", ".ndjson", ".zst", ".gz"}) {
    if (ends_with(name, suffix)) return true;
  }
  return false;
}

[[noreturn]] void corrupt(const std::filesystem::path& file, const std::string& what) {
  fail_at(file.string(), 0, "corrupt manifest: " + what + " (delete it to rebuild this shard set)");
}

}  // namespace

std::string shard_name(std::size_t index) {
  std::array<char, 32> name{};
  std::snprintf(name.data(), name.size(), "part-%05zu.jsonl.zst", index);
  return name.data();
}

std::vector<std::filesystem::path> list_document_files(const std::filesystem::path& path) {
  std::error_code ec;
  const auto status = std::filesystem::status(path, ec);
  if (ec || !std::filesystem::exists(status)) fail_at(path.string(), 0, "no such file or directory");
  if (!std::filesystem::is_directory(status)) return {path};
  std::vector<std::filesystem::path> files;
  const bool shard_set = std::filesystem::exists(path / kManifestName, ec);
  for (const auto& entry : std::filesystem::directory_iterator(path, ec)) {
    const std::string name = entry.path().filename().string();
    if (shard_set && !name.starts_with("part-")) continue;
    if (entry.is_regular_file() && is_document_file(name)) files.push_back(entry.path());
  }
  if (ec) fail_at(path.string(), 0, "cannot list directory: " + ec.message());
  if (files.empty()) fail_at(path.string(), 0, "no document files (*.jsonl, *.jsonl.zst, *.jsonl.gz) in this directory");
  std::sort(files.begin(), files.end());
  return files;
}

Manifest Manifest::load(const std::filesystem::path& directory) {
  Manifest manifest;
  const auto file = directory / kManifestName;
  std::error_code ec;
  if (!std::filesystem::exists(file, ec)) return manifest;
  simdjson::padded_string text;
  if (simdjson::padded_string::load(file.string()).get(text)) fail_errno("read", file.string());
  simdjson::ondemand::parser parser;
  simdjson::ondemand::document doc;
  if (parser.iterate(text).get(doc)) corrupt(file, "not JSON");
  try {
    simdjson::ondemand::object root = doc.get_object();
    for (auto field : root) {
      const std::string_view key = field.unescaped_key();
      if (key == "stage") {
        manifest.stage = std::string(std::string_view(field.value().get_string()));
      } else if (key == "config_hash") {
        manifest.config_hash = std::string(std::string_view(field.value().get_string()));
      } else if (key == "config") {
        simdjson::ondemand::object config = field.value().get_object();
        manifest.config_json = std::string(std::string_view(config.raw_json()));
      } else if (key == "shards") {
        for (simdjson::ondemand::object entry : field.value().get_array()) {
          ShardRecord record;
          for (auto item : entry) {
            const std::string_view name = item.unescaped_key();
            auto value = item.value();
            if (name == "name") record.name = std::string(std::string_view(value.get_string()));
            else if (name == "input") record.input = std::string(std::string_view(value.get_string()));
            else if (name == "documents") record.documents = value.get_uint64();
            else if (name == "text_bytes") record.text_bytes = value.get_uint64();
            else if (name == "bytes") record.file_bytes = value.get_uint64();
            else if (name == "xxh3") record.xxh3 = std::string(std::string_view(value.get_string()));
            else if (name == "config_hash") record.config_hash = std::string(std::string_view(value.get_string()));
            else if (name == "complete") record.complete = value.get_bool();
            else if (name == "counters") {
              for (auto counter : value.get_object()) {
                record.counters[std::string(std::string_view(counter.unescaped_key()))] = counter.value().get_uint64();
              }
            }
          }
          manifest.shards_.push_back(std::move(record));
        }
      } else if (key != "format" && key != "version") {
        auto value = field.value();
        std::string_view raw;
        switch (value.type()) {
          case simdjson::ondemand::json_type::object: {
            simdjson::ondemand::object object = value.get_object();
            raw = object.raw_json();
            break;
          }
          case simdjson::ondemand::json_type::array: {
            simdjson::ondemand::array array = value.get_array();
            raw = array.raw_json();
            break;
          }
          default: raw = value.raw_json_token(); break;
        }
        while (!raw.empty() && (raw.back() == ' ' || raw.back() == '\n' || raw.back() == '\r' || raw.back() == '\t')) raw.remove_suffix(1);
        manifest.extra.emplace_back(std::string(key), std::string(raw));
      }
    }
  } catch (const simdjson::simdjson_error& error) {
    corrupt(file, error.what());
  }
  return manifest;
}

void Manifest::save(const std::filesystem::path& directory) const {
  JsonWriter json(true);
  json.begin_object();
  json.field("format", "sluice-shard-set").field("version", 1);
  json.field("stage", stage).field("config_hash", config_hash);
  json.key("config").raw(config_json);
  json.key("shards").begin_array();
  for (const auto& shard : shards_) {
    json.begin_object();
    json.field("name", shard.name).field("input", shard.input);
    json.field("documents", shard.documents).field("text_bytes", shard.text_bytes);
    json.field("bytes", shard.file_bytes).field("xxh3", shard.xxh3);
    json.field("config_hash", shard.config_hash).field("complete", shard.complete);
    json.key("counters").begin_object();
    for (const auto& [name, count] : shard.counters) json.field(name, count);
    json.end_object();
    json.end_object();
  }
  json.end_array();
  for (const auto& [name, raw] : extra) json.key(name).raw(raw);
  json.end_object();
  write_file_atomically(directory / kManifestName, json.str() + "\n");
}

const ShardRecord* Manifest::find(const std::string& name) const {
  for (const auto& shard : shards_) {
    if (shard.name == name) return &shard;
  }
  return nullptr;
}

void Manifest::put(ShardRecord record) {
  for (auto& shard : shards_) {
    if (shard.name == record.name) {
      shard = std::move(record);
      return;
    }
  }
  shards_.push_back(std::move(record));
  std::sort(shards_.begin(), shards_.end(), [](const auto& a, const auto& b) { return a.name < b.name; });
}

bool shard_is_reusable(const std::filesystem::path& directory, const ShardRecord* record,
                       const std::string& config_hash) {
  if (record == nullptr || !record->complete || record->config_hash != config_hash) return false;
  std::error_code ec;
  const auto size = std::filesystem::file_size(directory / record->name, ec);
  return !ec && size == record->file_bytes;
}

std::string config_hash(const std::string& stage, const std::string& canonical_options) {
  return xxh3_128(stage + '\n' + canonical_options).hex();
}

}  // namespace sluice
