#include "sluice/filter/repo_licenses.h"

#include <simdjson.h>

#include <vector>

#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/parallel.h"

namespace sluice::filter {

std::map<std::string, std::vector<LicenseTreeFile>> read_repo_license_files(const std::filesystem::path& repos_file) {
  // The file is small (license texts only): read whole, then one record per line.
  std::string data;
  {
    auto source = open_source(repos_file);
    std::vector<char> buffer(1 << 16);
    while (const auto n = source->read(buffer.data(), buffer.size())) data.append(buffer.data(), n);
  }
  std::map<std::string, std::vector<LicenseTreeFile>> out;
  simdjson::ondemand::parser parser;
  std::size_t start = 0, line = 0;
  while (start < data.size()) {
    auto end = data.find('\n', start);
    if (end == std::string::npos) end = data.size();
    ++line;
    const std::string_view record(data.data() + start, end - start);
    start = end + 1;
    if (record.find_first_not_of(" \t\r") == std::string_view::npos) continue;
    try {
      simdjson::padded_string padded(record);
      auto doc = parser.iterate(padded);
      auto& files = out[std::string(std::string_view(doc["url"].get_string()))];
      auto licenses = doc["licenses"];
      if (licenses.error() == simdjson::SUCCESS) {
        for (auto entry : licenses.get_array()) {
          LicenseTreeFile file;
          file.path = std::string(std::string_view(entry["path"].get_string()));
          file.text = std::string(std::string_view(entry["text"].get_string()));
          files.push_back(std::move(file));
        }
      }
    } catch (const simdjson::simdjson_error& e) {
      fail_at(repos_file.string(), line, std::string("not a repository record (") + e.what() +
                                             "); it should be ingest's repos.jsonl.zst, see docs/ingest-format.md");
    }
  }
  return out;
}

std::map<std::string, RepoLicense> read_repo_licenses(const std::filesystem::path& repos_file, const LicenseOptions& options) {
  const auto repos = read_repo_license_files(repos_file);
  std::vector<const std::pair<const std::string, std::vector<LicenseTreeFile>>*> list;
  for (const auto& entry : repos) list.push_back(&entry);
  std::vector<RepoLicense> results(list.size());
  LicenseOptions one = options;
  one.threads = 1;  // parallel over repositories, not inside one
  parallel_for(list.size(), options.threads == 0 ? default_threads() : options.threads,
               [&](std::size_t i) { results[i] = detect_license_files(list[i]->second, one); });
  std::map<std::string, RepoLicense> out;
  for (std::size_t i = 0; i < list.size(); ++i) out[list[i]->first] = std::move(results[i]);
  return out;
}

}  // namespace sluice::filter
