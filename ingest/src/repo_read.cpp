// read_repository: the commit's tree, read from the object database on several threads.
#include <algorithm>
#include <mutex>
#include <optional>
#include <vector>

#include "encoding.h"
#include "file_document.h"
#include "git_handles.h"
#include "pack_reader.h"
#include "repo_source.h"
#include "sluice/core/error.h"
#include "sluice/core/parallel.h"

namespace sluice::ingest {
namespace {

struct Entry {
  std::string path;
  git_oid oid;
};

struct Tree {
  std::vector<Entry> blobs;
  std::vector<Submodule> submodules;
  std::uint64_t symlinks = 0;
};

int collect(const char* root, const git_tree_entry* entry, void* payload) {
  auto& tree = *static_cast<Tree*>(payload);
  std::string path = std::string(root) + git_tree_entry_name(entry);
  switch (git_tree_entry_filemode(entry)) {
    case GIT_FILEMODE_TREE: return 0;  // descend
    case GIT_FILEMODE_LINK: ++tree.symlinks; return 0;
    case GIT_FILEMODE_COMMIT: tree.submodules.push_back({std::move(path), oid_hex(*git_tree_entry_id(entry)), {}}); return 0;
    case GIT_FILEMODE_BLOB:
    case GIT_FILEMODE_BLOB_EXECUTABLE: tree.blobs.push_back({std::move(path), *git_tree_entry_id(entry)}); return 0;
    default: return 0;
  }
}

// One repository handle (and its object database) per worker thread: libgit2 handles are not
// shared between threads, and each keeps its own pack windows. Each handle also has its own
// reader of the packs (libdeflate, its own delta base cache) over the pool's shared mappings.
class HandlePool {
 public:
  explicit HandlePool(std::string git_dir) : git_dir_(std::move(git_dir)) {}
  struct Handle {
    RepositoryPtr repo;
    OdbPtr odb;
    std::unique_ptr<PackReader> packs;
    OdbObjectPtr object;  // what libgit2 read last, for objects the pack reader leaves to it
  };
  // Maps the repository's packs for the handles acquired from now on.
  void open_packs(git_repository* repo) {
    packs_ = std::make_unique<PackSet>(std::filesystem::path(git_repository_commondir(repo)) / "objects", git_dir_);
  }
  std::unique_ptr<Handle> acquire() {
    {
      std::lock_guard lock(mutex_);
      if (!free_.empty()) {
        auto handle = std::move(free_.back());
        free_.pop_back();
        if (!handle->packs && packs_) handle->packs = std::make_unique<PackReader>(*packs_);
        return handle;
      }
    }
    auto handle = std::make_unique<Handle>();
    git_repository* repo = nullptr;
    git_check(git_repository_open_bare(&repo, git_dir_.c_str()), git_dir_);
    handle->repo.reset(repo);
    git_odb* odb = nullptr;
    git_check(git_repository_odb(&odb, repo), git_dir_);
    handle->odb.reset(odb);
    if (packs_) handle->packs = std::make_unique<PackReader>(*packs_);
    return handle;
  }
  void release(std::unique_ptr<Handle> handle) {
    std::lock_guard lock(mutex_);
    free_.push_back(std::move(handle));
  }

 private:
  std::string git_dir_;
  std::unique_ptr<PackSet> packs_;
  std::mutex mutex_;
  std::vector<std::unique_ptr<Handle>> free_;  // destroyed before packs_: their readers use it
};

// A blob's bytes, valid until the next read on the handle: from the packs when the reader has the
// object, otherwise from libgit2 (loose objects, alternates, anything the reader does not know).
std::string_view read_object(HandlePool::Handle& handle, const git_oid& oid, const std::string& path) {
  if (handle.packs) {
    if (const auto data = handle.packs->read(oid)) return *data;
  }
  git_odb_object* raw = nullptr;
  git_check(git_odb_read(&raw, handle.odb.get(), &oid), path + ": blob " + oid_hex(oid));
  handle.object.reset(raw);
  return {static_cast<const char*>(git_odb_object_data(raw)), git_odb_object_size(raw)};
}

std::size_t object_size(HandlePool::Handle& handle, const git_oid& oid, const std::string& path) {
  std::size_t size = 0;
  git_object_t type = GIT_OBJECT_INVALID;
  if (handle.packs && handle.packs->read_header(oid, size, type)) return size;
  git_check(git_odb_read_header(&size, &type, handle.odb.get(), &oid), path + ": blob " + oid_hex(oid));
  return size;
}

// .gitmodules names each submodule's URL: "path = x" and "url = y" inside [submodule] sections.
void add_submodule_urls(std::string_view text, std::vector<Submodule>& submodules) {
  std::string path, url;
  const auto flush = [&] {
    for (auto& submodule : submodules) {
      if (!path.empty() && submodule.path == path && !url.empty()) submodule.url = url;
    }
    path.clear();
    url.clear();
  };
  std::size_t start = 0;
  while (start < text.size()) {
    auto end = text.find('\n', start);
    if (end == std::string_view::npos) end = text.size();
    std::string_view line = text.substr(start, end - start);
    start = end + 1;
    while (!line.empty() && (line.front() == ' ' || line.front() == '\t')) line.remove_prefix(1);
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.remove_suffix(1);
    if (line.starts_with('[')) flush();
    const auto eq = line.find('=');
    if (eq == std::string_view::npos) continue;
    std::string_view key = line.substr(0, eq), value = line.substr(eq + 1);
    while (!key.empty() && key.back() == ' ') key.remove_suffix(1);
    while (!value.empty() && value.front() == ' ') value.remove_prefix(1);
    if (key == "path") path = value;
    if (key == "url") url = value;
  }
  flush();
}

// Counters of one block or chunk, merged into the facts at its end.
struct Tally {
  std::uint64_t files = 0, documents = 0, text_bytes = 0;
  SkipCounts skipped{};
  std::vector<LicenseFile> licenses;
};

// What the first pass (object headers only) decided for one blob.
struct Plan {
  std::size_t size = 0;
  std::optional<SkipReason> skip;  // by path or size; the blob may still be read (license, .gitmodules)
  bool read = false;
  bool license = false;  // its text goes to the repository's record
};

constexpr std::size_t kMaxChunkFiles = 256;

}  // namespace

void read_repository(const LocalRepository& local, const ReadContext& context, UnitWriter& writer, RepoFacts& facts) {
  init_libgit2();
  HandlePool handles(local.git_dir);
  Tree tree;
  {
    auto handle = handles.acquire();
    git_commit* commit = nullptr;
    git_check(git_commit_lookup(&commit, handle->repo.get(), &local.commit), "commit " + facts.commit);
    git_tree* root = nullptr;
    const int rc = git_commit_tree(&root, commit);
    git_commit_free(commit);
    git_check(rc, "tree of commit " + facts.commit);
    TreePtr root_tree(root);
    git_check(git_tree_walk(root, GIT_TREEWALK_PRE, collect, &tree), "walk the tree of " + facts.commit);
    handles.open_packs(handle->repo.get());
    handles.release(std::move(handle));
  }
  // git's own tree order walked depth first is already byte order of the full paths; sorting
  // states the order documents come out in rather than relying on that.
  std::sort(tree.blobs.begin(), tree.blobs.end(), [](const Entry& a, const Entry& b) { return a.path < b.path; });
  facts.skipped[static_cast<std::size_t>(SkipReason::kSymlink)] += tree.symlinks;
  facts.skipped[static_cast<std::size_t>(SkipReason::kSubmodule)] += tree.submodules.size();
  facts.files += tree.symlinks + tree.submodules.size();
  const unsigned threads = context.threads == 0 ? default_threads() : context.threads;
  std::mutex merge;
  const auto add = [&](Tally& tally) {
    std::lock_guard lock(merge);
    facts.files += tally.files;
    facts.documents += tally.documents;
    facts.text_bytes += tally.text_bytes;
    for (std::size_t r = 0; r < kSkipReasonCount; ++r) facts.skipped[r] += tally.skipped[r];
    for (auto& license : tally.licenses) facts.licenses.push_back(std::move(license));
  };

  // First pass, object headers only: sizes, and the blobs that path or size rules skip unread.
  std::vector<Plan> plans(tree.blobs.size());
  constexpr std::size_t kBlock = 1024;
  parallel_for((tree.blobs.size() + kBlock - 1) / kBlock, threads, [&](std::size_t b) {
    auto handle = handles.acquire();
    Tally tally;
    for (std::size_t i = b * kBlock; i < std::min(tree.blobs.size(), (b + 1) * kBlock); ++i) {
      const Entry& entry = tree.blobs[i];
      Plan& plan = plans[i];
      plan.size = object_size(*handle, entry.oid, entry.path);
      plan.skip = skip_by_path(entry.path, plan.size, context.max_bytes);
      plan.license = plan.size <= context.max_bytes && is_license_path(entry.path);
      const bool wanted = entry.path == ".gitmodules" || plan.license;
      plan.read = !plan.skip || wanted;
      if (!plan.read) {
        ++tally.files;
        ++tally.skipped[static_cast<std::size_t>(*plan.skip)];
      }
    }
    handles.release(std::move(handle));
    if (context.progress != nullptr) context.progress->add_items(tally.files);
    add(tally);
  });

  // Chunks of about one output frame of input each: the plan depends on the data only, so the
  // documents come out in path order whatever the threads do.
  std::vector<std::size_t> reads;
  std::vector<std::size_t> chunk_starts;
  std::size_t pending = 0;
  for (std::size_t i = 0; i < plans.size(); ++i) {
    if (!plans[i].read) continue;
    if (pending == 0 || pending >= context.format.frame_bytes || reads.size() - chunk_starts.back() >= kMaxChunkFiles) {
      chunk_starts.push_back(reads.size());
      pending = 0;
    }
    reads.push_back(i);
    pending += std::max<std::size_t>(plans[i].size, 1);
  }
  chunk_starts.push_back(reads.size());

  std::string gitmodules;
  parallel_for(chunk_starts.size() - 1, threads, [&](std::size_t c) {
    if (!writer.wait_turn(c)) return;
    try {
      auto handle = handles.acquire();
      ChunkOutput output(context.format);
      Tally tally;
      Document doc;
      FileOrigin origin;
      origin.repo = facts.url;
      origin.commit = facts.commit;
      for (std::size_t k = chunk_starts[c]; k < chunk_starts[c + 1]; ++k) {
        const Entry& entry = tree.blobs[reads[k]];
        const Plan& plan = plans[reads[k]];
        std::optional<SkipReason> skip = plan.skip;
        ++tally.files;
        const std::string_view data = read_object(*handle, entry.oid, entry.path);
        if (context.progress != nullptr) context.progress->add(data.size());
        if (entry.path == ".gitmodules") {
          std::lock_guard lock(merge);
          gitmodules.assign(data);
        }
        if (plan.license && is_valid_utf8(data)) {
          tally.licenses.push_back({entry.path, std::string(data)});
        }
        if (!skip) {
          const std::string blob = oid_hex(entry.oid);
          origin.path = entry.path;
          origin.blob = blob;
          skip = make_document(origin, data, doc);
        }
        if (skip) {
          ++tally.skipped[static_cast<std::size_t>(*skip)];
          continue;
        }
        ++tally.documents;
        tally.text_bytes += doc.text.size();
        output.write(doc);
      }
      handles.release(std::move(handle));
      if (context.progress != nullptr) context.progress->add_items(tally.files);
      writer.commit(c, output.take());
      add(tally);
    } catch (...) {
      writer.fail();
      throw;
    }
  });
  std::sort(facts.licenses.begin(), facts.licenses.end(), [](const auto& a, const auto& b) { return a.path < b.path; });
  add_submodule_urls(gitmodules, tree.submodules);
  facts.submodules = std::move(tree.submodules);
}

}  // namespace sluice::ingest
