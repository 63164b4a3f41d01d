// sluice license detect PATH: the SPDX expression of a checkout directory or a single file.
#include <iostream>

#include "../command.h"
#include "sluice/filter/license.h"

namespace sluice::cli {
namespace {

struct LicenseOptions {
  std::string path;
  double threshold = 0.9;
  bool json = false;
};

int run_detect(const LicenseOptions& options) {
  filter::LicenseOptions detect;
  detect.threshold = options.threshold;
  const auto result = filter::detect_license_path(options.path, detect);
  if (options.json) {
    std::cout << result.to_json() << "\n";
    return 0;
  }
  std::cout << result.spdx << "\n";
  std::fprintf(stderr, "confidence %.3f, %zu files scanned, everything found: %s\n", result.confidence,
               result.files_scanned, result.all.c_str());
  for (const auto& f : result.files) {
    std::fprintf(stderr, "  %-40s %-30s %.3f %s\n", f.path.c_str(), f.spdx.c_str(), f.confidence, f.kind.c_str());
  }
  return 0;
}

const bool registered = register_command({
    "license", "Detect the license of a checkout or a file as an SPDX expression", 45,
    [](CLI::App& app) -> RunFunction {
      app.require_subcommand(1, 1);
      auto options = std::make_shared<LicenseOptions>();
      CLI::App* detect = app.add_subcommand(
          "detect",
          "Print the SPDX expression of PATH (a directory checkout or one file).\n"
          "License files (LICENSE, COPYING, LICENSE-MIT...) are matched against the SPDX list's "
          "templates. \"spdx\" is the project's license: its root license files (separate files are "
          "alternatives, OR; licenses in one file all apply, AND); without them the top-level "
          "folders' licenses and source headers (SPDX-License-Identifier lines, license texts and "
          "notices); a README statement is the last resort. \"all\" adds everything found deeper "
          "(a subfolder's license applies below it; a header naming another license). NONE: no "
          "license text at all; NOASSERTION: license text that matches no template. "
          "SLUICE_LICENSE_DEBUG=1 explains each template decision on stderr.");
      detect->add_option("PATH", options->path, "Directory or file")->required();
      detect->add_option("--threshold", options->threshold, "Sorensen-Dice similarity a template match needs")
          ->default_val(0.9)
          ->check(CLI::Range(0.5, 1.0));
      add_json_flag(*detect, options->json);
      return [options] { return run_detect(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
