// Phase 3: one task. Union-find over every candidate edge gives the clusters; each cluster keeps
// its best-ranked document and every other member gets a removal record naming its kept twin.
// With --verify the members' true Jaccard similarities decide instead: in rank order, a member
// joins the first kept document it is at least `threshold` similar to, or is kept itself.
// Memory: 4 bytes and 1 bit per document for the forest, plus the members of clusters of 2+
// (their ids, and with --verify their shingle sets).
#include <algorithm>
#include <numeric>
#include <unordered_map>

#include "context.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"
#include "sluice/core/parallel.h"
#include "sluice/core/shard_set.h"
#include "work_files.h"

namespace sluice::dedup {
namespace {

class Forest {
 public:
  explicit Forest(std::size_t size) : parent_(size) { std::iota(parent_.begin(), parent_.end(), 0u); }
  std::uint32_t find(std::uint32_t x) {
    while (parent_[x] != x) {
      parent_[x] = parent_[parent_[x]];  // path halving
      x = parent_[x];
    }
    return x;
  }
  // The smaller index becomes the root: the forest does not depend on edge order.
  void unite(std::uint32_t a, std::uint32_t b) {
    a = find(a);
    b = find(b);
    if (a == b) return;
    if (a < b) parent_[b] = a;
    else parent_[a] = b;
  }

 private:
  std::vector<std::uint32_t> parent_;
};

struct Member {
  std::uint64_t ref = 0;
  DocHead head;
  std::string id;
  bool reference = false;
};

// Best first: reference documents, then license class, then the rank field (larger first),
// then the id, then input order.
bool ranks_before(const Member& x, const Member& y, const RankPolicy& rank) {
  if (x.reference != y.reference) return x.reference;
  if (rank.by_license && x.head.license != y.head.license) return x.head.license < y.head.license;
  if (!rank.field.empty() && x.head.field != y.head.field) return x.head.field > y.head.field;
  if (x.id != y.id) return x.id < y.id;
  return x.ref < y.ref;
}

struct PendingRemoval {
  Removal record;
  std::string twin;  // the kept document's id
};

bool same_text(const Member& a, const Member& b) { return a.head.high == b.head.high && a.head.low == b.head.low; }

// The shingle sets of the members, read from the shards' texts (only the members' documents).
std::vector<std::vector<std::uint64_t>> load_shingle_sets(const Context& context, const std::vector<const Member*>& members) {
  std::vector<std::vector<std::uint64_t>> sets(members.size());
  std::vector<std::vector<std::size_t>> by_shard(context.shards.size());
  for (std::size_t i = 0; i < members.size(); ++i) by_shard[ref_shard(members[i]->ref)].push_back(i);
  for (auto& list : by_shard) {
    std::sort(list.begin(), list.end(), [&](std::size_t x, std::size_t y) { return members[x]->ref < members[y]->ref; });
  }
  parallel_for(by_shard.size(), context.options.threads, [&](std::size_t shard) {
    const auto& wanted = by_shard[shard];
    if (wanted.empty()) return;
    DocumentReader reader(context.shards[shard]);
    Document doc;
    std::uint32_t index = 0;
    std::size_t next = 0;
    while (next < wanted.size() && reader.next(doc)) {
      if (ref_index(members[wanted[next]]->ref) == index) {
        sets[wanted[next]] = shingle_set(doc.text, context.options.minhash.ngram);
        ++next;
      }
      ++index;
    }
    if (next < wanted.size()) {
      throw Error(context.shards[shard].string() + ": has fewer documents than when its signatures were made; "
                  "the input changed during the run - run dedup again");
    }
  });
  return sets;
}

}  // namespace

PhaseStats run_components(const Context& context) {
  PhaseStats stats;
  const auto todo = tasks_to_run(context, 3, 1, stats);
  if (todo.empty()) return stats;
  const auto& options = context.options;

  // Dense numbering: shard offsets from the document tables.
  std::vector<std::uint64_t> offsets(context.shards.size() + 1, 0);
  for (std::size_t s = 0; s < context.shards.size(); ++s) {
    RecordReader docs(context.docs_file(s), kDocsMagic, 0);
    offsets[s + 1] = offsets[s] + docs.count();
  }
  const std::uint64_t total = offsets.back();
  if (total >= 0xffffffffULL) throw Error("dedup: more than 4294967295 documents in one run; split the corpus");
  auto dense = [&](std::uint64_t ref) { return static_cast<std::uint32_t>(offsets[ref_shard(ref)] + ref_index(ref)); };

  Forest forest(total);
  std::uint64_t edge_count = 0;
  std::vector<EdgeRecord> buffer(1 << 16);
  for (std::size_t kind = 0; kind < context.kinds(); ++kind) {
    RecordReader edges(context.edges_file(kind), kEdgeMagic, sizeof(EdgeRecord));
    while (const std::size_t n = edges.read_records(buffer.data(), buffer.size())) {
      for (std::size_t i = 0; i < n; ++i) {
        if (ref_shard(buffer[i].a) >= context.shards.size() || ref_shard(buffer[i].b) >= context.shards.size()) {
          edges.corrupt("names a shard that does not exist");
        }
        forest.unite(dense(buffer[i].a), dense(buffer[i].b));
      }
      edge_count += n;
    }
  }
  std::vector<bool> has_child(total, false);
  for (std::uint32_t g = 0; g < total; ++g) {
    const std::uint32_t root = forest.find(g);
    if (root != g) has_child[root] = true;
  }

  // Members of clusters of two or more, grouped by root.
  std::unordered_map<std::uint32_t, std::vector<Member>> clusters;
  std::uint64_t no_tokens = 0;
  for (std::size_t s = 0; s < context.shards.size(); ++s) {
    RecordReader docs(context.docs_file(s), kDocsMagic, 0);
    for (std::uint64_t i = 0; i < docs.count(); ++i) {
      Member member;
      docs.read(&member.head, sizeof member.head);
      member.id.resize(member.head.id_length);
      docs.read(member.id.data(), member.id.size());
      if (context.near() && !(member.head.flags & kHasSignature) && !context.is_reference(s)) ++no_tokens;
      const std::uint32_t g = static_cast<std::uint32_t>(offsets[s] + i);
      const std::uint32_t root = forest.find(g);
      if (root == g && !has_child[g]) continue;
      member.ref = make_ref(s, i);
      member.reference = context.is_reference(s);
      clusters[root].push_back(std::move(member));
    }
  }
  std::vector<std::uint32_t> roots;
  roots.reserve(clusters.size());
  for (auto& [root, members] : clusters) {
    roots.push_back(root);
    std::sort(members.begin(), members.end(), [&](const Member& x, const Member& y) { return ranks_before(x, y, options.rank); });
  }
  std::sort(roots.begin(), roots.end());

  const bool verify = options.verify && context.near();
  std::unordered_map<const Member*, std::size_t> set_index;
  std::vector<std::vector<std::uint64_t>> sets;
  if (verify) {
    std::vector<const Member*> all;
    for (const auto root : roots) {
      for (const auto& member : clusters[root]) all.push_back(&member);
    }
    sets = load_shingle_sets(context, all);
    for (std::size_t i = 0; i < all.size(); ++i) set_index[all[i]] = i;
  }

  std::vector<std::vector<PendingRemoval>> removals(context.input_shards);
  std::uint64_t cluster_count = 0, splits = 0;
  std::filesystem::create_directories(options.out / kDuplicatesDir);
  AtomicFile duplicates_file(options.out / kDuplicatesDir / "clusters.jsonl.zst");
  ZstdSink duplicates(duplicates_file, 3, duplicates_file.target().string());
  std::string line;
  for (const auto root : roots) {
    const auto& members = clusters[root];
    // kept[k] = index into members of a kept document; twin[m] = which kept document m joined.
    std::vector<std::size_t> kept;
    std::vector<std::size_t> twin(members.size());
    std::vector<double> similarity(members.size(), -1.0);
    for (std::size_t m = 0; m < members.size(); ++m) {
      bool joined = false;
      if (!verify) {
        if (m > 0) {
          twin[m] = 0;
          similarity[m] = same_text(members[m], members[0]) ? 1.0 : -1.0;
          joined = true;
        }
      } else if (!members[m].reference) {
        for (const std::size_t k : kept) {
          const double j = same_text(members[m], members[k]) ? 1.0 : jaccard(sets[set_index[&members[m]]], sets[set_index[&members[k]]]);
          if (j >= options.threshold) {
            twin[m] = k;
            similarity[m] = j;
            joined = true;
            break;
          }
        }
      }
      if (!joined) {
        twin[m] = m;
        kept.push_back(m);
      }
    }
    if (verify) splits += kept.size() - 1;
    // One record per kept document that has removed twins (references may have none).
    for (const std::size_t k : kept) {
      std::vector<std::size_t> group;
      for (std::size_t m = 0; m < members.size(); ++m) {
        if (m != k && twin[m] == k && !members[m].reference) group.push_back(m);
      }
      if (group.empty()) continue;
      ++cluster_count;
      const auto& keeper = members[k];
      const std::uint64_t cluster_id = offsets[ref_shard(keeper.ref)] + ref_index(keeper.ref);
      JsonWriter json;
      json.begin_object().field("cluster", cluster_id).field("size", static_cast<std::uint64_t>(group.size() + 1));
      json.field("kept", keeper.id).field("kept_from", keeper.reference ? "against" : "in");
      json.field("kept_shard", context.shards[ref_shard(keeper.ref)].filename().string());
      json.key("removed").begin_array();
      for (const std::size_t m : group) {
        const auto& member = members[m];
        const bool exact = same_text(member, keeper);
        json.begin_object().field("id", member.id).field("rejected_by", exact ? "dedup:exact" : "dedup:near");
        json.field("shard", context.shards[ref_shard(member.ref)].filename().string());
        if (similarity[m] >= 0) json.field("similarity", similarity[m]);
        json.end_object();
        Removal removal;
        removal.index = ref_index(member.ref);
        removal.reason = exact ? 1 : 2;
        removal.against = keeper.reference ? 1 : 0;
        removal.similarity = static_cast<float>(similarity[m]);
        removal.cluster = cluster_id;
        removals[ref_shard(member.ref)].push_back({removal, keeper.id});
      }
      json.end_array().end_object();
      line = json.take();
      line.push_back('\n');
      duplicates.write(line.data(), line.size());
    }
  }
  duplicates.finish();
  duplicates_file.commit();

  // Removal lists per input shard, in document order, for phase 4.
  for (std::size_t s = 0; s < context.input_shards; ++s) {
    auto& list = removals[s];
    std::sort(list.begin(), list.end(), [](const PendingRemoval& x, const PendingRemoval& y) { return x.record.index < y.record.index; });
    RecordWriter writer(context.removed_file(s), kRemovedMagic, 0);
    for (const auto& removal : list) {
      const auto length = static_cast<std::uint32_t>(removal.twin.size());
      writer.write(&removal.record, sizeof removal.record);
      writer.write(&length, sizeof length);
      writer.write(removal.twin.data(), removal.twin.size());
      writer.end_record();
    }
    writer.finish();
  }
  write_file_atomically(context.summary_file(), JsonWriter()
                                                    .begin_object()
                                                    .field("documents", total)
                                                    .field("candidate_edges", edge_count)
                                                    .field("clusters", cluster_count)
                                                    .field("verify_splits", splits)
                                                    .field("no_tokens", no_tokens)
                                                    .end_object()
                                                    .take());
  context.mark_done(3, 0);
  return stats;
}

}  // namespace sluice::dedup
