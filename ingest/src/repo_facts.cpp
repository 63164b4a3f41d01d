#include "repo_facts.h"

#include "sluice/core/json.h"

namespace sluice::ingest {

std::string RepoFacts::to_json() const {
  JsonWriter json;
  json.begin_object();
  json.field("url", url).field("ref", ref).field("head", head).field("commit", commit).field("cache", cache);
  json.field("status", error.empty() ? "ok" : "failed");
  if (!error.empty()) json.field("error", error);
  json.field("objects_fetched", objects_fetched).field("bytes_fetched", bytes_fetched);
  json.field("files", files).field("documents", documents).field("text_bytes", text_bytes);
  json.key("skipped").begin_object();
  for (std::size_t r = 0; r < kSkipReasonCount; ++r) json.field(skip_reason_name(static_cast<SkipReason>(r)), skipped[r]);
  json.end_object();
  json.key("submodules").begin_array();
  for (const auto& submodule : submodules) {
    json.begin_object().field("path", submodule.path).field("commit", submodule.commit);
    if (!submodule.url.empty()) json.field("url", submodule.url);
    json.end_object();
  }
  json.end_array();
  json.key("licenses").begin_array();
  for (const auto& license : licenses) json.begin_object().field("path", license.path).field("text", license.text).end_object();
  json.end_array();
  json.end_object();
  return json.take();
}

}  // namespace sluice::ingest
