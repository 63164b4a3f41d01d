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
  std::fprintf(stderr, "confidence %.3f, %zu files scanned\n", result.confidence, result.files_scanned);
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
          "templates; a subdirectory's license applies below it; SPDX-License-Identifier lines and "
          "license headers of source files add what they name; a README statement is the last "
          "resort. Separate license files in one directory are alternatives (OR); licenses in one "
          "file, or a file's own header, all apply (AND). NONE: no license text at all; "
          "NOASSERTION: license text that matches no template.");
      detect->add_option("PATH", options->path, "Directory or file")->required();
      detect->add_option("--threshold", options->threshold, "Sorensen-Dice similarity a template match needs")
          ->default_val(0.9)
          ->check(CLI::Range(0.5, 1.0));
      add_json_flag(*detect, options->json);
      return [options] { return run_detect(*options); };
    }});

}  // namespace
}  // namespace sluice::cli
