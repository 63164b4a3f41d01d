// End-to-end tests of `sluice dedup`: what a user sees in the output directory and on stdout.
#include <gtest/gtest.h>

#include <algorithm>

#include "dedup_test_util.h"

using namespace sluice;
using namespace sluice::test;

namespace {

std::string code(int seed, int lines = 40) {
  std::string text;
  for (int i = 0; i < lines; ++i) {
    text += "value_" + std::to_string(seed * 1000 + i) + " = compute_" + std::to_string(seed) + "(item_" +
            std::to_string(i * 7 + seed) + ", " + std::to_string(i) + ")\n";
  }
  return text;
}

RunResult dedup(const TempDir& dir, std::vector<std::string> extra) {
  std::vector<std::string> args = {"dedup", "--in", (dir / "in").string(), "--out", (dir / "out").string()};
  args.insert(args.end(), extra.begin(), extra.end());
  return run_sluice(args);
}

const Document* find(const std::vector<Document>& docs, const std::string& id) {
  for (const auto& doc : docs) {
    if (doc.id == id) return &doc;
  }
  return nullptr;
}

}  // namespace

TEST(DedupCli, ExactDuplicatesKeepTheBestRankedCopy) {
  TempDir dir;
  const std::string text = code(1);
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("z-gpl", text, "GPL-3.0-only", 900), doc_with("c-none", text, "", 5),
                                           doc_with("unique", code(2))});
  write_shard(dir / "in" / "b.jsonl.zst", {doc_with("m-mit-few", text, "MIT", 3), doc_with("n-mit-many", text, "MIT", 50),
                                           doc_with("a-mit-many", text, "MIT", 50)});
  const auto result = dedup(dir, {"--mode", "exact", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.out.find("\"removed_exact\":4"), std::string::npos) << result.out;
  const auto kept = read_dir(dir / "out");
  ASSERT_EQ(kept.size(), 2u);
  // Permissive beats no license and GPL; more stars beat fewer; then the smallest id.
  EXPECT_TRUE(find(kept, "a-mit-many"));
  EXPECT_TRUE(find(kept, "unique"));
  const auto removed = read_dir(dir / "out" / "rejected");
  ASSERT_EQ(removed.size(), 4u);
  for (const auto& doc : removed) {
    EXPECT_EQ(doc.metadata.get_string("rejected_by"), "dedup:exact") << doc.id;
    EXPECT_EQ(doc.metadata.get_string("duplicate_of"), "a-mit-many") << doc.id;
    EXPECT_EQ(doc.text, text);
  }
  // The other metadata is kept as it was.
  EXPECT_EQ(find(removed, "z-gpl")->metadata.get_string("license"), "GPL-3.0-only");
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "manifest.json"));
  EXPECT_TRUE(std::filesystem::exists(dir / "out" / "duplicates" / "clusters.jsonl.zst"));
}

TEST(DedupCli, RankFieldAndLicenseRankCanBeChanged) {
  TempDir dir;
  const std::string text = code(3);
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("b", text, "GPL-2.0", 10), doc_with("a", text, "MIT", 1)});
  ASSERT_EQ(dedup(dir, {"--mode", "exact", "--no-license-rank"}).exit_code, 0);
  EXPECT_TRUE(find(read_dir(dir / "out"), "b"));  // most stars
  TempDir second;
  write_shard(second / "in" / "a.jsonl.zst", {doc_with("b", text, "MIT", 10), doc_with("a", text, "MIT", 1)});
  ASSERT_EQ(dedup(second, {"--mode", "exact", "--rank-field", ""}).exit_code, 0);
  EXPECT_TRUE(find(read_dir(second / "out"), "a"));  // smallest id
}

TEST(DedupCli, NearDuplicatesAreRejectedWithTheirTwinAndClusterRecords) {
  TempDir dir;
  const std::string base = code(4, 60);
  std::string edited = base;
  edited.replace(edited.find("value_4010"), 10, "changed_10");  // one line edited
  const std::string header = "# Copyright (c) 2024 Someone\n# SPDX-License-Identifier: MIT\n";
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("base", base, "MIT", 10), doc_with("other", code(5, 60))});
  write_shard(dir / "in" / "b.jsonl.zst", {doc_with("edited", edited, "MIT", 1), doc_with("headed", header + base, "", 0)});
  const auto result = dedup(dir, {"--mode", "near", "--verify", "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_NE(result.err.find("bands x"), std::string::npos) << result.err;  // the LSH parameters are printed
  const auto removed = read_dir(dir / "out" / "rejected");
  ASSERT_EQ(removed.size(), 2u) << result.out;
  for (const auto& doc : removed) {
    EXPECT_EQ(doc.metadata.get_string("rejected_by"), "dedup:near");
    EXPECT_EQ(doc.metadata.get_string("duplicate_of"), "base");
    const auto similarity = doc.metadata.get_number("dedup_similarity");
    ASSERT_TRUE(similarity);
    EXPECT_GE(*similarity, 0.7);
    EXPECT_LT(*similarity, 1.0);
  }
  const auto kept = read_dir(dir / "out");
  EXPECT_EQ(kept.size(), 2u);
  const std::string clusters = read_compressed(dir / "out" / "duplicates" / "clusters.jsonl.zst");
  EXPECT_EQ(std::count(clusters.begin(), clusters.end(), '\n'), 1) << clusters;
  EXPECT_NE(clusters.find("\"size\":3,\"kept\":\"base\""), std::string::npos) << clusters;
  EXPECT_NE(clusters.find("\"similarity\":"), std::string::npos) << clusters;
}

TEST(DedupCli, BothModesLabelExactAndNearSeparately) {
  TempDir dir;
  const std::string base = code(6, 60);
  std::string edited = base;
  edited.replace(edited.find("value_6020"), 10, "renamed_20");
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("a", base), doc_with("b", base), doc_with("c", edited)});
  const auto result = dedup(dir, {"--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const auto removed = read_dir(dir / "out" / "rejected");
  ASSERT_EQ(removed.size(), 2u);
  EXPECT_EQ(find(removed, "b")->metadata.get_string("rejected_by"), "dedup:exact");
  EXPECT_EQ(find(removed, "c")->metadata.get_string("rejected_by"), "dedup:near");
  EXPECT_EQ(find(removed, "c")->metadata.get_string("duplicate_of"), "a");
}

TEST(DedupCli, VerifySplitsCandidatesBelowTheThreshold) {
  TempDir dir;
  // Half the lines shared: Jaccard well below 0.7, but a loose LSH (many 1-row bands) pairs them.
  const std::string shared = code(7, 30);
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("x", shared + code(8, 30)), doc_with("y", shared + code(9, 30))});
  auto loose = dedup(dir, {"--mode", "near", "--bands", "128", "--rows", "1", "--json"});
  ASSERT_EQ(loose.exit_code, 0) << loose.err;
  EXPECT_EQ(read_dir(dir / "out" / "rejected").size(), 1u);
  TempDir second;
  write_shard(second / "in" / "a.jsonl.zst", {doc_with("x", shared + code(8, 30)), doc_with("y", shared + code(9, 30))});
  auto verified = dedup(second, {"--mode", "near", "--bands", "128", "--rows", "1", "--verify", "--json"});
  ASSERT_EQ(verified.exit_code, 0) << verified.err;
  EXPECT_EQ(read_dir(second / "out" / "rejected").size(), 0u);
  EXPECT_EQ(read_dir(second / "out").size(), 2u);
  EXPECT_NE(verified.out.find("\"verify_splits\":1"), std::string::npos) << verified.out;
}

TEST(DedupCli, AgainstDropsDocumentsFoundInTheReferenceAndLeavesItAlone) {
  TempDir dir;
  write_shard(dir / "ref" / "r.jsonl.zst", {doc_with("curated", code(10), "GPL-3.0-only")});
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("copy", code(10), "MIT", 100), doc_with("new", code(11))});
  const auto before = tree_digest(dir / "ref");
  const auto result = dedup(dir, {"--against", (dir / "ref").string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  EXPECT_EQ(tree_digest(dir / "ref"), before);
  const auto removed = read_dir(dir / "out" / "rejected");
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0].id, "copy");  // even with a better license: the reference is already curated
  EXPECT_EQ(removed[0].metadata.get_string("duplicate_of"), "curated");
  EXPECT_EQ(removed[0].metadata.get_string("duplicate_in"), "against");
  const auto kept = read_dir(dir / "out");
  ASSERT_EQ(kept.size(), 1u);
  EXPECT_EQ(kept[0].id, "new");
  EXPECT_NE(result.out.find("\"removed_against\":1"), std::string::npos) << result.out;
}

TEST(DedupCli, NormalizeWhitespaceMakesReformattedCopiesExact) {
  TempDir dir;
  write_shard(dir / "in" / "a.jsonl.zst", {doc_with("a", "int main() {\n  return 0;\n}\n"), doc_with("b", "int main() {\n\treturn 0;\n}")});
  ASSERT_EQ(dedup(dir, {"--mode", "exact"}).exit_code, 0);
  EXPECT_EQ(read_dir(dir / "out" / "rejected").size(), 0u);
  TempDir second;
  write_shard(second / "in" / "a.jsonl.zst", {doc_with("a", "int main() {\n  return 0;\n}\n"), doc_with("b", "int main() {\n\treturn 0;\n}")});
  ASSERT_EQ(dedup(second, {"--mode", "exact", "--normalize-whitespace"}).exit_code, 0);
  EXPECT_EQ(read_dir(second / "out" / "rejected").size(), 1u);
}

TEST(DedupCli, RerunSkipsFinishedTasksAndGivesTheSameOutput) {
  TempDir dir;
  write_corpus(dir / "in", generate_corpus(10, 10, 7), 2);
  const auto first = dedup(dir, {"--json"});
  ASSERT_EQ(first.exit_code, 0) << first.err;
  const auto digest = tree_digest(dir / "out");
  const auto second = dedup(dir, {"--json"});
  ASSERT_EQ(second.exit_code, 0) << second.err;
  EXPECT_NE(second.out.find("\"tasks_run\":0"), std::string::npos) << second.out;
  EXPECT_EQ(tree_digest(dir / "out"), digest);
  // A lost output shard and its marker: only that task runs again.
  std::filesystem::remove(dir / "out" / "part-00001.jsonl.zst");
  std::filesystem::remove(dir / "out" / "dedup-work" / "done" / "phase4-00001");
  const auto third = dedup(dir, {"--json"});
  ASSERT_EQ(third.exit_code, 0) << third.err;
  EXPECT_NE(third.out.find("\"tasks_run\":1"), std::string::npos) << third.out;
  EXPECT_EQ(tree_digest(dir / "out"), digest);
  // Other options: the work directory starts over.
  const auto changed = dedup(dir, {"--threshold", "0.8", "--json"});
  ASSERT_EQ(changed.exit_code, 0) << changed.err;
  EXPECT_EQ(changed.out.find("\"tasks_run\":0"), std::string::npos) << changed.out;
}

TEST(DedupCli, PhasesRunAsArrayTasksGiveTheSameResult) {
  TempDir dir;
  write_corpus(dir / "in", generate_corpus(12, 12, 9), 3);
  TempDir whole;
  const auto all = run_sluice({"dedup", "--in", (dir / "in").string(), "--out", (whole / "out").string(), "--verify"});
  ASSERT_EQ(all.exit_code, 0) << all.err;
  for (const char* phase : {"1", "2", "3", "4"}) {
    for (const char* task : {"0", "1"}) {
      const auto step = dedup(dir, {"--verify", "--phase", phase, "--task", task, "--tasks", "2"});
      ASSERT_EQ(step.exit_code, 0) << "phase " << phase << " task " << task << ": " << step.err;
    }
  }
  auto outputs = [](const std::filesystem::path& out) {
    auto files = tree_digest(out);
    std::erase_if(files, [](const auto& entry) { return entry.first.rfind("dedup-work", 0) == 0 || entry.first == "manifest.json"; });
    return files;
  };
  EXPECT_EQ(outputs(dir / "out"), outputs(whole / "out"));
}

TEST(DedupCli, ExplainPrintsParametersAndTheSCurve) {
  const auto text = run_sluice({"dedup", "--explain"});
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_NE(text.out.find("bands x"), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("0.70"), std::string::npos);
  const auto json = run_sluice({"dedup", "--explain", "--json", "--threshold", "0.85", "--num-perm", "128"});
  ASSERT_EQ(json.exit_code, 0) << json.err;
  EXPECT_NE(json.out.find("\"s_curve\""), std::string::npos) << json.out;
  EXPECT_NE(json.out.find("\"num_perm\": 128"), std::string::npos) << json.out;
  const auto help = run_sluice({"dedup", "--help"});
  EXPECT_EQ(help.exit_code, 0);
  EXPECT_NE(help.out.find("--verify"), std::string::npos);
}
