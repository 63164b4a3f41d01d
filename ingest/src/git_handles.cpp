#include "git_handles.h"

#include <mutex>

#include "sluice/core/error.h"

namespace sluice::ingest {

void init_libgit2() {
  static std::once_flag once;
  std::call_once(once, [] {
    git_libgit2_init();
    git_libgit2_opts(GIT_OPT_ENABLE_STRICT_HASH_VERIFICATION, 0);
    // Objects are read once each: the object cache only costs memory.
    git_libgit2_opts(GIT_OPT_ENABLE_CACHING, 0);
  });
}

void git_check(int rc, const std::string& what) {
  if (rc >= 0) return;
  const git_error* error = git_error_last();
  throw Error(what + ": " + (error != nullptr && error->message != nullptr ? error->message : "libgit2 error " + std::to_string(rc)));
}

std::string oid_hex(const git_oid& oid) {
  char text[GIT_OID_HEXSZ + 1];
  git_oid_tostr(text, sizeof(text), &oid);
  return text;
}

}  // namespace sluice::ingest
