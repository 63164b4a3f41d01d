// sluice report: a self-contained page whose charts render in a real browser.
#include <gtest/gtest.h>

#include <cstdlib>

#include "pipelines_test_support.h"
#include "test_support.h"

using namespace sluice;
using namespace sluice::test;

namespace {

std::string chromium() {
  for (const char* candidate : {"/usr/bin/chromium", "/usr/bin/chromium-browser", "/usr/bin/google-chrome"}) {
    if (std::filesystem::exists(candidate)) return candidate;
  }
  return "";
}

std::size_t count(const std::string& text, const std::string& needle) {
  std::size_t n = 0;
  for (std::size_t at = 0; (at = text.find(needle, at)) != std::string::npos; at += needle.size()) ++n;
  return n;
}

// A run directory with every kind of data the report draws: document stages from a real run,
// plus the files later stages leave (token shards, metrics, evaluations, duplicate clusters).
void make_run(const TempDir& dir) {
  write_corpus(dir / "in", 3, 200);
  write_text(dir / "pipeline.yaml", three_stage_pipeline(dir / "in", 2));
  ASSERT_EQ(run_sluice({"run", (dir / "pipeline.yaml").string()}).exit_code, 0);
  const auto stages = dir / "run" / "stages";
  // Training metrics as finetune writes them (one line per step, one per evaluation).
  std::filesystem::create_directories(stages / "pretrain" / "out");
  std::string metrics;
  for (int step = 1; step <= 20; ++step) {
    metrics += "{\"step\":" + std::to_string(step) + ",\"loss\":" + std::to_string(5.0 - step * 0.1) +
               ",\"lr\":0.001,\"grad_norm\":1.0,\"tokens_per_s\":1000,\"step_s\":0.5}\n";
    if (step % 5 == 0) metrics += "{\"step\":" + std::to_string(step) + ",\"val_loss\":" + std::to_string(5.2 - step * 0.09) + "}\n";
  }
  write_text(stages / "pretrain" / "out" / "metrics.jsonl", metrics);
  write_text(stages / "pretrain" / "stage.json", "{\"stage\":\"pretrain\",\"seconds\":12.5,\"exit_code\":0,\"config\":{\"options\":{\"batch_size\":4,\"seq_len\":64}}}\n");
  // A token shard footer (docs/tok-format.md): 2 documents, 1234 tokens.
  std::string tok(256, '\0');
  auto put = [&](std::size_t offset, std::uint64_t value) {
    for (int i = 0; i < 8; ++i) tok[offset + static_cast<std::size_t>(i)] = static_cast<char>((value >> (8 * i)) & 0xff);
  };
  put(256 - 64 + 24, 2);
  put(256 - 64 + 32, 1234);
  tok.replace(256 - 8, 8, "SLUICEND");
  std::filesystem::create_directories(stages / "tokens" / "out");
  write_text(stages / "tokens" / "out" / "train-00000.tok", tok);
  write_text(stages / "tokens" / "stage.json", "{\"stage\":\"tokenize\",\"seconds\":1,\"exit_code\":0}\n");
  std::filesystem::create_directories(stages / "heldout" / "out");
  write_text(stages / "heldout" / "out" / "pretrain.json", "{\"loss\":3.5}\n");
  write_text(stages / "heldout" / "out" / "finetune.json", "{\"loss\":2.9}\n");
  write_text(stages / "heldout" / "stage.json", "{\"stage\":\"eval\",\"seconds\":2,\"exit_code\":0}\n");
  std::filesystem::create_directories(stages / "coding" / "out");
  write_text(stages / "coding" / "out" / "finetune.json", "{\"pass@1\":0.25,\"pass@10\":0.5,\"tasks\":{}}\n");
  write_text(stages / "coding" / "stage.json", "{\"stage\":\"eval-code\",\"seconds\":3,\"exit_code\":0}\n");
  std::filesystem::create_directories(stages / "code" / "out" / "duplicates");
  write_zstd(stages / "code" / "out" / "duplicates" / "clusters.jsonl.zst",
             "{\"cluster\":1,\"size\":2}\n{\"cluster\":2,\"size\":5}\n{\"cluster\":3,\"members\":[\"a\",\"b\",\"c\"]}\n");
}

}  // namespace

TEST(Report, DrawsEveryKindOfDataTheRunHasAsInlineSvg) {
  TempDir dir;
  make_run(dir);
  const auto out = dir / "report.html";
  const auto result = run_sluice({"report", (dir / "run").string(), "--out", out.string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string html = read_text(out);
  for (const char* chart : {"funnel", "funnel-bytes", "languages", "licenses", "duplicate-clusters", "tokens-per-shard",
                            "loss-steps", "loss-tokens", "held-out-loss", "pass-at-k", "time", "throughput"}) {
    EXPECT_NE(html.find(std::string("data-chart=\"") + chart + "\""), std::string::npos) << chart;
  }
  EXPECT_NE(html.find("removed: select:where"), std::string::npos);
  EXPECT_NE(html.find("id=\"sluice-report-data\""), std::string::npos) << "the data is embedded";
  // Self-contained: nothing is fetched.
  EXPECT_EQ(html.find("http://"), html.find("http://www.w3.org/2000/svg"));
  EXPECT_EQ(html.find("https://"), std::string::npos);
  EXPECT_EQ(html.find("<script src"), std::string::npos);
}

TEST(Report, APartialRunDrawsWhatItHasAndABadDirectoryIsAnError) {
  TempDir dir;
  write_corpus(dir / "in", 2, 50);
  write_text(dir / "pipeline.yaml", three_stage_pipeline(dir / "in", 1));
  ASSERT_EQ(run_sluice({"run", (dir / "pipeline.yaml").string(), "--to", "raw"}).exit_code, 0);
  const auto result = run_sluice({"report", (dir / "run").string(), "--json"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const std::string html = read_text(dir / "run" / "report.html");
  EXPECT_NE(html.find("data-chart=\"funnel\""), std::string::npos);
  EXPECT_EQ(html.find("data-chart=\"loss-steps\""), std::string::npos);
  const auto bad = run_sluice({"report", dir.path().string()});
  EXPECT_EQ(bad.exit_code, 1);
  EXPECT_NE(bad.err.find("not a run directory"), std::string::npos) << bad.err;
}

TEST(Report, ChartsRenderInHeadlessChromium) {
  const std::string browser = chromium();
  if (browser.empty()) GTEST_SKIP() << "chromium is not installed (scripts/setup installs it): the browser check is skipped";
  TempDir dir;
  make_run(dir);
  const auto out = dir / "report.html";
  ASSERT_EQ(run_sluice({"report", (dir / "run").string(), "--out", out.string()}).exit_code, 0);
  const std::vector<std::string> flags = {"--headless", "--no-sandbox", "--disable-gpu", "--no-first-run",
                                          "--disable-background-networking", "--disable-component-update", "--disable-sync",
                                          "--user-data-dir=" + (dir / "profile").string()};
  auto dom_args = flags;
  dom_args.push_back("--dump-dom");
  dom_args.push_back("file://" + out.string());
  const auto dom = run(browser, dom_args, {"HOME=" + dir.path().string()});
  ASSERT_EQ(dom.exit_code, 0) << dom.err;
  // The DOM after load: every chart is an <svg> with drawn bars or lines inside.
  EXPECT_GE(count(dom.out, "<svg class=\"chart\""), 11u) << dom.out.substr(0, 2000);
  EXPECT_GE(count(dom.out, "<rect class=\"bar\""), 20u);
  EXPECT_GE(count(dom.out, "<path class=\"series\""), 4u);

  auto shot_args = flags;
  shot_args.push_back("--window-size=900,3000");
  shot_args.push_back("--screenshot=" + (dir / "report.png").string());
  shot_args.push_back("file://" + out.string());
  const auto shot = run(browser, shot_args, {"HOME=" + dir.path().string()});
  ASSERT_EQ(shot.exit_code, 0) << shot.err;
  const std::string png = read_text(dir / "report.png");
  ASSERT_GT(png.size(), 10000u) << "a screenshot of a page with charts";
  EXPECT_EQ(png.substr(1, 3), "PNG");
}
