#include "docs_source.h"

#include <archive.h>
#include <archive_entry.h>

#include <algorithm>
#include <fstream>
#include <mutex>
#include <vector>

#include "file_document.h"
#include "git_handles.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/parallel.h"

namespace sluice::ingest {
namespace {

using ArchivePtr = std::unique_ptr<archive, decltype(&archive_read_free)>;

bool ends_with_any(const std::string& name, std::initializer_list<std::string_view> suffixes) {
  return std::any_of(suffixes.begin(), suffixes.end(), [&](std::string_view s) { return std::string_view(name).ends_with(s); });
}

std::string lower(std::string text) {
  std::transform(text.begin(), text.end(), text.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return text;
}

bool is_archive_name(const std::string& name) {
  return ends_with_any(lower(name), {".tar", ".tar.gz", ".tgz", ".tar.bz2", ".tbz2", ".tar.xz", ".txz", ".tar.zst", ".zip"});
}

// A single gzip-compressed file, as man pages are installed ("ls.1.gz").
bool is_gzip_name(const std::string& name) { return !is_archive_name(name) && lower(name).ends_with(".gz"); }

// Per-file work shared by directory walking and archive reading; one per thread.
class DocsReader {
 public:
  DocsReader(std::string input, FrameFormat format, std::uint64_t max_bytes, Progress* progress)
      : input_(std::move(input)), output_(format), max_bytes_(max_bytes), progress_(progress) {}

  void file(const std::string& path, std::string_view data) {
    ++tally.files;
    if (progress_ != nullptr) {
      progress_->add(data.size());
      progress_->add_items(1);
    }
    if (data.size() > max_bytes_) {
      ++tally.skipped[static_cast<std::size_t>(SkipReason::kTooLarge)];
      return;
    }
    git_oid oid;
    git_check(git_odb_hash(&oid, data.data(), data.size(), GIT_OBJECT_BLOB), path);
    const std::string blob = oid_hex(oid);
    FileOrigin origin;
    origin.repo = input_;
    origin.path = path;
    origin.blob = blob;
    origin.docs_input = true;
    if (const auto skip = make_document(origin, data, doc_)) {
      ++tally.skipped[static_cast<std::size_t>(*skip)];
      return;
    }
    ++tally.documents;
    tally.text_bytes += doc_.text.size();
    output_.write(doc_);
  }

  void skip(SkipReason reason) {
    ++tally.files;
    ++tally.skipped[static_cast<std::size_t>(reason)];
  }

  std::uint64_t max_bytes() const { return max_bytes_; }
  std::vector<Frame> take() { return output_.take(); }
  DocsFacts tally;

 private:
  std::string input_;
  ChunkOutput output_;
  std::uint64_t max_bytes_;
  Progress* progress_;
  Document doc_;
};

[[noreturn]] void archive_fail(archive* a, const std::string& path) {
  const char* message = archive_error_string(a);
  fail_at(path, 0, std::string("cannot read archive: ") + (message != nullptr ? message : "unknown error"));
}

std::string read_entry(archive* a, const std::string& path) {
  std::string data;
  char buffer[64 * 1024];
  for (;;) {
    const la_ssize_t n = archive_read_data(a, buffer, sizeof(buffer));
    if (n < 0) archive_fail(a, path);
    if (n == 0) break;
    data.append(buffer, static_cast<std::size_t>(n));
  }
  return data;
}

// Every regular file of a tarball or zip; `prefix` names the archive inside a directory input.
void read_archive(const std::filesystem::path& file, const std::string& prefix, DocsReader& reader) {
  ArchivePtr a(archive_read_new(), archive_read_free);
  archive_read_support_filter_all(a.get());
  archive_read_support_format_all(a.get());
  if (archive_read_open_filename(a.get(), file.c_str(), 64 * 1024) != ARCHIVE_OK) archive_fail(a.get(), file.string());
  archive_entry* entry = nullptr;
  for (;;) {
    const int rc = archive_read_next_header(a.get(), &entry);
    if (rc == ARCHIVE_EOF) break;
    if (rc < ARCHIVE_WARN) archive_fail(a.get(), file.string());
    std::string path = archive_entry_pathname(entry) != nullptr ? archive_entry_pathname(entry) : "";
    while (path.starts_with("./")) path.erase(0, 2);
    path = prefix + path;
    const auto type = archive_entry_filetype(entry);
    if (type == AE_IFLNK) {
      reader.skip(SkipReason::kSymlink);
    } else if (type == AE_IFREG) {
      if (archive_entry_size_is_set(entry) != 0 && static_cast<std::uint64_t>(archive_entry_size(entry)) > reader.max_bytes()) {
        reader.skip(SkipReason::kTooLarge);
        continue;
      }
      reader.file(path, read_entry(a.get(), file.string() + ": " + path));
    }
  }
}

// The content of one gzip-compressed file (core's reader: multi-member, truncation detected, and
// an empty member is empty content - man pages of 20 bytes exist).
std::string gunzip(const std::filesystem::path& file) {
  const auto source = open_source(file);
  std::string data;
  char buffer[64 * 1024];
  while (const std::size_t got = source->read(buffer, sizeof buffer)) data.append(buffer, got);
  return data;
}

std::string read_whole(const std::filesystem::path& file) {
  std::ifstream in(file, std::ios::binary);
  if (!in) fail_errno("open", file.string());
  std::string data((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  if (in.bad()) fail_errno("read", file.string());
  return data;
}

// One file of a directory input: plain, gzip-compressed, or an archive.
void read_file(const std::filesystem::path& file, const std::string& relative, DocsReader& reader) {
  const std::string name = file.filename().string();
  if (is_archive_name(name)) {
    read_archive(file, relative + "/", reader);
    return;
  }
  std::error_code ec;
  const auto size = std::filesystem::file_size(file, ec);
  if (!ec && size > reader.max_bytes()) {
    reader.skip(SkipReason::kTooLarge);
    return;
  }
  if (is_gzip_name(name)) {
    reader.file(relative.substr(0, relative.size() - 3), gunzip(file));
    return;
  }
  reader.file(relative, read_whole(file));
}

void merge(DocsFacts& into, const DocsFacts& from) {
  into.files += from.files;
  into.documents += from.documents;
  into.text_bytes += from.text_bytes;
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) into.skipped[r] += from.skipped[r];
}

}  // namespace

void read_docs(const std::filesystem::path& input, const DocsContext& context, UnitWriter& writer, DocsFacts& facts) {
  init_libgit2();
  facts.input = input.string();
  std::error_code ec;
  const auto status = std::filesystem::symlink_status(input, ec);
  if (ec || !std::filesystem::exists(status)) fail_at(input.string(), 0, "no such file or directory");
  if (!std::filesystem::is_directory(std::filesystem::status(input, ec))) {
    DocsReader reader(facts.input, context.format, context.max_bytes, context.progress);
    if (is_archive_name(input.filename().string())) read_archive(input, "", reader);
    else read_file(input, input.filename().string(), reader);
    writer.commit(0, reader.take());
    merge(facts, reader.tally);
    return;
  }
  std::vector<std::filesystem::path> files;
  std::uint64_t symlinks = 0;
  for (auto it = std::filesystem::recursive_directory_iterator(input, ec); !ec && it != std::filesystem::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_symlink()) ++symlinks;
    else if (it->is_regular_file()) files.push_back(it->path());
  }
  if (ec) fail_at(input.string(), 0, "cannot list directory: " + ec.message());
  std::sort(files.begin(), files.end());
  facts.files += symlinks;
  facts.skipped[static_cast<std::size_t>(SkipReason::kSymlink)] += symlinks;

  // Chunks of a fixed number of files in name order: documents come out in that order.
  const std::size_t chunk = 32;
  std::mutex mutex;
  parallel_for((files.size() + chunk - 1) / chunk, context.threads == 0 ? default_threads() : context.threads, [&](std::size_t c) {
    if (!writer.wait_turn(c)) return;
    try {
      DocsReader reader(facts.input, context.format, context.max_bytes, context.progress);
      for (std::size_t i = c * chunk; i < std::min(files.size(), (c + 1) * chunk); ++i) {
        // One damaged file must not cost the rest of a documentation tree: it is skipped and counted.
        try {
          read_file(files[i], std::filesystem::relative(files[i], input).generic_string(), reader);
        } catch (const Error& error) {
          reader.skip(SkipReason::kUnreadable);
          std::lock_guard lock(mutex);
          if (facts.unreadable_examples.size() < 10) facts.unreadable_examples.push_back(error.what());
        }
      }
      writer.commit(c, reader.take());
      std::lock_guard lock(mutex);
      merge(facts, reader.tally);
    } catch (...) {
      writer.fail();
      throw;
    }
  });
}

}  // namespace sluice::ingest
