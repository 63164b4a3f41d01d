#include "units.h"

#include <fcntl.h>
#include <unistd.h>

#include <simdjson.h>

#include <cerrno>
#include <memory>

#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"

namespace sluice::ingest {
namespace {

constexpr const char* kUnitStage = "ingest-unit";

std::string totals_json(const UnitTotals& totals) {
  JsonWriter json;
  json.begin_object();
  json.field("files", totals.files).field("documents", totals.documents).field("text_bytes", totals.text_bytes);
  json.key("skipped").begin_object();
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) json.field(skip_reason_name(static_cast<SkipReason>(r)), totals.skipped[r]);
  json.end_object();
  json.end_object();
  return json.take();
}

bool parse_totals(const std::string& raw, UnitTotals& totals) {
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(raw).get(root)) return false;
  if (root["files"].get(totals.files) || root["documents"].get(totals.documents) || root["text_bytes"].get(totals.text_bytes)) {
    return false;
  }
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) {
    if (root["skipped"][skip_reason_name(static_cast<SkipReason>(r))].get(totals.skipped[r])) return false;
  }
  return true;
}

// Appends the whole file `from` to `to`.
void copy_into(const std::filesystem::path& from, AtomicFile& to) {
  const int fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) fail_errno("open", from.string());
  std::unique_ptr<char[]> buffer(new char[1 << 20]);
  for (;;) {
    const ssize_t got = ::read(fd, buffer.get(), 1 << 20);
    if (got < 0 && errno == EINTR) continue;
    if (got < 0) {
      ::close(fd);
      fail_errno("read", from.string());
    }
    if (got == 0) break;
    to.write(buffer.get(), static_cast<std::size_t>(got));
  }
  ::close(fd);
}

}  // namespace

std::filesystem::path units_root(const std::filesystem::path& out) { return out / ".ingest-units"; }

std::filesystem::path unit_dir(const std::filesystem::path& out, const std::string& name) { return units_root(out) / name; }

std::optional<UnitResult> load_unit(const std::filesystem::path& out, const std::string& name, const std::string& hash) {
  const auto dir = unit_dir(out, name);
  Manifest manifest;
  try {
    manifest = Manifest::load(dir);
  } catch (const Error&) {
    return std::nullopt;  // a damaged record: read the unit again
  }
  if (manifest.stage != kUnitStage || manifest.config_hash != hash) return std::nullopt;
  UnitResult unit;
  unit.name = name;
  bool has_totals = false;
  for (const auto& [key, raw] : manifest.extra) {
    if (key == "totals") has_totals = parse_totals(raw, unit.totals);
    if (key == "repo") unit.repo_line = raw;
  }
  if (!has_totals) return std::nullopt;
  for (const auto& piece : manifest.shards()) {
    if (!shard_is_reusable(dir, &piece, hash)) return std::nullopt;
    unit.pieces.push_back(piece);
  }
  return unit;
}

std::filesystem::path fresh_unit_dir(const std::filesystem::path& out, const std::string& name) {
  const auto dir = unit_dir(out, name);
  std::error_code ec;
  std::filesystem::remove_all(dir, ec);
  std::filesystem::create_directories(dir, ec);
  if (ec) fail_at(dir.string(), 0, "cannot create the unit directory: " + ec.message());
  return dir;
}

void save_unit(const std::filesystem::path& out, const UnitResult& unit, const std::string& hash) {
  Manifest manifest;
  manifest.stage = kUnitStage;
  manifest.config_hash = hash;
  for (ShardRecord piece : unit.pieces) {
    piece.config_hash = hash;
    piece.input = unit.name;
    manifest.put(std::move(piece));
  }
  manifest.extra.emplace_back("totals", totals_json(unit.totals));
  if (!unit.repo_line.empty()) manifest.extra.emplace_back("repo", unit.repo_line);
  manifest.save(unit_dir(out, unit.name));
}

void discard_unit(const std::filesystem::path& out, const std::string& name) {
  std::error_code ec;
  std::filesystem::remove_all(unit_dir(out, name), ec);
}

std::vector<ShardRecord> assemble_shards(const std::filesystem::path& out, const std::vector<UnitResult>& units,
                                         std::uint64_t shard_bytes, const std::string& config_hash) {
  // Which pieces make which shard: decided from the records alone.
  std::vector<std::vector<std::filesystem::path>> members;
  std::vector<ShardRecord> shards;
  bool open = false;
  for (const auto& unit : units) {
    for (const auto& piece : unit.pieces) {
      if (open && shards.back().text_bytes + piece.text_bytes > shard_bytes) open = false;
      if (!open) {
        ShardRecord record;
        record.name = shard_name(shards.size());
        record.input = "ingest";
        record.config_hash = config_hash;
        record.complete = true;
        shards.push_back(std::move(record));
        members.emplace_back();
        open = true;
      }
      shards.back().documents += piece.documents;
      shards.back().text_bytes += piece.text_bytes;
      shards.back().file_bytes += piece.file_bytes;
      shards.back().xxh3 = piece.xxh3;
      members.back().push_back(unit_dir(out, unit.name) / piece.name);
      if (shards.back().text_bytes >= shard_bytes) open = false;
    }
  }
  for (std::size_t s = 0; s < shards.size(); ++s) {
    const auto target = out / shards[s].name;
    // A shard of one piece is that piece: a hard link (under a temporary name, then renamed into
    // place) writes nothing, and the unit stays intact until the run is over.
    if (members[s].size() == 1) {
      const auto temp = out / (shards[s].name + ".tmp-link");
      std::error_code ec;
      std::filesystem::remove(temp, ec);
      std::filesystem::create_hard_link(members[s][0], temp, ec);
      if (!ec) {
        std::filesystem::rename(temp, target, ec);
        if (!ec) continue;
        std::filesystem::remove(temp, ec);
      }
    }
    AtomicFile file(target);
    for (const auto& piece : members[s]) copy_into(piece, file);
    file.commit();
    shards[s].file_bytes = file.bytes_written();
    shards[s].xxh3 = file.digest().hex();
  }
  return shards;
}

void remove_units(const std::filesystem::path& out) {
  std::error_code ec;
  std::filesystem::remove_all(units_root(out), ec);
}

}  // namespace sluice::ingest
