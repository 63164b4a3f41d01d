#pragma once
// Owning handles for libgit2 objects and the one place libgit2 errors become sluice::Error.
#include <git2.h>

#include <memory>
#include <string>

namespace sluice::ingest {

template <typename T, void (*Free)(T*)>
struct GitDeleter {
  void operator()(T* object) const { Free(object); }
};
template <typename T, void (*Free)(T*)>
using GitPtr = std::unique_ptr<T, GitDeleter<T, Free>>;

using RepositoryPtr = GitPtr<git_repository, git_repository_free>;
using RemotePtr = GitPtr<git_remote, git_remote_free>;
using ObjectPtr = GitPtr<git_object, git_object_free>;
using TreePtr = GitPtr<git_tree, git_tree_free>;
using OdbPtr = GitPtr<git_odb, git_odb_free>;
using OdbObjectPtr = GitPtr<git_odb_object, git_odb_object_free>;
using ReferencePtr = GitPtr<git_reference, git_reference_free>;

// Initialises libgit2 once per process with sluice's settings (hash verification off: blobs come
// from our own cache or the user's repository, and SHA-1 collision detection costs ~30%).
void init_libgit2();

// Throws Error("WHAT: libgit2's message") when rc < 0.
void git_check(int rc, const std::string& what);

std::string oid_hex(const git_oid& oid);

}  // namespace sluice::ingest
