// sluice license detect PATH|URL...: the SPDX expression of checkouts, bare repositories, URLs or
// single files.
#include <unistd.h>

#include <iostream>
#include <map>

#include "../command.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/core/shard_set.h"
#include "sluice/filter/license.h"
#include "sluice/filter/repo_licenses.h"
#include "sluice/ingest/ingest.h"

namespace sluice::cli {
namespace {

namespace fs = std::filesystem;

struct LicenseOptions {
  std::vector<std::string> paths;
  std::string cache;
  double threshold = 0.9;
  unsigned threads = 0;
  bool json = false;
};

bool is_url(const std::string& location) {
  return location.find("://") != std::string::npos || location.starts_with("git@");
}

// A bare repository: HEAD and objects/ at the top, no work tree to walk.
bool is_bare_repository(const fs::path& path) {
  std::error_code ec;
  return fs::is_regular_file(path / "HEAD", ec) && fs::is_directory(path / "objects", ec) && !fs::exists(path / ".git", ec);
}

// A URL or a bare repository is read by the ingest stage (its clone cache, the tree of HEAD
// from the object database) into a scratch shard set; its license texts and the heads of its
// documents are then detected like a checkout's files.
filter::RepoLicense detect_through_ingest(const std::string& location, const LicenseOptions& options,
                                          const filter::LicenseOptions& detect) {
  std::string scratch = (fs::temp_directory_path() / "sluice-license-XXXXXX").string();
  if (::mkdtemp(scratch.data()) == nullptr) throw Error("cannot make a scratch directory in " + fs::temp_directory_path().string());
  struct Remove {
    std::string dir;
    ~Remove() {
      std::error_code ec;
      fs::remove_all(dir, ec);
    }
  } remove{scratch};
  ingest::IngestOptions ingest_options;
  ingest_options.repos.push_back({location, ""});
  ingest_options.out = fs::path(scratch) / "out";
  ingest_options.cache = options.cache.empty() ? ingest::default_clone_cache() : fs::path(options.cache);
  ingest_options.threads = options.threads;
  ingest_options.show_progress = false;
  const auto report = ingest::run_ingest(ingest_options);
  if (!report.failures.empty()) throw Error(location + ": " + report.failures.front().error);
  // The license texts ingest recorded (at any depth, also under vendored folders)...
  std::map<std::string, std::string> texts;
  for (auto& [url, recorded] : filter::read_repo_license_files(ingest_options.out / filter::kReposFileName)) {
    for (auto& f : recorded) texts[f.path] = std::move(f.text);
  }
  // ...and the heads of every document, for the README and license headers.
  for (const auto& shard : list_document_files(ingest_options.out)) {
    DocumentReader reader(shard);
    Document doc;
    while (reader.next(doc)) {
      auto path = doc.metadata.get_string("path").value_or("");
      if (path.empty()) continue;
      if (texts.count(path)) continue;
      // Only the head of a source file is looked at (the README is kept whole).
      if (doc.text.size() > detect.header_bytes && !fs::path(path).filename().string().starts_with("README")) {
        doc.text.resize(detect.header_bytes);
      }
      texts.emplace(std::move(path), std::move(doc.text));
    }
  }
  std::vector<filter::LicenseTreeFile> files;
  files.reserve(texts.size());
  for (auto& [path, text] : texts) files.push_back({path, std::move(text)});
  return filter::detect_license_files(files, detect);
}

filter::RepoLicense detect_one(const std::string& location, const LicenseOptions& options, const filter::LicenseOptions& detect) {
  if (is_url(location) || is_bare_repository(location)) return detect_through_ingest(location, options, detect);
  return filter::detect_license_path(location, detect);
}

int run_detect(const LicenseOptions& options) {
  filter::LicenseOptions detect;
  detect.threshold = options.threshold;
  const auto& paths = options.paths;
  if (paths.size() == 1) {
    detect.threads = options.threads;
    const auto result = detect_one(paths[0], options, detect);
    if (options.json) {
      std::cout << result.to_json() << "\n";
      return 0;
    }
    std::cout << result.spdx << "\n";
    // The table goes out in one write: stderr is unbuffered, and a large tree lists hundreds of files.
    std::string table;
    const auto line = [&table](const char* format, auto... values) {
      const int length = std::snprintf(nullptr, 0, format, values...);
      const std::size_t at = table.size();
      table.resize(at + static_cast<std::size_t>(length) + 1);
      std::snprintf(table.data() + at, static_cast<std::size_t>(length) + 1, format, values...);
      table.pop_back();  // the terminating NUL
    };
    line("confidence %.3f, %zu files scanned, everything found: %s\n", result.confidence, result.files_scanned, result.all.c_str());
    for (const auto& f : result.files) line("  %-40s %-30s %.3f %s\n", f.path.c_str(), f.spdx.c_str(), f.confidence, f.kind.c_str());
    std::fwrite(table.data(), 1, table.size(), stderr);
    return 0;
  }
  // Several repositories: one per thread, each read on its own thread.
  detect.threads = 1;
  std::vector<filter::RepoLicense> results(paths.size());
  std::vector<std::string> errors(paths.size());
  parallel_for(paths.size(), options.threads == 0 ? default_threads() : options.threads, [&](std::size_t i) {
    try {
      results[i] = detect_one(paths[i], options, detect);
    } catch (const std::exception& e) {
      errors[i] = e.what();
    }
  });
  int status = 0;
  for (std::size_t i = 0; i < paths.size(); ++i) {
    if (!errors[i].empty()) {
      std::cerr << "sluice license detect: " << errors[i] << "\n";
      status = 2;
      continue;
    }
    if (options.json) {
      JsonWriter w;
      w.begin_object().field("path", paths[i]).key("license").raw(results[i].to_json()).end_object();
      std::cout << w.take() << "\n";
    } else {
      std::cout << results[i].spdx << "\t" << paths[i] << "\n";
    }
  }
  return status;
}

const bool registered = register_command({
    "license", "Detect the license of checkouts, bare repositories, URLs or files as SPDX expressions", 45,
    [](CLI::App& app) -> RunFunction {
      app.require_subcommand(1, 1);
      auto options = std::make_shared<LicenseOptions>();
      CLI::App* detect = app.add_subcommand(
          "detect",
          "Print the SPDX expression of each PATH: a directory checkout, one file, a bare git repository or a "
          "repository URL (cloned into --cache by the ingest stage, shared with `sluice ingest`, and read from "
          "the object database at HEAD).\n"
          "License files (LICENSE, COPYING, LICENSE-MIT...) are matched against the SPDX list's "
          "templates. \"spdx\" is the project's license: its root license files (separate files are "
          "alternatives, OR; licenses in one file all apply, AND, except texts the file says are for bundled "
          "or third-party code); without them the top-level folders' licenses and source headers "
          "(SPDX-License-Identifier lines, license texts and notices); a README statement is the last resort. "
          "\"all\" adds everything found deeper (a subfolder's license applies below it; a header naming "
          "another license; bundled code). NONE: no license text at all; NOASSERTION: license text that "
          "matches no template. With several PATHs they are detected in parallel and printed one per line "
          "(EXPR<TAB>PATH, or JSON lines {\"path\", \"license\"}). SLUICE_LICENSE_DEBUG=1 explains each "
          "template decision on stderr.");
      detect->add_option("PATH", options->paths, "Directories, files, bare repositories or URLs")->required();
      detect->add_option("--threshold", options->threshold, "Sorensen-Dice similarity a template match needs")
          ->default_val(0.9)
          ->check(CLI::Range(0.5, 1.0));
      detect->add_option("--cache", options->cache, "Bare clone cache for URLs (default ~/.cache/sluice/repos, as ingest)");
      detect->add_option("-j,--threads", options->threads,
                         "Worker threads (0 = one per CPU; one more when reading one directory tree)")
          ->default_val(0);
      add_json_flag(*detect, options->json);
      return [options] { return run_detect(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
