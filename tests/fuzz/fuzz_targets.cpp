#include "fuzz_targets.h"

#include <unistd.h>

#include <filesystem>
#include <string>

#include "memory_file.h"
#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/shard_set.h"

namespace sluice::fuzz {

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
