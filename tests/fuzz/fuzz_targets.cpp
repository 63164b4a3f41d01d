#include "fuzz_targets.h"

#include <sys/mman.h>
#include <unistd.h>

#include <filesystem>
#include <string>

#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/shard_set.h"

namespace sluice::fuzz {
namespace {

// The bytes as a file, without touching the disk: a memfd seen through /proc/self/fd.
class MemoryFile {
 public:
  MemoryFile(const std::uint8_t* data, std::size_t size) : fd_(::memfd_create("sluice-fuzz", MFD_CLOEXEC)) {
    std::size_t done = 0;
    while (fd_ >= 0 && done < size) {
      const ssize_t wrote = ::write(fd_, data + done, size - done);
      if (wrote <= 0) break;
      done += static_cast<std::size_t>(wrote);
    }
  }
  ~MemoryFile() {
    if (fd_ >= 0) ::close(fd_);
  }
  MemoryFile(const MemoryFile&) = delete;
  MemoryFile& operator=(const MemoryFile&) = delete;
  std::filesystem::path path() const { return "/proc/self/fd/" + std::to_string(fd_); }

 private:
  int fd_;
};

}  // namespace

int document_reader(const std::uint8_t* data, std::size_t size) {
  MemoryFile file(data, size);
  try {
    DocumentReader reader(file.path());
    Document doc;
    std::string out;
    while (reader.next(doc)) {
      out.clear();
      doc.append_json(out);  // whatever was accepted must serialise
    }
  } catch (const Error&) {
  }
  return 0;
}

int manifest(const std::uint8_t* data, std::size_t size) {
  const auto dir = std::filesystem::temp_directory_path() / ("sluice-fuzz-manifest-" + std::to_string(::getpid()));
  std::filesystem::create_directories(dir);
  {
    MemoryFile file(data, size);
    std::filesystem::copy_file(file.path(), dir / kManifestName, std::filesystem::copy_options::overwrite_existing);
  }
  try {
    const Manifest loaded = Manifest::load(dir);
    loaded.save(dir);  // and what loaded must save and load again
    Manifest::load(dir);
  } catch (const Error&) {
  }
  std::filesystem::remove_all(dir);
  return 0;
}

}  // namespace sluice::fuzz
