#pragma once
// Small helpers the dedup tests share: writing generated documents as shards, reading results.
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "corpus_generator.h"
#include "sluice/core/document.h"
#include "sluice/core/documents.h"
#include "sluice/core/io.h"
#include "sluice/core/shard_set.h"
#include "test_support.h"

namespace sluice::test {

inline Document doc_with(const std::string& id, const std::string& text, const std::string& license = "", int stars = -1) {
  Document doc = make_document(id, text);
  if (!license.empty()) doc.metadata.set_string("license", license);
  if (stars >= 0) doc.metadata.set_int("stars", stars);
  return doc;
}

inline void write_shard(const std::filesystem::path& path, const std::vector<Document>& docs) {
  std::filesystem::create_directories(path.parent_path());
  DocumentWriter writer(path);
  for (const auto& doc : docs) writer.write(doc);
  writer.finish();
}

// The generated corpus as `shards` shard files in `dir`, documents dealt round-robin.
inline void write_corpus(const std::filesystem::path& dir, const std::vector<GeneratedDoc>& corpus, std::size_t shards) {
  std::vector<std::vector<Document>> parts(shards);
  for (std::size_t i = 0; i < corpus.size(); ++i) {
    parts[i % shards].push_back(doc_with(corpus[i].id, corpus[i].text, corpus[i].license, corpus[i].stars));
  }
  for (std::size_t s = 0; s < shards; ++s) write_shard(dir / ("in-" + std::to_string(s) + ".jsonl.zst"), parts[s]);
}

inline std::vector<Document> read_dir(const std::filesystem::path& dir) {
  std::vector<Document> docs;
  std::error_code ec;
  if (!std::filesystem::is_directory(dir, ec)) return docs;
  std::vector<std::filesystem::path> files;
  for (const auto& entry : std::filesystem::directory_iterator(dir)) {
    if (entry.path().extension() == ".zst") files.push_back(entry.path());
  }
  std::sort(files.begin(), files.end());
  for (const auto& file : files) {
    for (auto& doc : read_documents(file)) docs.push_back(std::move(doc));
  }
  return docs;
}

// A whole (small) compressed file's text.
inline std::string read_compressed(const std::filesystem::path& path) {
  auto source = open_source(path);
  std::string text;
  char buffer[65536];
  while (const std::size_t n = source->read(buffer, sizeof buffer)) text.append(buffer, n);
  return text;
}

}  // namespace sluice::test
