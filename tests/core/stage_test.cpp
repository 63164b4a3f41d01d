#include <gtest/gtest.h>

#include <atomic>

#include "sluice/core/error.h"
#include "sluice/core/shard_set.h"
#include "sluice/core/stage.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

struct Fixture {
  TempDir dir;
  std::vector<std::filesystem::path> inputs;
  Fixture() {
    std::filesystem::create_directories(dir / "in");
    for (std::size_t i = 0; i < 4; ++i) {
      inputs.push_back(dir / "in" / shard_name(i));
      write_documents(inputs.back(), 50 + i, i);
    }
  }
  StageOptions options(const std::string& config = "{}") const {
    StageOptions stage;
    stage.stage = "test";
    stage.options_json = config;
    stage.out = dir / "out";
    stage.threads = 2;
    stage.show_progress = false;
    return stage;
  }
};

// Keeps Python, rejects the rest.
void keep_python(Document& doc, ShardOutput& out) {
  if (doc.metadata.get_string("lang") == "Python") out.keep(doc);
  else out.reject(doc, "test:not_python");
}

}  // namespace

TEST(Stage, KeepsAndRejectsWithReasonAndCountsAddUp) {
  Fixture f;
  const auto report = run_document_stage(f.inputs, f.options(), keep_python);
  EXPECT_EQ(report.shards, 4u);
  EXPECT_EQ(report.documents_in, 50u + 51 + 52 + 53);
  EXPECT_EQ(report.documents_in, report.documents_out + report.documents_rejected);
  EXPECT_EQ(report.counters.at("rejected:test:not_python"), report.documents_rejected);
  const auto rejected = read_documents(f.dir / "out" / "rejected" / shard_name(0));
  ASSERT_FALSE(rejected.empty());
  EXPECT_EQ(rejected[0].metadata.get_string("rejected_by"), "test:not_python");
  const auto manifest = Manifest::load(f.dir / "out");
  ASSERT_EQ(manifest.shards().size(), 4u);
  EXPECT_TRUE(manifest.shards()[0].complete);
  EXPECT_EQ(manifest.shards()[0].xxh3, hash_file(f.dir / "out" / shard_name(0)).hex());
}

TEST(Stage, RerunSkipsFinishedShardsAndReportsTheSameTotals) {
  Fixture f;
  const auto first = run_document_stage(f.inputs, f.options(), keep_python);
  std::atomic<int> calls{0};
  const auto second = run_document_stage(f.inputs, f.options(), [&](Document& doc, ShardOutput& out) {
    ++calls;
    keep_python(doc, out);
  });
  EXPECT_EQ(calls.load(), 0);
  EXPECT_EQ(second.shards_skipped, 4u);
  EXPECT_EQ(second.documents_out, first.documents_out);
  EXPECT_EQ(second.documents_rejected, first.documents_rejected);
}

TEST(Stage, ChangedOptionsOrChangedInputRedoTheWork) {
  Fixture f;
  run_document_stage(f.inputs, f.options(), keep_python);
  auto redo = run_document_stage(f.inputs, f.options("{\"x\":1}"), keep_python);
  EXPECT_EQ(redo.shards_skipped, 0u);
  write_documents(f.inputs[2], 10, 99);  // upstream rewrote one input
  redo = run_document_stage(f.inputs, f.options("{\"x\":1}"), keep_python);
  EXPECT_EQ(redo.shards_skipped, 3u);
}

TEST(Stage, DamagedOutputShardIsRedone) {
  Fixture f;
  run_document_stage(f.inputs, f.options(), keep_python);
  std::filesystem::resize_file(f.dir / "out" / shard_name(1), 5);
  const auto redo = run_document_stage(f.inputs, f.options(), keep_python);
  EXPECT_EQ(redo.shards_skipped, 3u);
  EXPECT_FALSE(read_documents(f.dir / "out" / shard_name(1)).empty());
}

TEST(Stage, BadShardStopsTheRunLeavesNoPartialFileAndKeepsFinishedShards) {
  Fixture f;
  write_text(f.inputs[3], "{\"id\":\"1\",\"text\":\"ok\"}\nnot json\n");
  auto options = f.options();
  options.threads = 1;
  try {
    run_document_stage(f.inputs, options, keep_python);
    FAIL() << "expected an error";
  } catch (const Error& error) {
    EXPECT_NE(std::string(error.what()).find(shard_name(3) + ":2:"), std::string::npos) << error.what();
  }
  EXPECT_FALSE(std::filesystem::exists(f.dir / "out" / shard_name(3)));
  for (const auto& entry : std::filesystem::recursive_directory_iterator(f.dir / "out")) {
    EXPECT_EQ(entry.path().string().find(".tmp-"), std::string::npos) << entry.path();
  }
  const auto manifest = Manifest::load(f.dir / "out");
  EXPECT_EQ(manifest.shards().size(), 3u);  // 0..2 finished and recorded
}

TEST(Stage, StaleTemporariesFromAKilledRunAreRemoved) {
  Fixture f;
  std::filesystem::create_directories(f.dir / "out");
  write_text(f.dir / "out" / (shard_name(0) + ".tmp-123-0"), "partial");
  run_document_stage(f.inputs, f.options(), keep_python);
  EXPECT_FALSE(std::filesystem::exists(f.dir / "out" / (shard_name(0) + ".tmp-123-0")));
}
