#pragma once
// What the pipeline tests share: a small corpus, pipeline files, and comparing run outputs.
#include <sys/types.h>

#include <filesystem>
#include <string>
#include <vector>

namespace sluice::test {

// Writes `shards` JSONL files of mixed documents (source git/docs, several languages/licenses).
void write_corpus(const std::filesystem::path& dir, std::size_t shards, std::size_t documents_per_shard);

// A three-stage pipeline over `input`: convert -> select (a seeded sample of git documents)
// -> select (Python only), with `tasks` tasks per stage.
std::string three_stage_pipeline(const std::filesystem::path& input, int tasks, const std::string& sample = "0.5",
                                 const std::string& lang = "Python");

// XXH3 of every file under every stage's out/ of a run directory (what a run produced).
std::vector<std::pair<std::string, std::string>> run_outputs(const std::filesystem::path& run_dir);

// Starts `binary args...` with stdout and stderr to /dev/null and returns its pid.
int wait_exit(pid_t pid);

}  // namespace sluice::test
