// Quality of near and exact dedup on a generated corpus with planted duplicates, measured
// against brute force: the true Jaccard similarity of every pair of documents' shingle sets.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>
#include <unordered_map>

#include "dedup_test_util.h"
#include "sluice/dedup/minhash.h"

using namespace sluice;
using namespace sluice::test;

namespace {

constexpr double kThreshold = 0.7;

struct Truth {
  std::vector<std::vector<std::uint64_t>> sets;
  std::vector<std::pair<std::size_t, std::size_t>> pairs;  // true near-duplicate pairs
  std::vector<bool> duplicate;                             // has a partner at >= threshold
};

Truth brute_force(const std::vector<GeneratedDoc>& corpus) {
  Truth truth;
  for (const auto& doc : corpus) truth.sets.push_back(dedup::shingle_set(doc.text, 5));
  truth.duplicate.assign(corpus.size(), false);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    for (std::size_t j = i + 1; j < corpus.size(); ++j) {
      // Sizes bound the Jaccard: skip pairs that cannot reach the threshold.
      const double small = static_cast<double>(std::min(truth.sets[i].size(), truth.sets[j].size()));
      const double large = static_cast<double>(std::max(truth.sets[i].size(), truth.sets[j].size()));
      if (small < kThreshold * large) continue;
      if (dedup::jaccard(truth.sets[i], truth.sets[j]) >= kThreshold) {
        truth.pairs.emplace_back(i, j);
        truth.duplicate[i] = truth.duplicate[j] = true;
      }
    }
  }
  return truth;
}

struct Score {
  double doc_precision, doc_recall, pair_precision, pair_recall;
};

// Clusters from the output: each removed document and its kept twin share a cluster.
Score score(const std::vector<GeneratedDoc>& corpus, const Truth& truth, const std::filesystem::path& out) {
  std::unordered_map<std::string, std::size_t> index;
  for (std::size_t i = 0; i < corpus.size(); ++i) index[corpus[i].id] = i;
  std::vector<long> cluster(corpus.size(), -1);
  std::map<std::size_t, std::vector<std::size_t>> groups;
  for (const auto& doc : read_dir(out / "rejected")) {
    const std::size_t removed = index.at(doc.id);
    const std::size_t twin = index.at(*doc.metadata.get_string("duplicate_of"));
    groups[twin].push_back(removed);
  }
  std::size_t predicted = 0, hit = 0, predicted_pairs = 0, true_predicted_pairs = 0;
  std::set<std::pair<std::size_t, std::size_t>> true_pairs(truth.pairs.begin(), truth.pairs.end());
  // A removal is a predicted pair (removed, kept twin); it is right when their true Jaccard is
  // at least the threshold.
  for (auto& [twin, members] : groups) {
    for (const auto m : members) {
      cluster[m] = static_cast<long>(twin);
      ++predicted_pairs;
      true_predicted_pairs += true_pairs.count({std::min(m, twin), std::max(m, twin)});
    }
    cluster[twin] = static_cast<long>(twin);
  }
  std::size_t actual = 0;
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    const bool flagged = cluster[i] >= 0;
    predicted += flagged;
    actual += truth.duplicate[i];
    hit += flagged && truth.duplicate[i];
  }
  std::size_t found_pairs = 0;
  for (const auto& [a, b] : truth.pairs) found_pairs += cluster[a] >= 0 && cluster[a] == cluster[b];
  auto ratio = [](std::size_t x, std::size_t y) { return y == 0 ? 1.0 : static_cast<double>(x) / static_cast<double>(y); };
  return {ratio(hit, predicted), ratio(hit, actual), ratio(true_predicted_pairs, predicted_pairs), ratio(found_pairs, truth.pairs.size())};
}

class DedupQuality : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    corpus_ = new std::vector<GeneratedDoc>(generate_corpus(110, 220, 20261125));
    truth_ = new Truth(brute_force(*corpus_));
    std::map<std::string, std::pair<int, double>> by_kind;  // planted similarity per edit
    for (const auto& doc : *corpus_) {
      if (doc.base < 0) continue;
      auto& [count, sum] = by_kind[doc.kind];
      ++count;
      sum += dedup::jaccard(truth_->sets[static_cast<std::size_t>(doc.base)], truth_->sets[static_cast<std::size_t>(&doc - corpus_->data())]);
    }
    std::printf("corpus: %zu documents, %zu true pairs at Jaccard >= %.2f\n", corpus_->size(), truth_->pairs.size(), kThreshold);
    for (const auto& [kind, stat] : by_kind) {
      std::printf("  planted %-15s %3d variants, mean Jaccard with their base %.3f\n", kind.c_str(), stat.first, stat.second / stat.first);
    }
  }
  static void TearDownTestSuite() {
    delete corpus_;
    delete truth_;
  }
  static std::vector<GeneratedDoc>* corpus_;
  static Truth* truth_;
};
std::vector<GeneratedDoc>* DedupQuality::corpus_ = nullptr;
Truth* DedupQuality::truth_ = nullptr;

void run_and_check(const std::vector<GeneratedDoc>& corpus, const Truth& truth, const std::vector<std::string>& extra,
                   const char* label, double recall_floor, double pair_precision_floor) {
  TempDir dir;
  write_corpus(dir / "in", corpus, 3);
  std::vector<std::string> args = {"dedup", "--in", (dir / "in").string(), "--out", (dir / "out").string(), "--mode", "near",
                                   "--threshold", "0.7", "--json"};
  args.insert(args.end(), extra.begin(), extra.end());
  const auto result = run_sluice(args);
  ASSERT_EQ(result.exit_code, 0) << result.err;
  const Score s = score(corpus, truth, dir / "out");
  std::printf("%s: documents precision %.4f recall %.4f | removal pairs precision %.4f, true pairs clustered %.4f\n", label, s.doc_precision,
              s.doc_recall, s.pair_precision, s.pair_recall);
  EXPECT_GE(s.doc_precision, 0.95);
  EXPECT_GE(s.doc_recall, recall_floor);
  EXPECT_GE(s.pair_precision, pair_precision_floor);
}

}  // namespace

// BigCode's way: every LSH candidate counts (25 x 10 at 0.7). The planted variants sit just above
// the threshold (mean Jaccard 0.75-0.8), where the S-curve catches a pair with probability 0.5-0.94,
// so documents alone at 0.70-0.75 are missed; recall is ~0.93 here.
TEST_F(DedupQuality, NearDedupMatchesBruteForceJaccard) {
  run_and_check(*corpus_, *truth_, {}, "near, LSH only (BigCode 25x10)", 0.90, 0.0);
}

// --verify: recall-leaning bands (32 x 8) and the true Jaccard of every candidate: the issue's
// target, precision and recall >= 0.95, and no removal without a twin at >= 0.7.
TEST_F(DedupQuality, VerifiedNearDedupHasNoFalsePairs) {
  run_and_check(*corpus_, *truth_, {"--verify"}, "near --verify (32x8)", 0.95, 1.0);
}

TEST_F(DedupQuality, ExactDedupIsExact) {
  TempDir dir;
  write_corpus(dir / "in", *corpus_, 3);
  const auto result = run_sluice({"dedup", "--in", (dir / "in").string(), "--out", (dir / "out").string(), "--mode", "exact"});
  ASSERT_EQ(result.exit_code, 0) << result.err;
  std::map<std::string, std::vector<std::string>> by_text;  // text -> ids
  for (const auto& doc : *corpus_) by_text[doc.text].push_back(doc.id);
  std::map<std::string, std::string> text_of;
  for (const auto& doc : *corpus_) text_of[doc.id] = doc.text;
  const auto kept = read_dir(dir / "out");
  const auto removed = read_dir(dir / "out" / "rejected");
  EXPECT_EQ(kept.size(), by_text.size());  // one survivor per distinct text, no miss
  std::set<std::string> kept_texts;
  for (const auto& doc : kept) EXPECT_TRUE(kept_texts.insert(doc.text).second) << "two copies kept: " << doc.id;
  for (const auto& doc : removed) {
    EXPECT_EQ(doc.metadata.get_string("rejected_by"), "dedup:exact");
    const auto twin = doc.metadata.get_string("duplicate_of");
    ASSERT_TRUE(twin);
    EXPECT_EQ(text_of.at(*twin), doc.text) << "false positive: " << doc.id;
  }
  EXPECT_EQ(kept.size() + removed.size(), corpus_->size());
  std::printf("exact: %zu documents, %zu removed, %zu distinct texts\n", corpus_->size(), removed.size(), by_text.size());
}
