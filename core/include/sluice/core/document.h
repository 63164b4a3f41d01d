#pragma once
// The document record every stage reads and writes (design.md, "Documents"): Dolma / datatrove
// fields `id`, `text`, `source`, `metadata`. Metadata values and unknown top-level fields are kept
// as raw JSON, in their order, so a stage passes through what it does not understand unchanged.
#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace sluice {

// An ordered map from key to a raw JSON value.
class JsonFields {
 public:
  using Entry = std::pair<std::string, std::string>;

  std::optional<std::string_view> raw(std::string_view key) const;
  // The decoded string if the value is a JSON string, else nullopt.
  std::optional<std::string> get_string(std::string_view key) const;
  std::optional<std::int64_t> get_int(std::string_view key) const;
  std::optional<double> get_number(std::string_view key) const;
  // The value as text for display and filtering: strings decoded, anything else as raw JSON.
  std::optional<std::string> get_text(std::string_view key) const;

  void set_raw(std::string_view key, std::string raw_json);
  void set_string(std::string_view key, std::string_view text);
  void set_int(std::string_view key, std::int64_t number);
  void set_number(std::string_view key, double number);
  bool erase(std::string_view key);

  bool empty() const { return entries_.empty(); }
  std::size_t size() const { return entries_.size(); }
  void clear() { entries_.clear(); }
  auto begin() const { return entries_.begin(); }
  auto end() const { return entries_.end(); }

  // Appends the fields as a JSON object.
  void append_json(std::string& out) const;

 private:
  std::vector<Entry> entries_;
};

struct Document {
  std::string id;
  std::string text;
  std::string source;
  JsonFields metadata;
  JsonFields extra;  // unknown top-level fields, written back verbatim

  void clear();
  // One JSON line, without the newline.
  void append_json(std::string& out) const;
  std::string to_json() const;
};

// Decodes a raw JSON string literal (with quotes); nullopt when `raw` is not a string.
std::optional<std::string> decode_json_string(std::string_view raw);

}  // namespace sluice
