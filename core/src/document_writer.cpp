#include <optional>

#include "sluice/core/documents.h"
#include "sluice/core/error.h"
#include "sluice/core/io.h"

namespace sluice {

namespace {
constexpr std::size_t kFlushAt = 1 << 20;
}

struct DocumentWriter::Impl {
  AtomicFile file;
  std::optional<ZstdSink> zstd;
  std::string pending;
  std::uint64_t documents = 0;
  std::uint64_t text_bytes = 0;
  bool finished = false;

  explicit Impl(const std::filesystem::path& target) : file(target) {}

  ByteSink& sink() { return zstd ? static_cast<ByteSink&>(*zstd) : file; }

  void flush() {
    if (pending.empty()) return;
    sink().write(pending.data(), pending.size());
    pending.clear();
  }
};

DocumentWriter::DocumentWriter(const std::filesystem::path& target, WriterOptions options)
    : impl_(std::make_unique<Impl>(target)) {
  if (target.extension() == ".zst") impl_->zstd.emplace(impl_->file, options.zstd_level, target.string());
  impl_->pending.reserve(kFlushAt + 4096);
}

DocumentWriter::~DocumentWriter() = default;  // an unfinished file is removed by AtomicFile

void DocumentWriter::write(const Document& doc) {
  if (impl_->finished) throw Error("write after finish to '" + impl_->file.target().string() + "'");
  doc.append_json(impl_->pending);
  impl_->pending.push_back('\n');
  ++impl_->documents;
  impl_->text_bytes += doc.text.size();
  if (impl_->pending.size() >= kFlushAt) impl_->flush();
}

void DocumentWriter::finish() {
  if (impl_->finished) return;
  impl_->flush();
  if (impl_->zstd) impl_->zstd->finish();
  impl_->file.commit();
  impl_->finished = true;
}

std::uint64_t DocumentWriter::documents() const { return impl_->documents; }
std::uint64_t DocumentWriter::text_bytes() const { return impl_->text_bytes; }
std::uint64_t DocumentWriter::file_bytes() const { return impl_->file.bytes_written(); }
Hash128 DocumentWriter::file_digest() const { return impl_->file.digest(); }

}  // namespace sluice
