#include "license/tree_walk.h"

#include <dirent.h>
#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <exception>
#include <memory>
#include <mutex>
#include <string_view>
#include <thread>
#include <vector>

namespace sluice::filter::license {
namespace {

// A listed directory: open while any of its files waits to be handled.
struct ListedDirectory {
  int fd = -1;
  std::string relative;
  std::vector<std::string> files;
  ~ListedDirectory() {
    if (fd >= 0) ::close(fd);
  }
};

// Work is a directory to list, or a few files of a listed one: a directory of many files is
// shared out like many directories are.
struct Work {
  std::string directory;                  // to list, relative to the root (when `listed` is null)
  std::shared_ptr<ListedDirectory> listed;
  std::size_t begin = 0, end = 0;         // its files [begin, end)
};

constexpr std::size_t kFilesPerWork = 4;

class TreeWalk {
 public:
  TreeWalk(const std::string& root, const std::function<void(int, const char*, const std::string&)>& on_file,
           const std::function<bool(std::string_view)>& costly)
      : root_(root), on_file_(on_file), costly_(costly) {
    pending_.push_back({});  // the root itself
  }

  // Works until no work is left; with `once`, stops after one piece.
  void work(bool once = false) {
    try {
      Work item;
      while (take(item)) {
        if (item.listed) {
          handle_files(item);
        } else {
          list(item.directory);
        }
        item = {};
        done();
        if (once) return;
      }
    } catch (...) {
      std::lock_guard lock(mutex_);
      if (!error_) error_ = std::current_exception();
      stop_ = true;
      wake_.notify_all();
    }
  }

  bool has_work() {
    std::lock_guard lock(mutex_);
    return !pending_.empty();
  }

  std::size_t finish() {
    if (error_) std::rethrow_exception(error_);
    return files_.load();
  }

 private:
  // The next piece of work; false when none is left and no busy thread can add any.
  bool take(Work& item) {
    std::unique_lock lock(mutex_);
    wake_.wait(lock, [&] { return stop_ || !pending_.empty() || busy_ == 0; });
    if (stop_ || pending_.empty()) return false;
    item = std::move(pending_.back());
    pending_.pop_back();
    ++busy_;
    return true;
  }

  void done() {
    std::lock_guard lock(mutex_);
    --busy_;
    if (busy_ == 0) wake_.notify_all();
  }

  void list(const std::string& relative) {
    const std::string path = relative.empty() ? root_ : root_ + "/" + relative;
    auto listed = std::make_shared<ListedDirectory>();
    listed->fd = ::open(path.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (listed->fd < 0) return;
    listed->relative = relative;
    std::vector<Work> found;
    // getdents64 on the descriptor the files are then opened through (opendir would add an fstat
    // and its own descriptor per directory), into the thread's buffer, allocated at its first
    // listing: as thread-local storage, 32 KiB would be cleared for every thread of the process
    // when it starts, and one allocation per listing took fresh heap pages between the
    // listings' longer-lived file names.
    constexpr std::size_t kListing = 32 * 1024;
    thread_local const auto buffer = std::make_unique_for_overwrite<std::uint64_t[]>(kListing / 8);  // dirent64 is 8-aligned
    for (;;) {
      const ssize_t got = ::getdents64(listed->fd, buffer.get(), kListing);
      if (got <= 0) break;
      for (ssize_t at = 0; at < got;) {
        const auto* entry = reinterpret_cast<const dirent64*>(reinterpret_cast<const char*>(buffer.get()) + at);
        at += entry->d_reclen;
        const std::string_view name = entry->d_name;
        if (name == "." || name == "..") continue;
        unsigned char type = entry->d_type;
        if (type == DT_UNKNOWN) {  // file systems that do not fill d_type
          struct stat st {};
          if (::fstatat(listed->fd, entry->d_name, &st, AT_SYMLINK_NOFOLLOW) != 0) continue;
          type = S_ISDIR(st.st_mode) ? DT_DIR : S_ISREG(st.st_mode) ? DT_REG : DT_LNK;
        }
        if (type == DT_DIR && !name.starts_with(".") && name != "node_modules") {
          found.push_back({relative.empty() ? std::string(name) : relative + "/" + std::string(name), nullptr, 0, 0});
        } else if (type == DT_REG) {
          listed->files.emplace_back(name);
        }
      }
    }
    files_ += listed->files.size();
    // Costly files last in the list, which makes them the first work taken (a stack), one each.
    auto& files = listed->files;
    const auto cheap_end = costly_ ? std::partition(files.begin(), files.end(), [&](const std::string& f) { return !costly_(f); })
                                   : files.end();
    const auto cheap = static_cast<std::size_t>(cheap_end - files.begin());
    for (std::size_t begin = 0; begin < cheap; begin += kFilesPerWork) found.push_back({{}, listed, begin, std::min(begin + kFilesPerWork, cheap)});
    for (std::size_t i = cheap; i < files.size(); ++i) found.push_back({{}, listed, i, i + 1});
    if (found.empty()) return;
    std::lock_guard lock(mutex_);
    for (auto& w : found) pending_.push_back(std::move(w));
    wake_.notify_all();
  }

  void handle_files(const Work& item) {
    const auto& dir = *item.listed;
    std::string path;
    for (std::size_t i = item.begin; i < item.end && !stop_; ++i) {
      path.assign(dir.relative);
      if (!dir.relative.empty()) path.push_back('/');
      path.append(dir.files[i]);
      on_file_(dir.fd, dir.files[i].c_str(), path);
    }
  }

  const std::string& root_;
  const std::function<void(int, const char*, const std::string&)>& on_file_;
  const std::function<bool(std::string_view)>& costly_;
  std::mutex mutex_;
  std::condition_variable wake_;
  std::vector<Work> pending_;
  std::size_t busy_ = 0;  // threads working on an item (which may add more)
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
  std::atomic<std::size_t> files_{0};
};

}  // namespace

std::size_t walk_tree(const std::string& root, unsigned threads,
                      const std::function<void(int dir_fd, const char* name, const std::string& relative)>& on_file,
                      const std::function<bool(std::string_view name)>& costly) {
  TreeWalk walk(root, on_file, costly);
  // The root is listed before the other threads start: they find work at once instead of going
  // to sleep and being woken for it, and an empty tree starts none.
  walk.work(true);
  std::vector<std::thread> pool;
  if (walk.has_work()) {
    for (unsigned t = 1; t < threads; ++t) pool.emplace_back([&] { walk.work(); });
  }
  walk.work();
  for (auto& thread : pool) thread.join();
  return walk.finish();
}

}  // namespace sluice::filter::license
