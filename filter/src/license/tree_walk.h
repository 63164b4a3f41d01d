#pragma once
// Walks a directory tree on several threads at once: a piece of work is a directory to list (its
// subdirectories and its files, a few at a time, become work for whichever thread is free) or a
// few files of a listed directory, so that listing, which ext4 makes costly (every directory's
// names are hashed into a tree), overlaps the reading instead of preceding it.
#include <cstddef>
#include <functional>
#include <string>
#include <string_view>

namespace sluice::filter::license {

// Calls on_file(dir_fd, name, relative_path) for every regular file below `root`, from any of
// `threads` threads (so on_file must be thread-safe), without following symbolic links and
// without hidden directories or node_modules; `dir_fd` is the file's directory, open while the
// call lasts. An unreadable directory is left out, as `git ls-files` would not see it either.
// Returns the number of files; an exception from on_file stops the walk and is rethrown.
// `costly(name)` marks files that take much longer than most (license texts): each is handed out
// alone and before the directory's other files, so that no thread is left with one at the end.
std::size_t walk_tree(const std::string& root, unsigned threads,
                      const std::function<void(int dir_fd, const char* name, const std::string& relative)>& on_file,
                      const std::function<bool(std::string_view name)>& costly = nullptr);

}  // namespace sluice::filter::license
