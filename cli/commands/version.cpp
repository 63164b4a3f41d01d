// sluice version: what this binary is and what it is linked against.
#include <git2.h>
#include <simdjson.h>
#include <xxhash.h>
#include <zstd.h>

#include <cstdio>
#include <iostream>

#include "../command.h"
#include "sluice/core/json.h"
#include "version_info.h"

#include "../torch_module.h"

namespace sluice::cli {
namespace {

struct Component {
  std::string name;
  std::string version;
};

std::vector<Component> components() {
  int major = 0, minor = 0, patch = 0;
  git_libgit2_version(&major, &minor, &patch);
  const unsigned xxh = XXH_versionNumber();
  std::vector<Component> list = {
      {"libgit2", std::to_string(major) + "." + std::to_string(minor) + "." + std::to_string(patch)},
      {"simdjson", std::to_string(simdjson::SIMDJSON_VERSION_MAJOR) + "." + std::to_string(simdjson::SIMDJSON_VERSION_MINOR) + "." +
                       std::to_string(simdjson::SIMDJSON_VERSION_REVISION)},
      {"zstd", ZSTD_versionString()},
      {"xxhash", std::to_string(xxh / 10000) + "." + std::to_string(xxh / 100 % 100) + "." + std::to_string(xxh % 100)},
  };
  if (const auto torch = torch_runtime()) {
    list.push_back({"libtorch", torch->version});
    list.push_back({"blas", torch->blas});
  } else {
    list.push_back({"libtorch", "not built in (a build without LibTorch: scripts/build release adds it)"});
  }
  return list;
}

int run_version(bool json) {
  const auto list = components();
  if (json) {
    JsonWriter out(true);
    out.begin_object().field("sluice", kSluiceVersion).field("commit", kSluiceCommit);
    out.key("libraries").begin_object();
    for (const auto& component : list) out.field(component.name, component.version);
    out.end_object().end_object();
    std::cout << out.str() << "\n";
    return 0;
  }
  std::printf("sluice %s (commit %s)\n", kSluiceVersion, kSluiceCommit);
  for (const auto& component : list) std::printf("  %-9s %s\n", component.name.c_str(), component.version.c_str());
  return 0;
}

const bool registered = register_command({
    "version", "Print the version, the git commit, linked library versions and the BLAS in use", 1000,
    [](CLI::App& app) -> RunFunction {
      auto json = std::make_shared<bool>(false);
      add_json_flag(app, *json);
      return [json] { return run_version(*json); };
    }});

}  // namespace
}  // namespace sluice::cli
