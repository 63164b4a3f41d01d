#include "sluice/core/document.h"

#include <simdjson.h>

#include <charconv>

#include "sluice/core/json.h"

namespace sluice {
namespace {

std::string_view trim(std::string_view text) {
  while (!text.empty() && (text.front() == ' ' || text.front() == '\n' || text.front() == '\t' || text.front() == '\r')) text.remove_prefix(1);
  while (!text.empty() && (text.back() == ' ' || text.back() == '\n' || text.back() == '\t' || text.back() == '\r')) text.remove_suffix(1);
  return text;
}

std::string number_json(double number) {
  JsonWriter writer;
  writer.value(number);
  return writer.take();
}

}  // namespace

std::optional<std::string> decode_json_string(std::string_view raw) {
  raw = trim(raw);
  if (raw.size() < 2 || raw.front() != '"' || raw.back() != '"') return std::nullopt;
  const std::string_view inner = raw.substr(1, raw.size() - 2);
  if (inner.find('\\') == std::string_view::npos) return std::string(inner);
  // Escapes are rare in metadata; let simdjson decode them.
  simdjson::ondemand::parser parser;
  simdjson::padded_string padded(raw);
  auto doc = parser.iterate(padded);
  std::string_view decoded;
  if (doc.get_string().get(decoded) != simdjson::SUCCESS) return std::nullopt;
  return std::string(decoded);
}

std::optional<std::string_view> JsonFields::raw(std::string_view key) const {
  for (const auto& [name, value] : entries_) {
    if (name == key) return std::string_view(value);
  }
  return std::nullopt;
}

std::optional<std::string> JsonFields::get_string(std::string_view key) const {
  const auto value = raw(key);
  if (!value) return std::nullopt;
  return decode_json_string(*value);
}

std::optional<std::int64_t> JsonFields::get_int(std::string_view key) const {
  const auto value = raw(key);
  if (!value) return std::nullopt;
  const std::string_view text = trim(*value);
  std::int64_t number = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), number);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return number;
}

std::optional<double> JsonFields::get_number(std::string_view key) const {
  const auto value = raw(key);
  if (!value) return std::nullopt;
  const std::string_view text = trim(*value);
  double number = 0;
  const auto result = std::from_chars(text.data(), text.data() + text.size(), number);
  if (result.ec != std::errc() || result.ptr != text.data() + text.size()) return std::nullopt;
  return number;
}

std::optional<std::string> JsonFields::get_text(std::string_view key) const {
  const auto value = raw(key);
  if (!value) return std::nullopt;
  if (auto text = decode_json_string(*value)) return text;
  return std::string(trim(*value));
}

void JsonFields::set_raw(std::string_view key, std::string raw_json) {
  for (auto& [name, value] : entries_) {
    if (name == key) {
      value = std::move(raw_json);
      return;
    }
  }
  entries_.emplace_back(std::string(key), std::move(raw_json));
}

void JsonFields::set_string(std::string_view key, std::string_view text) { set_raw(key, json_string(text)); }
void JsonFields::set_int(std::string_view key, std::int64_t number) { set_raw(key, std::to_string(number)); }
void JsonFields::set_number(std::string_view key, double number) { set_raw(key, number_json(number)); }

bool JsonFields::erase(std::string_view key) {
  for (auto it = entries_.begin(); it != entries_.end(); ++it) {
    if (it->first == key) {
      entries_.erase(it);
      return true;
    }
  }
  return false;
}

void JsonFields::append_json(std::string& out) const {
  out.push_back('{');
  bool first = true;
  for (const auto& [name, value] : entries_) {
    if (!first) out.push_back(',');
    first = false;
    append_json_string(out, name);
    out.push_back(':');
    out.append(value);
  }
  out.push_back('}');
}

void Document::clear() {
  id.clear();
  text.clear();
  source.clear();
  metadata.clear();
  extra.clear();
}

void Document::append_json(std::string& out) const {
  out.append("{\"id\":");
  append_json_string(out, id);
  out.append(",\"text\":");
  append_json_string(out, text);
  out.append(",\"source\":");
  append_json_string(out, source);
  out.append(",\"metadata\":");
  metadata.append_json(out);
  for (const auto& [name, value] : extra) {
    out.push_back(',');
    append_json_string(out, name);
    out.push_back(':');
    out.append(value);
  }
  out.push_back('}');
}

std::string Document::to_json() const {
  std::string out;
  append_json(out);
  return out;
}

}  // namespace sluice
