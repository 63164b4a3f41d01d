// The run report: reads what a run directory holds (stage records, manifests, documents of the
// last document stage, duplicate clusters, token shards, training metrics, evaluations) and
// draws what it finds. Anything absent is skipped, so the page works for a partial run too.
#include "sluice/pipelines/report.h"

#include <simdjson.h>

#include <algorithm>
#include <cstring>
#include <fstream>
#include <map>

#include "internal.h"
#include "svg.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"
#include "sluice/pipelines/pipeline.h"

namespace sluice::pipelines {
namespace {

namespace fs = std::filesystem;

struct StageData {
  std::string name;
  std::string stage;
  bool finished = false;
  double seconds = 0;
  int exit_code = 0;
  std::string tool_version;
  std::string fingerprint;
  std::string finished_at;
  fs::path dir;
  // From the stage's summary and its output manifest.
  double documents_in = -1, documents_out = -1, bytes_in = -1, bytes_out = -1;
  std::map<std::string, double> removed;  // reason -> documents
  std::map<std::string, double> options;  // numeric training options
};

double number_at(simdjson::dom::element object, const char* key, double fallback = -1) {
  double value = 0;
  if (object[key].get_double().get(value) == simdjson::SUCCESS) return value;
  std::int64_t integer = 0;
  if (object[key].get_int64().get(integer) == simdjson::SUCCESS) return static_cast<double>(integer);
  std::uint64_t unsigned_value = 0;
  if (object[key].get_uint64().get(unsigned_value) == simdjson::SUCCESS) return static_cast<double>(unsigned_value);
  return fallback;
}

// The pipeline's order first, then any other stage directory (a stage renamed since, say).
std::vector<std::string> stage_order(const fs::path& run_dir) {
  std::vector<std::string> names;
  try {
    const Pipeline pipeline = parse_pipeline(read_small_file(run_dir / "pipeline.yaml"), run_dir / "pipeline.yaml");
    for (const auto& stage : pipeline.stages) names.push_back(stage.name);
  } catch (const std::exception&) {
  }
  std::vector<std::string> others;
  for (const auto& entry : fs::directory_iterator(run_dir / "stages")) {
    const std::string name = entry.path().filename().string();
    if (entry.is_directory() && std::find(names.begin(), names.end(), name) == names.end()) others.push_back(name);
  }
  std::sort(others.begin(), others.end());
  names.insert(names.end(), others.begin(), others.end());
  return names;
}

StageData load_stage(const fs::path& run_dir, const std::string& name) {
  StageData data;
  data.name = name;
  data.dir = run_dir / "stages" / name;
  const auto record_file = data.dir / "stage.json";
  if (!fs::exists(record_file)) return data;
  simdjson::dom::parser parser;
  const std::string text = read_small_file(record_file);
  simdjson::dom::element root;
  if (parser.parse(text).get(root)) return data;
  data.finished = true;
  std::string_view view;
  if (!root["stage"].get_string().get(view)) data.stage = std::string(view);
  if (!root["tool_version"].get_string().get(view)) data.tool_version = std::string(view);
  if (!root["fingerprint"].get_string().get(view)) data.fingerprint = std::string(view);
  if (!root["finished_at"].get_string().get(view)) data.finished_at = std::string(view);
  data.seconds = number_at(root, "seconds", 0);
  data.exit_code = static_cast<int>(number_at(root, "exit_code", 0));
  simdjson::dom::element summary;
  if (!root["summary"].get(summary) && summary.is_object()) {
    data.documents_in = number_at(summary, "documents_in");
    data.documents_out = number_at(summary, "documents_out");
    data.bytes_in = number_at(summary, "text_bytes_in");
    data.bytes_out = number_at(summary, "text_bytes_out");
  }
  simdjson::dom::object options;
  if (!root["config"]["options"].get_object().get(options)) {
    for (auto field : options) {
      double value = 0;
      if (!field.value.get_double().get(value)) data.options[std::string(field.key)] = value;
      std::int64_t integer = 0;
      if (!field.value.get_int64().get(integer)) data.options[std::string(field.key)] = static_cast<double>(integer);
    }
  }
  // The output shard set: what was kept and, per reason, what was removed.
  const auto out = data.dir / "out";
  if (fs::exists(out / kManifestName)) {
    try {
      const Manifest manifest = Manifest::load(out);
      double documents = 0, bytes = 0;
      for (const auto& shard : manifest.shards()) {
        documents += static_cast<double>(shard.documents);
        bytes += static_cast<double>(shard.text_bytes);
        for (const auto& [counter, count] : shard.counters) {
          if (counter.rfind("rejected:", 0) == 0) data.removed[counter.substr(9)] += static_cast<double>(count);
        }
      }
      data.documents_out = documents;
      data.bytes_out = bytes;
    } catch (const Error&) {
    }
  }
  return data;
}

// Reads every line of a JSON Lines file (plain, .zst or .gz) and hands each parsed record on.
template <typename Fn>
void for_each_record(const fs::path& file, Fn&& fn) {
  auto source = open_source(file);
  std::string pending;
  std::vector<char> buffer(1 << 16);
  simdjson::dom::parser parser;
  auto flush_line = [&](const std::string& line) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) return;
    simdjson::dom::element element;
    if (!parser.parse(line).get(element)) fn(element);
  };
  while (const std::size_t n = source->read(buffer.data(), buffer.size())) {
    pending.append(buffer.data(), n);
    std::size_t start = 0, newline;
    while ((newline = pending.find('\n', start)) != std::string::npos) {
      flush_line(pending.substr(start, newline - start));
      start = newline + 1;
    }
    pending.erase(0, start);
  }
  flush_line(pending);
}

struct TokenShard {
  std::string name;
  double tokens = 0;
  double documents = 0;
};

// The footer of a .tok file (docs/tok-format.md): num_documents at 24, num_tokens at 32, magic
// "SLUICEND" at 56 of the last 64 bytes.
bool read_tok_footer(const fs::path& file, TokenShard& shard) {
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  in.seekg(0, std::ios::end);
  const auto size = static_cast<std::streamoff>(in.tellg());
  if (size < 192) return false;
  unsigned char footer[64];
  in.seekg(size - 64);
  in.read(reinterpret_cast<char*>(footer), 64);
  if (!in || std::memcmp(footer + 56, "SLUICEND", 8) != 0) return false;
  auto u64 = [&](int offset) {
    std::uint64_t value = 0;
    for (int i = 7; i >= 0; --i) value = (value << 8) | footer[offset + i];
    return static_cast<double>(value);
  };
  shard.documents = u64(24);
  shard.tokens = u64(32);
  return true;
}

struct Charts {
  std::string html;
  JsonWriter data{false};
  std::vector<std::string> names;
  void add(const std::string& name, const std::string& heading, const std::string& svg, const std::string& note = "") {
    names.push_back(name);
    html += "<section><h2>" + svg::escape(heading) + "</h2>" + svg;
    if (!note.empty()) html += "<p class=\"note\">" + svg::escape(note) + "</p>";
    html += "</section>\n";
  }
};

std::vector<svg::Bar> top_bars(const std::map<std::string, double>& values, std::size_t limit) {
  std::vector<std::pair<std::string, double>> rows(values.begin(), values.end());
  std::sort(rows.begin(), rows.end(), [](const auto& a, const auto& b) { return a.second != b.second ? a.second > b.second : a.first < b.first; });
  std::vector<svg::Bar> bars;
  double other = 0;
  for (std::size_t i = 0; i < rows.size(); ++i) {
    if (i < limit) bars.push_back({rows[i].first, {rows[i].second}});
    else other += rows[i].second;
  }
  if (other > 0) bars.push_back({"(" + std::to_string(rows.size() - limit) + " others)", {other}});
  return bars;
}

void data_map(JsonWriter& json, const std::string& key, const std::map<std::string, double>& values) {
  json.key(key).begin_object();
  for (const auto& [name, value] : values) json.field(name, value);
  json.end_object();
}

// Calls fn("STAGE: NAME", summary) for each JSON summary (out/NAME.json, one per checkpoint) that
// the stages of one kind wrote; unreadable files are left out of the report.
template <typename Fn>
void for_each_checkpoint_summary(const std::vector<StageData>& stages, const std::string& kind, Fn&& fn) {
  for (const auto& stage : stages) {
    if (stage.stage != kind || !fs::is_directory(stage.dir / "out")) continue;
    for (const auto& entry : fs::directory_iterator(stage.dir / "out")) {
      if (entry.path().extension() != ".json") continue;
      simdjson::dom::parser parser;
      simdjson::dom::element root;
      const std::string text = read_small_file(entry.path());
      if (parser.parse(text).get(root)) continue;
      fn(stage.name + ": " + entry.path().stem().string(), root);
    }
  }
}

// One value per bar: embedded in the data under `key` and drawn when there is anything to draw.
void add_map_chart(Charts& charts, JsonWriter& data, const std::string& key, const std::map<std::string, double>& values,
                   const std::string& chart, const std::string& title, const std::string& series, const std::string& unit) {
  data_map(data, key, values);
  if (values.empty()) return;
  std::vector<svg::Bar> bars;
  for (const auto& [name, value] : values) bars.push_back({name, {value}});
  charts.add(chart, title, svg::bar_chart(chart, series, {series}, bars, unit));
}

}  // namespace

ReportSummary write_report(const fs::path& run_dir, const fs::path& out_file) {
  if (!fs::is_directory(run_dir / "stages")) {
    fail_at(run_dir.string(), 0, "not a run directory (no stages/ inside); give the directory 'sluice run' wrote");
  }
  std::vector<StageData> stages;
  for (const auto& name : stage_order(run_dir)) stages.push_back(load_stage(run_dir, name));
  Charts charts;
  JsonWriter& data = charts.data;
  data.begin_object().field("run_dir", fs::absolute(run_dir).string());

  // Stages table and the time per stage.
  std::string table = "<table><tr><th>stage</th><th>command</th><th>status</th><th>seconds</th><th>finished</th><th>tool</th><th>fingerprint</th></tr>";
  data.key("stages").begin_array();
  std::vector<svg::Bar> time_bars, throughput_bars;
  for (const auto& stage : stages) {
    const std::string status = !stage.finished ? "not finished" : stage.exit_code == 2 ? "done, some items failed" : "done";
    table += "<tr><td>" + svg::escape(stage.name) + "</td><td>" + svg::escape(stage.stage) + "</td><td>" + status + "</td><td>" +
             (stage.finished ? svg::format_number(stage.seconds) : "") + "</td><td>" + svg::escape(stage.finished_at) + "</td><td>" +
             svg::escape(stage.tool_version) + "</td><td><code>" + svg::escape(stage.fingerprint.substr(0, 12)) + "</code></td></tr>";
    data.begin_object().field("name", stage.name).field("stage", stage.stage).field("finished", stage.finished);
    data.field("seconds", stage.seconds).field("exit_code", stage.exit_code).field("documents_in", stage.documents_in);
    data.field("documents_out", stage.documents_out).field("text_bytes_in", stage.bytes_in).field("text_bytes_out", stage.bytes_out);
    data_map(data, "removed", stage.removed);
    data.end_object();
    if (stage.finished) time_bars.push_back({stage.name, {stage.seconds}});
    if (stage.finished && stage.bytes_in > 0 && stage.seconds > 0) throughput_bars.push_back({stage.name, {stage.bytes_in / 1e6 / stage.seconds}});
  }
  data.end_array();
  table += "</table>";

  // Funnel: documents kept and removed by reason, per stage that reads and writes documents.
  std::vector<std::string> reasons;
  for (const auto& stage : stages) {
    for (const auto& [reason, count] : stage.removed) {
      if (std::find(reasons.begin(), reasons.end(), reason) == reasons.end()) reasons.push_back(reason);
    }
  }
  std::vector<std::string> series = {"kept"};
  for (const auto& reason : reasons) series.push_back("removed: " + reason);
  std::vector<svg::Bar> funnel, bytes_funnel;
  for (const auto& stage : stages) {
    if (stage.documents_out < 0) continue;
    svg::Bar bar{stage.name, {stage.documents_out}};
    double removed_total = 0;
    for (const auto& reason : reasons) {
      const auto it = stage.removed.find(reason);
      bar.parts.push_back(it == stage.removed.end() ? 0 : it->second);
      removed_total += bar.parts.back();
    }
    if (stage.documents_in > stage.documents_out + removed_total) {
      if (std::find(series.begin(), series.end(), "removed: other") == series.end()) series.push_back("removed: other");
    }
    funnel.push_back(bar);
    if (stage.bytes_out >= 0) {
      const double in = stage.bytes_in >= 0 ? stage.bytes_in : stage.bytes_out;
      bytes_funnel.push_back({stage.name, {stage.bytes_out, std::max(0.0, in - stage.bytes_out)}});
    }
  }
  for (auto& bar : funnel) bar.parts.resize(series.size(), 0);
  for (std::size_t i = 0, f = 0; i < stages.size(); ++i) {
    if (stages[i].documents_out < 0) continue;
    double accounted = 0;
    for (const double part : funnel[f].parts) accounted += part;
    if (series.back() == "removed: other" && stages[i].documents_in > accounted) funnel[f].parts.back() = stages[i].documents_in - accounted;
    ++f;
  }
  if (!funnel.empty()) {
    charts.add("funnel", "Documents per stage: kept and removed by reason", svg::bar_chart("funnel", "documents", series, funnel, "docs"),
               "Each bar is a stage's input: what it kept and what it removed, by reason (removed documents are in the stage's out/rejected/).");
  }
  if (!bytes_funnel.empty()) {
    charts.add("funnel-bytes", "Text bytes per stage", svg::bar_chart("funnel-bytes", "UTF-8 bytes of text", {"kept", "removed"}, bytes_funnel, "bytes"));
  }

  // Languages and licenses of the last document shard set.
  const StageData* last_documents = nullptr;
  for (const auto& stage : stages) {
    if (stage.finished && fs::exists(stage.dir / "out" / kManifestName)) last_documents = &stage;
  }
  if (last_documents) {
    std::map<std::string, double> languages, licenses;
    try {
      for (const auto& file : list_document_files(last_documents->dir / "out")) {
        DocumentReader reader(file);
        Document doc;
        while (reader.next(doc)) {
          const auto lang = doc.metadata.get_text("lang");
          const auto license = doc.metadata.get_text("license");
          languages[lang ? *lang : "(none)"] += static_cast<double>(doc.text.size());
          licenses[license ? *license : "(none)"] += static_cast<double>(doc.text.size());
        }
      }
    } catch (const Error&) {
      languages.clear();
      licenses.clear();
    }
    data_map(data, "languages_bytes", languages);
    data_map(data, "licenses_bytes", licenses);
    if (!languages.empty()) {
      charts.add("languages", "Languages in '" + last_documents->name + "' (bytes of text)",
                 svg::bar_chart("languages", "bytes by metadata.lang", {"bytes"}, top_bars(languages, 20), "bytes"));
    }
    if (!licenses.empty()) {
      charts.add("licenses", "Licenses in '" + last_documents->name + "' (bytes of text)",
                 svg::bar_chart("licenses", "bytes by metadata.license", {"bytes"}, top_bars(licenses, 20), "bytes"));
    }
  }

  // Duplicate clusters: any duplicates/ directory a stage wrote, records with a size or members.
  std::map<std::string, double> cluster_sizes;
  const std::vector<std::pair<double, std::string>> buckets = {{2, "2"}, {3, "3"}, {4, "4"}, {8, "5-8"}, {16, "9-16"}, {64, "17-64"}, {1e18, "65+"}};
  for (const auto& stage : stages) {
    const auto dir = stage.dir / "out" / "duplicates";
    if (!fs::is_directory(dir)) continue;
    for (const auto& entry : fs::recursive_directory_iterator(dir)) {
      if (!entry.is_regular_file()) continue;
      try {
        for_each_record(entry.path(), [&](simdjson::dom::element record) {
          double size = number_at(record, "size");
          simdjson::dom::array members;
          if (size < 0 && !record["members"].get_array().get(members)) size = static_cast<double>(members.size());
          if (size < 2) return;
          for (const auto& [limit, label] : buckets) {
            if (size <= limit) {
              cluster_sizes[label] += 1;
              break;
            }
          }
        });
      } catch (const Error&) {
      }
    }
  }
  data_map(data, "duplicate_cluster_sizes", cluster_sizes);
  if (!cluster_sizes.empty()) {
    std::vector<svg::Bar> bars;
    for (const auto& [limit, label] : buckets) {
      if (cluster_sizes.count(label)) bars.push_back({"size " + label, {cluster_sizes[label]}});
    }
    charts.add("duplicate-clusters", "Duplicate clusters by size", svg::bar_chart("duplicate-clusters", "clusters", {"clusters"}, bars, "clusters"));
  }

  // Tokens per shard.
  std::vector<svg::Bar> token_bars;
  data.key("token_shards").begin_array();
  for (const auto& stage : stages) {
    if (!fs::is_directory(stage.dir / "out")) continue;
    std::vector<fs::path> files;
    for (const auto& entry : fs::recursive_directory_iterator(stage.dir / "out")) {
      if (entry.is_regular_file() && entry.path().extension() == ".tok") files.push_back(entry.path());
    }
    std::sort(files.begin(), files.end());
    for (const auto& file : files) {
      TokenShard shard;
      shard.name = stage.name + "/" + file.lexically_relative(stage.dir / "out").string();
      if (!read_tok_footer(file, shard)) continue;
      data.begin_object().field("shard", shard.name).field("tokens", shard.tokens).field("documents", shard.documents).end_object();
      if (token_bars.size() < 60) token_bars.push_back({shard.name, {shard.tokens}});
    }
  }
  data.end_array();
  if (!token_bars.empty()) charts.add("tokens-per-shard", "Tokens per shard", svg::bar_chart("tokens-per-shard", "tokens", {"tokens"}, token_bars, "tokens"));

  // Training curves: loss and validation loss against steps and tokens.
  std::vector<svg::Series> by_step, by_tokens;
  std::map<std::string, double> tokens_per_second;
  data.key("training").begin_object();
  for (const auto& stage : stages) {
    const auto metrics = stage.dir / "out" / "metrics.jsonl";
    if (!fs::exists(metrics) || fs::file_size(metrics) == 0) continue;
    svg::Series train{stage.name + " loss", {}}, val{stage.name + " val loss", {}};
    svg::Series train_tokens{stage.name + " loss", {}}, val_tokens{stage.name + " val loss", {}};
    double tokens = 0, speed_sum = 0, speed_count = 0;
    const auto option = [&](const char* key) { const auto it = stage.options.find(key); return it == stage.options.end() ? 0.0 : it->second; };
    const double tokens_per_step = option("batch_size") * option("seq_len") * std::max(1.0, option("grad_accum"));
    try {
      for_each_record(metrics, [&](simdjson::dom::element record) {
        const double step = number_at(record, "step");
        const double loss = number_at(record, "loss");
        const double val_loss = number_at(record, "val_loss");
        const double speed = number_at(record, "tokens_per_s");
        const double step_seconds = number_at(record, "step_s");
        const double record_tokens = number_at(record, "tokens");
        if (step < 0) return;
        if (loss >= 0) {
          if (record_tokens >= 0) tokens = record_tokens;
          else if (speed > 0 && step_seconds > 0) tokens += speed * step_seconds;
          else tokens = step * tokens_per_step;
          train.points.emplace_back(step, loss);
          train_tokens.points.emplace_back(tokens, loss);
          if (speed > 0) speed_sum += speed, speed_count += 1;
        }
        if (val_loss >= 0) {
          val.points.emplace_back(step, val_loss);
          val_tokens.points.emplace_back(tokens, val_loss);
        }
      });
    } catch (const Error&) {
    }
    data.key(stage.name).begin_object().key("loss").begin_array();
    for (const auto& [step, loss] : train.points) data.begin_array().value(step).value(loss).end_array();
    data.end_array().key("val_loss").begin_array();
    for (const auto& [step, loss] : val.points) data.begin_array().value(step).value(loss).end_array();
    data.end_array().end_object();
    if (!train.points.empty()) by_step.push_back(train), by_tokens.push_back(train_tokens);
    if (!val.points.empty()) by_step.push_back(val), by_tokens.push_back(val_tokens);
    if (speed_count > 0) tokens_per_second[stage.name] = speed_sum / speed_count;
  }
  data.end_object();
  if (!by_step.empty()) {
    charts.add("loss-steps", "Training and validation loss by step", svg::line_chart("loss-steps", "loss", "optimizer step", "loss", by_step));
    charts.add("loss-tokens", "Training and validation loss by tokens seen", svg::line_chart("loss-tokens", "loss", "tokens", "loss", by_tokens));
  }

  // Held-out evaluations: each JSON summary an eval stage wrote.
  std::map<std::string, double> eval_losses;
  for_each_checkpoint_summary(stages, "eval", [&](const std::string& label, simdjson::dom::element root) {
    double loss = number_at(root, "loss");
    if (loss < 0) loss = number_at(root, "val_loss");
    if (loss >= 0) eval_losses[label] = loss;
  });
  add_map_chart(charts, data, "held_out_loss", eval_losses, "held-out-loss", "Held-out loss by checkpoint (lower is better)", "loss", "nats/token");

  // Code evaluations: pass@k per checkpoint, from each eval-code stage's JSON summaries.
  std::map<std::string, double> pass_at_k;  // "stage: checkpoint pass@k" -> fraction of tasks
  for_each_checkpoint_summary(stages, "eval-code", [&](const std::string& label, simdjson::dom::element root) {
    simdjson::dom::object fields;
    if (root.get(fields)) return;
    for (auto field : fields) {
      double value = 0;
      if (field.key.starts_with("pass@") && !field.value.get(value)) pass_at_k[label + " " + std::string(field.key)] = value;
    }
  });
  add_map_chart(charts, data, "pass_at_k", pass_at_k, "pass-at-k",
                "Generated code that passes its tests: pass@k by checkpoint (higher is better)", "pass@k", "fraction of tasks");

  if (!time_bars.empty()) charts.add("time", "Time per stage", svg::bar_chart("time", "seconds (all tasks)", {"seconds"}, time_bars, "s"));
  for (const auto& [name, speed] : tokens_per_second) throughput_bars.push_back({name + " (k tokens/s)", {speed / 1e3}});
  if (!throughput_bars.empty()) {
    charts.add("throughput", "Throughput per stage", svg::bar_chart("throughput", "MB of text per second; training: thousands of tokens per second", {"rate"}, throughput_bars, ""));
  }
  data.key("charts").begin_array();
  for (const auto& name : charts.names) data.value(name);
  data.end_array().end_object();

  std::string pipeline_text;
  if (fs::exists(run_dir / "pipeline.yaml")) pipeline_text = read_small_file(run_dir / "pipeline.yaml");
  std::string json = data.take();
  // Keep the embedded JSON from closing its <script> element.
  for (std::size_t at = 0; (at = json.find("</", at)) != std::string::npos; at += 3) json.replace(at, 2, "<\\/");

  std::string html;
  html += "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">\n";
  html += "<meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; style-src 'unsafe-inline'; img-src data:\">\n";
  html += "<title>sluice run report: " + svg::escape(fs::absolute(run_dir).filename().string()) + "</title>\n<style>\n";
  html += "body{font:14px/1.4 system-ui,sans-serif;margin:24px auto;max-width:820px;color:#222}h1{font-size:22px}h2{font-size:16px;margin-top:28px}"
          "table{border-collapse:collapse;font-size:12px}td,th{border-bottom:1px solid #ddd;padding:3px 8px;text-align:left}"
          "svg text{font:11px sans-serif;fill:#222}svg text.title{font-weight:bold}pre{background:#f6f6f6;padding:8px;overflow:auto;font-size:12px}"
          ".note{color:#555;font-size:12px}\n</style></head><body>\n";
  html += "<h1>sluice run report</h1><p>Run directory <code>" + svg::escape(fs::absolute(run_dir).string()) + "</code></p>\n";
  html += "<h2>Stages</h2>" + table + "\n";
  html += charts.html;
  if (charts.names.empty()) html += "<p>No stage has finished yet: nothing to draw.</p>";
  if (!pipeline_text.empty()) html += "<h2>Pipeline file</h2><pre>" + svg::escape(pipeline_text) + "</pre>\n";
  html += "<script type=\"application/json\" id=\"sluice-report-data\">" + json + "</script>\n</body></html>\n";
  write_file_atomically(out_file, html);

  ReportSummary summary;
  summary.out = out_file;
  summary.stages = stages.size();
  summary.charts = charts.names.size();
  summary.chart_names = charts.names;
  return summary;
}

}  // namespace sluice::pipelines
