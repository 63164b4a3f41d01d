#include "pipelines_test_support.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>

#include <algorithm>
#include <fstream>

#include "test_support.h"

extern char** environ;

namespace sluice::test {

void write_corpus(const std::filesystem::path& dir, std::size_t shards, std::size_t documents_per_shard) {
  std::filesystem::create_directories(dir);
  const char* languages[] = {"Python", "C", "Markdown", "Shell"};
  const char* licenses[] = {"MIT", "Apache-2.0", "GPL-3.0-only"};
  for (std::size_t s = 0; s < shards; ++s) {
    std::string text;
    for (std::size_t i = 0; i < documents_per_shard; ++i) {
      const std::size_t k = s * 7919 + i * 104729;
      Document doc = make_document("doc-" + std::to_string(s) + "-" + std::to_string(i),
                                   "line " + std::to_string(k) + "\n" + std::string(20 + k % 300, static_cast<char>('a' + k % 26)) + "\n",
                                   languages[k % 4]);
      doc.source = k % 5 == 0 ? "docs" : "git";
      doc.metadata.set_string("license", licenses[k % 3]);
      text += doc.to_json() + "\n";
    }
    write_text(dir / ("input-" + std::to_string(s) + ".jsonl"), text);
  }
}

std::string three_stage_pipeline(const std::filesystem::path& input, int tasks, const std::string& sample, const std::string& lang) {
  return "# a pipeline of the stages every build has\n"
         "run_dir: run\n"
         "tasks: " + std::to_string(tasks) + "\n"
         "stages:\n"
         "  - stage: convert\n"
         "    name: raw\n"
         "    in: " + input.string() + "\n"
         "    level: 3\n"
         "  - stage: select\n"
         "    name: code\n"
         "    where: [source=git]\n"
         "    sample: " + sample + "\n"
         "    seed: 7\n"
         "  - stage: select\n"
         "    name: python\n"
         "    where: [lang=" + lang + "]\n";
}

std::vector<std::pair<std::string, std::string>> run_outputs(const std::filesystem::path& run_dir) {
  std::vector<std::pair<std::string, std::string>> all;
  if (!std::filesystem::exists(run_dir / "stages")) return all;
  std::vector<std::filesystem::path> stages;
  for (const auto& entry : std::filesystem::directory_iterator(run_dir / "stages")) stages.push_back(entry.path());
  std::sort(stages.begin(), stages.end());
  for (const auto& stage : stages) {
    for (auto& [path, digest] : tree_digest(stage / "out")) all.emplace_back(stage.filename().string() + "/" + path, digest);
  }
  return all;
}

int wait_exit(pid_t pid) {
  int status = 0;
  ::waitpid(pid, &status, 0);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -WTERMSIG(status);
}

}  // namespace sluice::test
