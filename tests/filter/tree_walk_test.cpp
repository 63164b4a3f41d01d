// The parallel tree walk behind `license detect DIR`: every regular file once, with a descriptor
// of its directory that opens it; no hidden directories, node_modules or symbolic links; an
// exception from the callback stops the walk and reaches the caller.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <mutex>
#include <set>
#include <stdexcept>

#include "license/tree_walk.h"
#include "test_support.h"

using sluice::filter::license::walk_tree;
using sluice::test::TempDir;
using sluice::test::write_text;

namespace {

std::set<std::string> make_tree(const std::filesystem::path& root) {
  std::set<std::string> expected;
  for (const char* path : {"LICENSE", "README.md", "src/a.c", "src/b.c", "src/deep/er/c.h", "docs/LICENSE-MIT"}) {
    std::filesystem::create_directories((root / path).parent_path());
    write_text(root / path, std::string("file ") + path + "\n");
    expected.insert(path);
  }
  for (int i = 0; i < 40; ++i) {  // a directory of many files is shared out in pieces
    const std::string path = "many/f" + std::to_string(i) + ".txt";
    std::filesystem::create_directories((root / path).parent_path());
    write_text(root / path, "file " + path + "\n");
    expected.insert(path);
  }
  for (const char* skipped : {".git/config", "node_modules/x/index.js", "src/.hidden/h.c"}) {
    std::filesystem::create_directories((root / skipped).parent_path());
    write_text(root / skipped, "skipped\n");
  }
  std::filesystem::create_symlink(root / "src", root / "link-to-src");
  std::filesystem::create_symlink(root / "LICENSE", root / "link-to-license");
  return expected;
}

}  // namespace

TEST(TreeWalk, VisitsEveryRegularFileOnceThroughItsDirectory) {
  TempDir dir;
  const auto expected = make_tree(dir.path());
  for (unsigned threads : {1u, 2u, 3u, 8u}) {
    std::mutex mutex;
    std::multiset<std::string> seen;
    const auto files = walk_tree(dir.path().string(), threads, [&](int dir_fd, const char* name, const std::string& relative) {
      // The descriptor opens the file by its name, and the file holds its own path.
      const int fd = ::openat(dir_fd, name, O_RDONLY | O_CLOEXEC);
      ASSERT_GE(fd, 0) << relative;
      char buffer[256] = {};
      const auto got = ::read(fd, buffer, sizeof buffer - 1);
      ::close(fd);
      EXPECT_EQ(std::string(buffer, static_cast<std::size_t>(got > 0 ? got : 0)), "file " + relative + "\n");
      std::lock_guard lock(mutex);
      seen.insert(relative);
    }, [](std::string_view name) { return name.starts_with("LICENSE"); });
    EXPECT_EQ(files, expected.size()) << threads << " threads";
    EXPECT_EQ(std::set<std::string>(seen.begin(), seen.end()), expected) << threads << " threads";
    EXPECT_EQ(seen.size(), expected.size()) << threads << " threads: a file visited twice";
  }
}

TEST(TreeWalk, AnExceptionFromTheCallbackReachesTheCaller) {
  TempDir dir;
  make_tree(dir.path());
  for (unsigned threads : {1u, 3u}) {
    EXPECT_THROW(walk_tree(dir.path().string(), threads, [](int, const char* name, const std::string&) {
      if (std::string_view(name) == "f7.txt") throw std::runtime_error("cannot scan");
    }), std::runtime_error);
  }
  // A root that cannot be listed has no files.
  EXPECT_EQ(walk_tree((dir.path() / "missing").string(), 2, [](int, const char*, const std::string&) {}), 0u);
}
