// JSON Lines documents parsed with simdjson On-Demand, one line at a time inside a large
// decompressed buffer. Parsing a line in place needs SIMDJSON_PADDING readable bytes after it,
// which the rest of the buffer (plus a padded tail) provides, so no line is copied.
#include <simdjson.h>

#include <cstring>
#include <vector>

#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"

namespace sluice {
namespace {

constexpr std::size_t kChunk = 1 << 20;

std::string describe(simdjson::error_code code) {
  switch (code) {
    case simdjson::UTF8_ERROR: return "invalid UTF-8 in the record";
    case simdjson::STRING_ERROR: return "invalid string (bad escape or invalid Unicode escape)";
    case simdjson::UNCLOSED_STRING: return "unterminated string";
    case simdjson::INCORRECT_TYPE: return "wrong JSON type";
    case simdjson::TRAILING_CONTENT: return "unexpected content after the JSON object";
    default: return std::string("not valid JSON (") + simdjson::error_message(code) + ")";
  }
}

// The raw JSON text of any value, for fields kept verbatim.
simdjson::error_code raw_value(simdjson::ondemand::value value, std::string_view& out) {
  simdjson::ondemand::json_type type;
  if (auto error = value.type().get(type)) return error;
  if (type == simdjson::ondemand::json_type::object) {
    simdjson::ondemand::object object;
    if (auto error = value.get_object().get(object)) return error;
    return object.raw_json().get(out);
  }
  if (type == simdjson::ondemand::json_type::array) {
    simdjson::ondemand::array array;
    if (auto error = value.get_array().get(array)) return error;
    return array.raw_json().get(out);
  }
  out = value.raw_json_token();
  while (!out.empty() && (out.back() == ' ' || out.back() == '\t' || out.back() == '\r' || out.back() == '\n')) {
    out.remove_suffix(1);
  }
  // Strings and numbers are validated when read; do it now so a bad scalar fails here.
  if (type == simdjson::ondemand::json_type::string) {
    std::string_view unused;
    return value.get_string().get(unused);
  }
  if (type == simdjson::ondemand::json_type::number) {
    double unused = 0;
    return value.get_double().get(unused);
  }
  return simdjson::SUCCESS;
}

}  // namespace

struct DocumentReader::Impl {
  std::filesystem::path path;
  std::string path_text;
  std::unique_ptr<ByteSource> source;
  std::vector<char> buffer;  // [start, end) unread data; SIMDJSON_PADDING spare bytes after end
  std::size_t start = 0;
  std::size_t end = 0;
  bool eof = false;
  std::uint64_t line = 0;
  std::uint64_t consumed = 0;
  simdjson::ondemand::parser parser;

  [[noreturn]] void fail(const std::string& message) const { fail_at(path_text, line, message); }

  // Makes room and reads more; false when the source is exhausted.
  bool refill() {
    if (eof) return false;
    if (start > 0) {
      std::memmove(buffer.data(), buffer.data() + start, end - start);
      end -= start;
      start = 0;
    }
    if (buffer.size() - end < kChunk + simdjson::SIMDJSON_PADDING) {
      buffer.resize(std::max(buffer.size() * 2, end + kChunk + simdjson::SIMDJSON_PADDING));
    }
    const std::size_t room = buffer.size() - end - simdjson::SIMDJSON_PADDING;
    const std::size_t got = source->read(buffer.data() + end, room);
    if (got == 0) {
      eof = true;
      return false;
    }
    end += got;
    return true;
  }

  // The next line (without its newline), or false at the end.
  bool next_line(std::string_view& out) {
    std::size_t scanned = start;
    for (;;) {
      const void* newline = std::memchr(buffer.data() + scanned, '\n', end - scanned);
      if (newline != nullptr) {
        const std::size_t at = static_cast<std::size_t>(static_cast<const char*>(newline) - buffer.data());
        out = std::string_view(buffer.data() + start, at - start);
        consumed += at - start + 1;
        start = at + 1;
        ++line;
        return true;
      }
      scanned = end - start;  // relative: refill moves data to the front
      if (!refill()) break;
      scanned += start;
    }
    if (start == end) return false;
    out = std::string_view(buffer.data() + start, end - start);  // last line without a newline
    consumed += end - start;
    start = end;
    ++line;
    return true;
  }

  void parse(std::string_view text, Document& doc) {
    std::memset(buffer.data() + end, 0, simdjson::SIMDJSON_PADDING);  // padding must be readable
    const std::size_t capacity = static_cast<std::size_t>(buffer.data() + buffer.size() - text.data());
    simdjson::ondemand::document json;
    if (auto error = parser.iterate(text.data(), text.size(), capacity).get(json)) fail(describe(error));
    simdjson::ondemand::object object;
    if (auto error = json.get_object().get(object)) {
      fail(error == simdjson::INCORRECT_TYPE ? "the record is not a JSON object" : describe(error));
    }
    bool has_text = false;
    bool has_id = false;
    for (auto field_result : object) {
      simdjson::ondemand::field field;
      if (auto error = std::move(field_result).get(field)) fail(describe(error));
      std::string_view key;
      if (auto error = field.unescaped_key().get(key)) fail(describe(error));
      simdjson::ondemand::value value = field.value();
      if (key == "text") {
        std::string_view text_value;
        const auto error = value.get_string().get(text_value);
        if (error == simdjson::INCORRECT_TYPE) fail("\"text\" is not a string");
        if (error) fail("\"text\": " + describe(error));
        doc.text.assign(text_value);
        has_text = true;
      } else if (key == "id") {
        std::string_view id_value;
        if (value.get_string().get(id_value) == simdjson::SUCCESS) {
          doc.id.assign(id_value);
        } else {
          // Some corpora use numeric ids; keep their spelling.
          std::int64_t number = 0;
          if (value.get_int64().get(number)) fail("\"id\" is neither a string nor an integer");
          doc.id = std::to_string(number);
        }
        has_id = true;
      } else if (key == "source") {
        std::string_view source_value;
        if (value.get_string().get(source_value) != simdjson::SUCCESS) fail("\"source\" is not a string");
        doc.source.assign(source_value);
      } else if (key == "metadata") {
        simdjson::ondemand::object metadata;
        if (value.get_object().get(metadata)) fail("\"metadata\" is not an object");
        for (auto entry_result : metadata) {
          simdjson::ondemand::field entry;
          if (auto error = std::move(entry_result).get(entry)) fail("\"metadata\": " + describe(error));
          std::string_view name;
          if (auto error = entry.unescaped_key().get(name)) fail(describe(error));
          std::string_view raw;
          if (auto error = raw_value(entry.value(), raw)) fail("metadata \"" + std::string(name) + "\": " + describe(error));
          doc.metadata.set_raw(name, std::string(raw));
        }
      } else {
        std::string_view raw;
        if (auto error = raw_value(value, raw)) fail("\"" + std::string(key) + "\": " + describe(error));
        doc.extra.set_raw(key, std::string(raw));
      }
    }
    // Anything left after the object (simdjson 3.0 has no document::at_end()).
    const char* trailing = nullptr;
    if (json.current_location().get(trailing) == simdjson::SUCCESS) fail(describe(simdjson::TRAILING_CONTENT));
    if (!has_text) fail("the record has no \"text\" field");
    if (!has_id) fail("the record has no \"id\" field");
  }
};

DocumentReader::DocumentReader(const std::filesystem::path& path) : impl_(std::make_unique<Impl>()) {
  impl_->path = path;
  impl_->path_text = path.string();
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) fail_at(impl_->path_text, 0, "is a directory, not a document file");
  impl_->source = open_source(path);
  impl_->buffer.resize(kChunk + simdjson::SIMDJSON_PADDING);
}

DocumentReader::~DocumentReader() = default;

bool DocumentReader::next(Document& doc) {
  std::string_view line;
  while (impl_->next_line(line)) {
    const bool blank = line.find_first_not_of(" \t\r") == std::string_view::npos;
    if (blank) continue;
    doc.clear();
    impl_->parse(line, doc);
    return true;
  }
  return false;
}

const std::filesystem::path& DocumentReader::path() const { return impl_->path; }
std::uint64_t DocumentReader::line() const { return impl_->line; }
std::uint64_t DocumentReader::bytes_consumed() const { return impl_->consumed; }

}  // namespace sluice
