#include "sluice/evalcode/completion_store.h"

#include <simdjson.h>

#include <fstream>
#include <set>

#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"

namespace sluice::evalcode {
namespace {

// Calls fn(object) for every line of a JSONL file this module wrote; errors name FILE:LINE.
template <typename Fn>
void read_lines(const std::filesystem::path& path, Fn fn) {
  std::ifstream in(path, std::ios::binary);
  if (!in) fail_errno("cannot open", path.string());
  simdjson::ondemand::parser parser;
  std::string line;
  std::uint64_t number = 0;
  while (std::getline(in, line)) {
    ++number;
    if (line.empty()) continue;
    try {
      const simdjson::padded_string padded(line);
      auto doc = parser.iterate(padded);
      auto object = doc.get_object().value();
      fn(object);
    } catch (const simdjson::simdjson_error& e) {
      fail_at(path.string(), number, std::string("malformed line: ") + e.what());
    }
  }
}

std::string text(simdjson::ondemand::object& object, const char* key) {
  return std::string(object[key].get_string().value());
}

}  // namespace

void write_requests(const std::filesystem::path& path, const std::vector<SampleRequest>& requests) {
  std::string data;
  for (const auto& r : requests) {
    JsonWriter line;
    line.begin_object().field("task_id", r.task_id).field("prompt", r.prompt).field("first_sample", r.first_sample)
        .field("count", r.count).end_object();
    data += line.take() + "\n";
  }
  write_file_atomically(path, data);
}

std::vector<SampleRequest> read_requests(const std::filesystem::path& path) {
  std::vector<SampleRequest> requests;
  read_lines(path, [&](simdjson::ondemand::object& object) {
    SampleRequest r;
    r.task_id = text(object, "task_id");
    r.prompt = text(object, "prompt");
    r.first_sample = object["first_sample"].get_uint64().value();
    r.count = object["count"].get_uint64().value();
    requests.push_back(std::move(r));
  });
  return requests;
}

CompletionStore::CompletionStore(std::filesystem::path file, std::string sampling_key)
    : file_(std::move(file)), key_(std::move(sampling_key)) {
  std::error_code ec;
  if (!std::filesystem::exists(file_, ec)) return;
  read_lines(file_, [&](simdjson::ondemand::object& object) {
    Line l;
    l.task_id = text(object, "task_id");
    l.sample = object["sample"].get_uint64().value();
    l.completion = text(object, "completion");
    l.task_digest = text(object, "task_digest");
    l.sampling = text(object, "sampling");
    lines_.push_back(std::move(l));
    index(lines_.size() - 1);
  });
}

std::string CompletionStore::index_key(const std::string& task_id, const std::string& digest, std::uint64_t sample) {
  return task_id + '\0' + digest + '\0' + std::to_string(sample);
}

void CompletionStore::index(std::size_t line) {
  const auto& l = lines_[line];
  if (l.sampling == key_) index_[index_key(l.task_id, l.task_digest, l.sample)] = line;
}

const CompletionStore::Line* CompletionStore::find(const Task& task, std::uint64_t sample) const {
  const auto it = index_.find(index_key(task.id, task.digest, sample));
  return it == index_.end() ? nullptr : &lines_[it->second];
}

std::vector<SampleRequest> CompletionStore::missing(const std::vector<Task>& tasks, std::uint64_t n) const {
  std::vector<SampleRequest> requests;
  for (const auto& task : tasks) {
    std::uint64_t have = 0;
    while (have < n && find(task, have) != nullptr) ++have;
    if (have < n) requests.push_back({task.id, task.prompt, have, n - have});
  }
  return requests;
}

void CompletionStore::add(const std::vector<Task>& tasks, const std::filesystem::path& sampled) {
  std::map<std::string, const Task*> by_id;
  for (const auto& task : tasks) by_id[task.id] = &task;
  read_lines(sampled, [&](simdjson::ondemand::object& object) {
    Line l;
    l.task_id = text(object, "task_id");
    l.sample = object["sample"].get_uint64().value();
    l.completion = text(object, "completion");
    const auto it = by_id.find(l.task_id);
    if (it == by_id.end()) throw Error(sampled.string() + ": the sampler returned unknown task '" + l.task_id + "'");
    l.task_digest = it->second->digest;
    l.sampling = key_;
    lines_.push_back(std::move(l));
    index(lines_.size() - 1);
  });
  std::string data;
  for (const auto& l : lines_) {
    JsonWriter line;
    line.begin_object().field("task_id", l.task_id).field("sample", l.sample).field("completion", l.completion)
        .field("task_digest", l.task_digest).field("sampling", l.sampling).end_object();
    data += line.take() + "\n";
  }
  write_file_atomically(file_, data);
}

std::vector<Sample> CompletionStore::samples(const std::vector<Task>& tasks, std::uint64_t n) const {
  std::vector<Sample> out;
  for (const auto& task : tasks) {
    for (std::uint64_t i = 0; i < n; ++i) {
      const Line* l = find(task, i);
      if (l == nullptr) throw Error(file_.string() + ": task " + task.id + " lacks sample " + std::to_string(i) + " after sampling");
      out.push_back({task.id, i, l->completion});
    }
  }
  return out;
}

}  // namespace sluice::evalcode
