// Parsing and checking a pipeline file with yaml-cpp. Each check names FILE:LINE of the node at
// fault, and unknown keys come with the closest known key, so a typo is fixed in one look.
#include <yaml-cpp/yaml.h>

#include <algorithm>
#include <cmath>
#include <set>

#include "sluice/core/error.h"
#include "sluice/core/text.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/pipelines/pipeline.h"

namespace sluice::pipelines {
namespace {

std::string join(const std::vector<std::string>& words) {
  std::string out;
  for (const auto& word : words) out += (out.empty() ? "" : ", ") + word;
  return out;
}

class Parser {
 public:
  Parser(std::filesystem::path file, std::filesystem::path base) : file_(std::move(file)), base_(std::move(base)) {}

  [[noreturn]] void fail(const YAML::Node& node, const std::string& message) const {
    fail_at(file_.string(), static_cast<std::uint64_t>(node.Mark().line + 1), message);
  }

  void unknown_key(const YAML::Node& key, const std::string& where, const std::vector<std::string>& known) const {
    const std::string word = key.Scalar();
    std::string best;
    std::size_t best_distance = std::max<std::size_t>(3, word.size() / 3 + 1);
    for (const auto& candidate : known) {
      const std::size_t distance = edit_distance(word, candidate);
      if (distance < best_distance) {
        best_distance = distance;
        best = candidate;
      }
    }
    std::string message = where + ": unknown key '" + word + "'";
    if (!best.empty()) message += "; did you mean '" + best + "'?";
    message += " (known keys: " + join(known) + ")";
    fail(key, message);
  }

  std::string scalar(const YAML::Node& node, const std::string& what) const {
    if (!node.IsScalar()) fail(node, what + " must be a single value");
    return node.Scalar();
  }

  long long integer(const YAML::Node& node, const std::string& what) const {
    long long value = 0;
    if (!node.IsScalar() || !YAML::convert<long long>::decode(node, value)) {
      fail(node, what + " must be an integer, not " + describe(node));
    }
    return value;
  }

  double number(const YAML::Node& node, const std::string& what) const {
    double value = 0;
    if (!node.IsScalar() || node.Tag() == "!" || !YAML::convert<double>::decode(node, value) || !std::isfinite(value)) {
      fail(node, what + " must be a number, not " + describe(node));
    }
    return value;
  }

  bool boolean(const YAML::Node& node, const std::string& what) const {
    bool value = false;
    if (!node.IsScalar() || !YAML::convert<bool>::decode(node, value)) {
      fail(node, what + " must be true or false, not " + describe(node));
    }
    return value;
  }

  static std::string describe(const YAML::Node& node) {
    if (node.IsMap()) return "a mapping";
    if (node.IsSequence()) return "a list";
    if (node.IsNull()) return "an empty value";
    return "'" + node.Scalar() + "'";
  }

  std::string path(const std::string& value) const {
    if (value.empty()) return value;
    std::filesystem::path p(value);
    if (p.is_relative()) p = base_ / p;
    return p.lexically_normal().string();
  }

  // A YAML value as JSON for a model config: numbers and booleans stay typed, quoted text stays text.
  void to_json(const YAML::Node& node, JsonWriter& json) const {
    if (node.IsMap()) {
      json.begin_object();
      for (const auto& entry : node) {
        json.key(scalar(entry.first, "a key"));
        to_json(entry.second, json);
      }
      json.end_object();
    } else if (node.IsSequence()) {
      json.begin_array();
      for (const auto& item : node) to_json(item, json);
      json.end_array();
    } else if (node.IsNull()) {
      json.null();
    } else {
      const std::string& text = node.Scalar();
      long long integer_value = 0;
      double number_value = 0;
      bool flag = false;
      if (node.Tag() == "!") {
        json.value(text);
      } else if (YAML::convert<long long>::decode(node, integer_value)) {
        json.value(static_cast<std::int64_t>(integer_value));
      } else if (YAML::convert<double>::decode(node, number_value) && std::isfinite(number_value)) {
        json.value(number_value);
      } else if (text == "true" || text == "false") {
        json.value(YAML::convert<bool>::decode(node, flag) && flag);
      } else {
        json.value(text);
      }
    }
  }

  OptionValue option(const OptionSpec& spec, const YAML::Node& node, const std::string& where) const {
    OptionValue value;
    value.spec = &spec;
    value.line = node.Mark().line + 1;
    const std::string what = where + ": '" + spec.key + "'";
    auto list = [&](bool paths) {
      if (node.IsScalar()) {
        value.items.push_back(paths ? path_or_url(node.Scalar()) : node.Scalar());
        return;
      }
      if (!node.IsSequence()) fail(node, what + " must be " + type_name(spec.type) + ", not " + describe(node));
      for (const auto& item : node) {
        const std::string text = scalar(item, what + " elements");
        value.items.push_back(paths ? path_or_url(text) : text);
      }
    };
    switch (spec.type) {
      case ValueType::kString: value.items.push_back(scalar(node, what)); break;
      case ValueType::kPath: value.items.push_back(path(scalar(node, what))); break;
      case ValueType::kInt: value.items.push_back(std::to_string(integer(node, what))); break;
      case ValueType::kNumber: number(node, what); value.items.push_back(node.Scalar()); break;
      case ValueType::kBool: value.items.push_back(boolean(node, what) ? "true" : "false"); break;
      case ValueType::kStringList: list(false); break;
      case ValueType::kPathList: list(true); break;
      case ValueType::kStageRef: value.items.push_back(scalar(node, what)); break;
      case ValueType::kStageRefList: list(false); break;
      case ValueType::kChoice: {
        const std::string text = scalar(node, what);
        if (std::find(spec.choices.begin(), spec.choices.end(), text) == spec.choices.end()) {
          fail(node, what + " must be one of " + join(spec.choices) + ", not '" + text + "'");
        }
        value.items.push_back(text);
        break;
      }
      case ValueType::kMap: {
        if (!node.IsMap()) fail(node, what + " must be a mapping (key: value lines), not " + describe(node));
        JsonWriter json;
        to_json(node, json);
        value.map_json = json.take();
        break;
      }
    }
    return value;
  }

  std::string path_or_url(const std::string& value) const { return looks_like_url(value) ? value : path(value); }

  StageConfig stage(const YAML::Node& node, const Pipeline& pipeline) const {
    if (!node.IsMap()) fail(node, "each entry of 'stages' must be a mapping with a 'stage:' key");
    const YAML::Node kind = node["stage"];
    if (!kind) fail(node, "this stage has no 'stage:' key (which subcommand it runs)");
    const std::string kind_name = scalar(kind, "'stage'");
    StageConfig config;
    config.spec = find_stage(kind_name);
    if (!config.spec) {
      std::vector<std::string> names;
      for (const auto& spec : stage_catalog()) names.push_back(spec.name);
      fail(kind, "unknown stage '" + kind_name + "' (known stages: " + join(names) + ")");
    }
    config.line = node.Mark().line + 1;
    config.name = kind_name;
    std::replace(config.name.begin(), config.name.end(), ' ', '_');  // "tokenizer train" -> tokenizer_train
    config.tasks = pipeline.tasks;
    std::vector<std::string> known = {"stage", "name", "in", "tasks"};
    for (const auto& spec : config.spec->options) known.push_back(spec.key);
    std::set<std::string> seen;
    for (const auto& entry : node) {
      const std::string key = scalar(entry.first, "a key");
      if (std::find(known.begin(), known.end(), key) == known.end()) unknown_key(entry.first, "stage '" + kind_name + "'", known);
      seen.insert(key);
    }
    if (const YAML::Node name = node["name"]) config.name = scalar(name, "'name'");
    if (config.name.empty() || config.name.find_first_of("/\\ .") != std::string::npos) {
      fail(node["name"] ? node["name"] : node, "stage name '" + config.name + "' must be a non-empty word without '/', '.' or spaces");
    }
    const std::string where = "stage '" + config.name + "'";
    if (pipeline.find(config.name)) {
      fail(node["name"] ? node["name"] : kind, where + ": a stage of that name comes earlier; give this one a 'name:'");
    }
    if (const YAML::Node tasks = node["tasks"]) {
      const long long count = integer(tasks, where + ": 'tasks'");
      if (count < 1 || count > 100000) fail(tasks, where + ": 'tasks' must be between 1 and 100000");
      config.tasks = static_cast<int>(count);
    }
    if (config.spec->split == Split::kNone) config.tasks = 1;
    if (!config.spec->in_flag.empty()) {
      if (const YAML::Node in = node["in"]) {
        const std::string text = scalar(in, where + ": 'in'");
        if (pipeline.find(text)) config.input_stage = text;
        else if (text.find('/') != std::string::npos || text.find('.') != std::string::npos) config.input_path = path(text);
        else fail(in, where + ": 'in' names no earlier stage '" + text + "' (write a path with a '/' for a directory)");
      } else if (!pipeline.stages.empty()) {
        config.input_stage = pipeline.stages.back().name;
      } else {
        fail(node, where + ": the first stage needs 'in:' (a directory of documents)");
      }
    } else if (node["in"]) {
      fail(node["in"], where + ": this stage reads no input ('in' does not apply)");
    }
    for (const auto& spec : config.spec->options) {
      const YAML::Node value = node[spec.key];
      if (!value) {
        if (spec.required) fail(node, where + ": '" + spec.key + "' is required (" + type_name(spec.type) + ")");
        continue;
      }
      OptionValue parsed = option(spec, value, where);
      if (spec.type == ValueType::kStageRef || spec.type == ValueType::kStageRefList) {
        for (auto& item : parsed.items) {
          if (pipeline.find(item)) continue;
          if (item.find('/') == std::string::npos && item.find('.') == std::string::npos) {
            fail(value, where + ": '" + spec.key + "' names no earlier stage '" + item + "' (write a path with a '/' for a file)");
          }
          item = path(item);
        }
      }
      config.options.push_back(std::move(parsed));
    }
    return config;
  }

  Pipeline pipeline(const YAML::Node& root) const {
    if (!root.IsMap()) fail(root, "a pipeline file is a mapping with 'run_dir' and 'stages'");
    Pipeline pipeline;
    const std::vector<std::string> known = {"run_dir", "tasks", "parallel", "slurm", "stages"};
    for (const auto& entry : root) {
      const std::string key = scalar(entry.first, "a key");
      if (std::find(known.begin(), known.end(), key) == known.end()) unknown_key(entry.first, "pipeline", known);
    }
    if (const YAML::Node run_dir = root["run_dir"]) pipeline.run_dir = path(scalar(run_dir, "'run_dir'"));
    if (const YAML::Node tasks = root["tasks"]) {
      const long long count = integer(tasks, "'tasks'");
      if (count < 1 || count > 100000) fail(tasks, "'tasks' must be between 1 and 100000");
      pipeline.tasks = static_cast<int>(count);
    }
    if (const YAML::Node parallel = root["parallel"]) {
      const long long count = integer(parallel, "'parallel'");
      if (count < 0 || count > 4096) fail(parallel, "'parallel' must be between 0 (one per CPU) and 4096");
      pipeline.parallel = static_cast<int>(count);
    }
    if (const YAML::Node slurm = root["slurm"]) parse_slurm(slurm, pipeline.slurm);
    const YAML::Node stages = root["stages"];
    if (!stages) fail(root, "the pipeline has no 'stages:' list");
    if (!stages.IsSequence() || stages.size() == 0) fail(stages, "'stages' must be a non-empty list");
    for (const auto& node : stages) pipeline.stages.push_back(stage(node, pipeline));
    return pipeline;
  }

  void parse_slurm(const YAML::Node& node, SlurmSettings& slurm) const {
    if (!node.IsMap()) fail(node, "'slurm' must be a mapping");
    const std::vector<std::string> known = {"partition", "account", "time", "mem", "cpus_per_task",
                                            "training_time", "training_cpus", "extra"};
    for (const auto& entry : node) {
      const std::string key = scalar(entry.first, "a key");
      if (std::find(known.begin(), known.end(), key) == known.end()) unknown_key(entry.first, "slurm", known);
      const YAML::Node& value = entry.second;
      if (key == "partition") slurm.partition = scalar(value, "slurm 'partition'");
      else if (key == "account") slurm.account = scalar(value, "slurm 'account'");
      else if (key == "time") slurm.time = scalar(value, "slurm 'time'");
      else if (key == "mem") slurm.mem = scalar(value, "slurm 'mem'");
      else if (key == "training_time") slurm.training_time = scalar(value, "slurm 'training_time'");
      else if (key == "cpus_per_task") slurm.cpus_per_task = static_cast<int>(integer(value, "slurm 'cpus_per_task'"));
      else if (key == "training_cpus") slurm.training_cpus = static_cast<int>(integer(value, "slurm 'training_cpus'"));
      else if (key == "extra") {
        if (value.IsScalar()) slurm.extra.push_back(value.Scalar());
        else if (value.IsSequence()) for (const auto& item : value) slurm.extra.push_back(scalar(item, "slurm 'extra' elements"));
        else fail(value, "slurm 'extra' must be a list of sbatch arguments");
      }
    }
  }

 private:
  std::filesystem::path file_;
  std::filesystem::path base_;
};

}  // namespace

bool looks_like_url(const std::string& value) {
  return value.find("://") != std::string::npos || (value.find('@') != std::string::npos && value.find(':') != std::string::npos);
}

const OptionValue* StageConfig::option(const std::string& key) const {
  for (const auto& value : options) {
    if (value.spec->key == key) return &value;
  }
  return nullptr;
}

std::vector<std::string> StageConfig::upstream() const {
  std::vector<std::string> names;
  if (!input_stage.empty()) names.push_back(input_stage);
  for (const auto& value : options) {
    if (value.spec->type != ValueType::kStageRef && value.spec->type != ValueType::kStageRefList) continue;
    for (const auto& item : value.items) {
      if (std::filesystem::path(item).is_relative() && std::find(names.begin(), names.end(), item) == names.end()) {
        names.push_back(item);
      }
    }
  }
  return names;
}

const StageConfig* Pipeline::find(const std::string& name) const {
  const int index = index_of(name);
  return index < 0 ? nullptr : &stages[static_cast<std::size_t>(index)];
}

int Pipeline::index_of(const std::string& name) const {
  for (std::size_t i = 0; i < stages.size(); ++i) {
    if (stages[i].name == name) return static_cast<int>(i);
  }
  return -1;
}

Pipeline parse_pipeline(const std::string& text, const std::filesystem::path& file) {
  YAML::Node root;
  try {
    root = YAML::Load(text);
  } catch (const YAML::ParserException& error) {
    fail_at(file.string(), static_cast<std::uint64_t>(error.mark.line + 1), "not valid YAML: " + error.msg);
  }
  const auto base = std::filesystem::absolute(file).parent_path();
  Pipeline pipeline = Parser(file, base).pipeline(root);
  pipeline.file = std::filesystem::absolute(file);
  pipeline.text = text;
  if (pipeline.run_dir.empty()) pipeline.run_dir = base / ("run-" + file.stem().string());
  return pipeline;
}

Pipeline load_pipeline(const std::filesystem::path& file) {
  if (!std::filesystem::is_regular_file(file)) fail_at(file.string(), 0, "no such pipeline file");
  return parse_pipeline(read_small_file(file), file);
}

}  // namespace sluice::pipelines
