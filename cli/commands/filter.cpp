// sluice filter: license policy, StarCoder2 quality rules, benchmark decontamination and
// secret/PII redaction over a shard set. Every removed document goes to rejected/ with
// metadata.rejected_by = "filter:RULE"; every redaction is recorded in metadata.pii.
#include <iostream>
#include <map>

#include "../command.h"
#include "../report.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"
#include "sluice/core/json.h"
#include "sluice/core/shard_set.h"
#include "sluice/core/stage.h"
#include "sluice/filter/decontaminate.h"
#include "sluice/filter/license.h"
#include "sluice/filter/repo_licenses.h"
#include "sluice/filter/policy.h"
#include "sluice/filter/quality.h"
#include "sluice/filter/redact.h"

namespace sluice::cli {
namespace {

struct FilterOptions {
  std::vector<std::string> inputs;
  std::string out;
  std::vector<std::string> allow;
  std::vector<std::string> deny;
  bool keep_unlicensed = false;
  bool no_license = false;
  bool no_redact = false;
  std::string rules;
  std::vector<std::string> decontaminate;
  std::size_t ngram = 13;
  double threshold = 0.9;
  int level = 3;
  unsigned threads = 0;
  bool json = false;
};

std::vector<std::string> split_lists(const std::vector<std::string>& values) {
  std::vector<std::string> out;
  for (const auto& v : values) {
    std::size_t start = 0;
    while (start <= v.size()) {
      auto comma = v.find(',', start);
      if (comma == std::string::npos) comma = v.size();
      auto item = v.substr(start, comma - start);
      while (!item.empty() && item.front() == ' ') item.erase(item.begin());
      while (!item.empty() && item.back() == ' ') item.pop_back();
      if (!item.empty()) out.push_back(item);
      start = comma + 1;
    }
  }
  return out;
}

int run_filter(const FilterOptions& options) {
  std::vector<std::filesystem::path> files;
  for (const auto& input : options.inputs) {
    for (auto& file : list_document_files(input)) files.push_back(std::move(file));
  }
  filter::LicensePolicy policy;
  if (!options.allow.empty()) policy.allow = split_lists(options.allow);
  policy.deny = split_lists(options.deny);
  policy.keep_unlicensed = options.keep_unlicensed;
  const filter::QualityRules rules = options.rules.empty() ? filter::QualityRules{} : filter::QualityRules::load(options.rules);
  filter::Decontaminator decontaminator(options.ngram);
  for (const auto& file : options.decontaminate) decontaminator.add_file(file);
  const filter::PiiScanner scanner;
  filter::LicenseOptions license_options;
  license_options.threshold = options.threshold;
  license_options.threads = options.threads;
  // An ingest output has repos.jsonl.zst beside its shards, with every repository's license
  // texts: a document without metadata.license gets its repository's license for its path.
  std::map<std::string, filter::RepoLicense> repo_licenses;
  std::uint64_t repos_files = 0;
  if (!options.no_license) {
    for (const auto& input : options.inputs) {
      const auto repos_file = std::filesystem::is_directory(input) ? std::filesystem::path(input) / filter::kReposFileName
                                                                   : std::filesystem::path(input).parent_path() / filter::kReposFileName;
      if (!std::filesystem::exists(repos_file)) continue;
      ++repos_files;
      for (auto& [repo, license] : filter::read_repo_licenses(repos_file, license_options)) repo_licenses[repo] = std::move(license);
    }
  }

  // The options that decide what is kept, recorded in the manifest (and its config hash):
  // keep_unlicensed is a policy choice a reader of the shard set must be able to see.
  JsonWriter config;
  config.begin_object().key("license").begin_object().field("enabled", !options.no_license).key("allow").begin_array();
  for (const auto& a : policy.allow) config.value(a);
  config.end_array().key("deny").begin_array();
  for (const auto& d : policy.deny) config.value(d);
  config.end_array().field("keep_unlicensed", policy.keep_unlicensed).field("threshold", options.threshold)
      .field("repos_files", repos_files).field("repositories", static_cast<std::uint64_t>(repo_licenses.size())).end_object();
  config.key("quality").raw(rules.to_json());
  config.key("decontaminate").begin_array();
  for (const auto& file : options.decontaminate) {
    config.begin_object().field("file", file).field("xxh3", hash_file(file).hex()).end_object();
  }
  config.end_array().field("ngram", static_cast<std::uint64_t>(options.ngram)).field("redact", !options.no_redact);
  config.end_object();

  StageOptions stage;
  stage.stage = "filter";
  stage.out = options.out;
  stage.threads = options.threads;
  stage.writer.zstd_level = options.level;
  stage.options_json = config.take();

  const StageReport report = run_document_stage(files, stage, [&](Document& doc, ShardOutput& out) {
    if (!options.no_license) {
      std::string expression = doc.metadata.get_string("license").value_or("");
      if (expression.empty() && !repo_licenses.empty()) {
        const auto repo = repo_licenses.find(doc.metadata.get_string("repo").value_or(""));
        if (repo != repo_licenses.end()) {
          expression = repo->second.license_for(doc.metadata.get_string("path").value_or(""));
          doc.metadata.set_string("license", expression);
        }
      }
      const auto header = filter::detect_file_header(doc.text, license_options);
      if (!header.matches.empty()) {
        const auto own = header.expression();
        if (expression.empty() || expression == filter::kNoLicense) {
          expression = own;
          doc.metadata.set_string("license", own);
        } else if (expression.find(own) == std::string::npos) {
          // A file's own header adds its terms to the repository's (a GPL file in an MIT repo).
          expression = "(" + expression + ") AND " + own;
          doc.metadata.set_string("license_header", own);
        }
      }
      const auto verdict = filter::evaluate_license(policy, expression);
      if (!verdict.keep) {
        out.count("license:" + verdict.reason);
        out.reject(doc, "filter:license");
        return;
      }
      if (expression.empty() || expression == filter::kNoLicense) out.count("license:kept_unlicensed");
    }
    const auto lang = doc.metadata.get_string("lang").value_or("");
    const auto path = doc.metadata.get_string("path").value_or("");
    if (const auto rule = filter::check_quality(doc.text, lang, path, rules); !rule.empty()) {
      out.reject(doc, "filter:" + rule);
      return;
    }
    if (const auto hit = decontaminator.check(doc.text)) {
      doc.metadata.set_raw("decontaminated_by", JsonWriter()
                                                    .begin_object()
                                                    .field("item", hit->item)
                                                    .field("field", hit->field)
                                                    .field("match", hit->how)
                                                    .end_object()
                                                    .take());
      out.reject(doc, "filter:decontaminate");
      return;
    }
    if (!options.no_redact) {
      const auto spans = scanner.find(doc.text);
      if (!spans.empty()) {
        std::array<std::uint64_t, filter::kPiiKinds> counts{};
        JsonWriter pii;
        pii.begin_object().key("spans").begin_array();
        for (const auto& s : spans) {
          ++counts[static_cast<std::size_t>(s.kind)];
          pii.begin_array()
              .value(static_cast<std::uint64_t>(s.begin))
              .value(static_cast<std::uint64_t>(s.end))
              .value(filter::pii_kind_name(s.kind))
              .end_array();
        }
        pii.end_array().key("counts").begin_object();
        for (std::size_t k = 0; k < filter::kPiiKinds; ++k) {
          if (counts[k] == 0) continue;
          const auto* name = filter::pii_kind_name(static_cast<filter::PiiKind>(k));
          pii.field(name, counts[k]);
          out.count(std::string("pii:") + name, counts[k]);
        }
        pii.end_object().end_object();
        doc.metadata.set_raw("pii", pii.take());
        doc.text = filter::redact(doc.text, spans);
        out.count("documents_redacted");
      }
    }
    out.keep(doc);
  });
  print_stage_report("filter", report, options.json);
  return 0;
}

const bool registered = register_command({
    "filter", "Keep documents whose license, quality and content may go into a corpus; redact secrets", 40,
    [](CLI::App& app) -> RunFunction {
      app.description(
          "Keep documents whose license, quality and content may go into a training corpus.\n"
          "In order: license policy (metadata.license, plus the file's own license header), the\n"
          "StarCoder2 quality rules, benchmark decontamination, then secret/PII redaction of what is\n"
          "kept. Removed documents go to OUT/rejected/ with metadata.rejected_by = filter:RULE\n"
          "(filter:license, filter:max_line_length, filter:decontaminate, ...); redactions are\n"
          "recorded in metadata.pii (spans are byte offsets in the original text).");
      auto options = std::make_shared<FilterOptions>();
      app.add_option("--in", options->inputs, "Document files or directories (repeatable)")->required();
      app.add_option("--out", options->out, "Output shard set directory")->required();
      app.add_option("--allow", options->allow,
                     "SPDX ids or classes (permissive, public-domain, weak-copyleft, copyleft, other) to keep; "
                     "comma-separated or repeated (default: permissive,public-domain)");
      app.add_option("--deny", options->deny, "SPDX ids or classes to remove even when allowed");
      app.add_flag("--keep-unlicensed", options->keep_unlicensed,
                   "Keep documents with no license at all (The Stack v2 did, v1 did not); recorded in the manifest");
      app.add_flag("--no-license-check", options->no_license, "Skip the license policy");
      app.add_option("--rules", options->rules, "YAML file of quality thresholds (docs/filter-rules.md)")->check(CLI::ExistingFile);
      app.add_option("--decontaminate", options->decontaminate,
                     "Benchmark file (JSONL with prompt/solution fields, or plain text); repeatable")
          ->check(CLI::ExistingFile);
      app.add_option("--ngram", options->ngram, "Words in a shared run that count as contamination")
          ->default_val(13)
          ->check(CLI::Range(4, 100));
      app.add_flag("--no-redact", options->no_redact, "Do not redact secrets and personal data");
      app.add_option("--license-threshold", options->threshold, "Similarity a license template match needs")
          ->default_val(0.9)
          ->check(CLI::Range(0.5, 1.0));
      add_level_option(app, options->level, 3);
      add_threads_option(app, options->threads);
      add_json_flag(app, options->json);
      return [options] { return run_filter(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
