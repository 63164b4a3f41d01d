// prepare_repository: the cache of bare clones and the resolution of HEAD / REF.
#include <unistd.h>

#include <atomic>
#include <cctype>
#include <vector>

#include "git_handles.h"
#include "repo_source.h"
#include "sluice/core/error.h"
#include "sluice/core/hash.h"

namespace sluice::ingest {
namespace {

// A ref that keeps the commit we read reachable in the cache (and offers it as a "have" when
// the next fetch negotiates).
constexpr const char* kPinnedRef = "refs/sluice/ingested";

bool is_url(const std::string& location) {
  if (location.find("://") != std::string::npos) return true;
  // scp-like ssh: user@host:path
  const auto at = location.find('@');
  const auto colon = location.find(':');
  const auto slash = location.find('/');
  return at != std::string::npos && colon != std::string::npos && at < colon && (slash == std::string::npos || colon < slash);
}

// "https://github.com/redis/redis.git" -> "redis-1a2b3c4d5e6f7a8b.git"
std::string cache_name(const std::string& url) {
  std::string tail = url;
  while (!tail.empty() && tail.back() == '/') tail.pop_back();
  if (tail.ends_with(".git")) tail.resize(tail.size() - 4);
  const auto cut = tail.find_last_of("/:");
  if (cut != std::string::npos) tail = tail.substr(cut + 1);
  std::string name;
  for (const char c : tail) {
    if (std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '-' || c == '_' || c == '.') name += c;
    if (name.size() >= 40) break;
  }
  char hash[17];
  std::snprintf(hash, sizeof(hash), "%016llx", static_cast<unsigned long long>(xxh3_64(url)));
  return (name.empty() ? "repo" : name) + "-" + hash + ".git";
}

struct CredentialState {
  int attempts = 0;
};

// ssh: the agent's keys; http(s) with a challenge: no credentials, so an explicit error rather
// than libgit2 asking again and again.
int credentials(git_credential** out, const char* /*url*/, const char* username, unsigned int allowed, void* payload) {
  auto& state = *static_cast<CredentialState*>(payload);
  if (state.attempts++ == 0) {
    if ((allowed & GIT_CREDENTIAL_SSH_KEY) != 0) return git_credential_ssh_key_from_agent(out, username != nullptr ? username : "git");
    if ((allowed & GIT_CREDENTIAL_DEFAULT) != 0) return git_credential_default_new(out);
  }
  git_error_set_str(GIT_ERROR_NET,
                    "authentication required, and sluice has no credentials for it (ssh uses the ssh-agent's keys; "
                    "for https use a public URL or a local clone)");
  return GIT_EAUTH;
}

struct Target {
  std::string head;  // ref name it came from
  git_oid oid{};
  bool found = false;
};

// Picks what to read from the remote's advertised refs.
Target choose_target(const git_remote_head* const* heads, std::size_t count, const std::string& ref) {
  Target target;
  if (ref.empty()) {
    for (std::size_t i = 0; i < count; ++i) {
      if (std::string_view(heads[i]->name) != "HEAD") continue;
      target.head = heads[i]->symref_target != nullptr ? heads[i]->symref_target : "HEAD";
      target.oid = heads[i]->oid;
      target.found = true;
    }
    if (!target.found) {
      throw Error(count == 0 ? "empty repository (no commits)"
                             : "the remote has no HEAD (its default branch has no commits): name a branch as REF");
    }
    return target;
  }
  for (const std::string& candidate : {"refs/heads/" + ref, "refs/tags/" + ref, ref}) {
    for (std::size_t i = 0; i < count; ++i) {
      if (candidate == heads[i]->name) {
        target.head = candidate;
        target.oid = heads[i]->oid;
        target.found = true;
        return target;
      }
    }
  }
  if (count == 0) throw Error("empty repository (no commits)");
  return target;  // maybe a commit id: resolved after the fetch
}

git_oid peel_to_commit(git_repository* repo, const git_oid& oid, const std::string& what) {
  git_object* raw = nullptr;
  git_check(git_object_lookup(&raw, repo, &oid, GIT_OBJECT_ANY), what);
  ObjectPtr object(raw);
  git_object* peeled = nullptr;
  git_check(git_object_peel(&peeled, object.get(), GIT_OBJECT_COMMIT), what + " is not a commit");
  const git_oid commit = *git_object_id(peeled);
  git_object_free(peeled);
  return commit;
}

git_oid resolve_revision(git_repository* repo, const std::string& ref) {
  git_object* raw = nullptr;
  git_check(git_revparse_single(&raw, repo, ref.c_str()), "no branch, tag or commit '" + ref + "'");
  ObjectPtr object(raw);
  return peel_to_commit(repo, *git_object_id(object.get()), ref);
}

void fetch(git_repository* repo, const RepoSpec& spec, RepoFacts& facts, git_oid& commit) {
  // An anonymous remote: the cache directory is named after the URL, so the URL need not live in
  // the repository's config (and libgit2 1.5 leaks memory when it looks remotes up there).
  // The *_options_init functions rather than the INIT macros: clang (the fuzz build) rejects
  // the macros' partial initialisers under -Wmissing-field-initializers.
  git_remote_create_options create;
  git_remote_create_options_init(&create, GIT_REMOTE_CREATE_OPTIONS_VERSION);
  create.repository = repo;
  create.flags = GIT_REMOTE_CREATE_SKIP_INSTEADOF | GIT_REMOTE_CREATE_SKIP_DEFAULT_FETCHSPEC;
  git_remote* raw_remote = nullptr;
  git_check(git_remote_create_with_opts(&raw_remote, spec.location.c_str(), &create), spec.location);
  RemotePtr remote(raw_remote);
  CredentialState state;
  git_fetch_options options;
  git_fetch_options_init(&options, GIT_FETCH_OPTIONS_VERSION);
  options.callbacks.credentials = credentials;
  options.callbacks.payload = &state;
  options.download_tags = GIT_REMOTE_DOWNLOAD_TAGS_NONE;  // the refspecs below name the tags
  git_check(git_remote_connect(remote.get(), GIT_DIRECTION_FETCH, &options.callbacks, &options.proxy_opts, nullptr),
            "cannot reach " + spec.location);
  const git_remote_head** heads = nullptr;
  std::size_t count = 0;
  git_check(git_remote_ls(&heads, &count, remote.get()), "cannot list the refs of " + spec.location);
  const Target target = choose_target(heads, count, spec.ref);

  // Branches, tags, and HEAD itself (a detached HEAD is on no branch).
  char branches[] = "+refs/heads/*:refs/remotes/origin/*";
  char tags[] = "+refs/tags/*:refs/tags/*";
  char head[] = "+HEAD:refs/sluice/remote-head";
  char* specs[] = {branches, tags, head};
  const git_strarray refspecs{specs, 3};
  git_check(git_remote_download(remote.get(), &refspecs, &options), "fetch from " + spec.location);
  const git_indexer_progress* stats = git_remote_stats(remote.get());
  facts.objects_fetched = stats->received_objects;
  facts.bytes_fetched = stats->received_bytes;
  git_check(git_remote_update_tips(remote.get(), &options.callbacks, 0, GIT_REMOTE_DOWNLOAD_TAGS_NONE, nullptr),
            "update refs from " + spec.location);
  git_remote_disconnect(remote.get());

  facts.head = target.found ? target.head : spec.ref;
  commit = target.found ? peel_to_commit(repo, target.oid, facts.head) : resolve_revision(repo, spec.ref);
  git_reference* pinned = nullptr;
  git_check(git_reference_create(&pinned, repo, kPinnedRef, &commit, 1, "sluice ingest"), "pin the ingested commit");
  git_reference_free(pinned);
}

LocalRepository prepare_remote(const RepoSpec& spec, const std::filesystem::path& cache, RepoFacts& facts) {
  std::error_code ec;
  std::filesystem::create_directories(cache, ec);
  if (ec) throw Error(cache.string() + ": cannot create the clone cache: " + ec.message());
  const auto final_dir = cache / cache_name(spec.location);
  LocalRepository local;
  if (std::filesystem::exists(final_dir / "HEAD")) {
    git_repository* raw = nullptr;
    git_check(git_repository_open_bare(&raw, final_dir.c_str()), final_dir.string() + " (cached clone; delete it to clone again)");
    RepositoryPtr repo(raw);
    fetch(repo.get(), spec, facts, local.commit);
  } else {
    // A first clone is made under a temporary name, so an interrupted one is never mistaken for a cache.
    static std::atomic<unsigned> counter{0};
    const auto temp = cache / (cache_name(spec.location) + ".tmp-" + std::to_string(getpid()) + "-" + std::to_string(counter++));
    std::filesystem::remove_all(temp, ec);
    try {
      git_repository* raw = nullptr;
      git_check(git_repository_init(&raw, temp.c_str(), 1), temp.string());
      RepositoryPtr repo(raw);
      fetch(repo.get(), spec, facts, local.commit);
    } catch (...) {
      std::filesystem::remove_all(temp, ec);
      throw;
    }
    std::filesystem::rename(temp, final_dir, ec);
    if (ec) {
      std::filesystem::remove_all(temp, ec);  // a parallel entry for the same URL won the race
    }
  }
  local.git_dir = final_dir.string();
  return local;
}

LocalRepository prepare_local(const RepoSpec& spec, RepoFacts& facts) {
  git_repository* raw = nullptr;
  if (git_repository_open_ext(&raw, spec.location.c_str(), GIT_REPOSITORY_OPEN_NO_SEARCH, nullptr) < 0) {
    throw Error(std::filesystem::exists(spec.location) ? "not a git repository (work tree or bare)" : "no such file or directory");
  }
  RepositoryPtr repo(raw);
  LocalRepository local;
  local.git_dir = git_repository_path(repo.get());
  if (!spec.ref.empty()) {
    local.commit = resolve_revision(repo.get(), spec.ref);
    facts.head = spec.ref;
    return local;
  }
  if (git_repository_is_empty(repo.get()) == 1) throw Error("empty repository (no commits)");
  if (git_repository_head_unborn(repo.get()) == 1) throw Error("HEAD names a branch with no commits: name a branch as REF");
  git_reference* head = nullptr;
  git_check(git_repository_head(&head, repo.get()), "HEAD");
  ReferencePtr head_ref(head);
  facts.head = git_repository_head_detached(repo.get()) == 1 ? "HEAD" : git_reference_name(head);
  local.commit = peel_to_commit(repo.get(), *git_reference_target(head), "HEAD");
  return local;
}

}  // namespace

LocalRepository prepare_repository(const RepoSpec& spec, const std::filesystem::path& cache, RepoFacts& facts) {
  init_libgit2();
  facts.url = spec.location;
  facts.ref = spec.ref;
  LocalRepository local = is_url(spec.location) ? prepare_remote(spec, cache, facts) : prepare_local(spec, facts);
  facts.cache = local.git_dir;
  facts.commit = oid_hex(local.commit);
  return local;
}

}  // namespace sluice::ingest
