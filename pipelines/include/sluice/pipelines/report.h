#pragma once
// `sluice report RUN_DIR`: one self-contained HTML page (no network requests, no scripts needed to
// see it) with inline SVG charts drawn from the data the run directory holds. The data is also
// embedded as JSON (<script type="application/json" id="sluice-report-data">) for other tools.
#include <filesystem>
#include <string>
#include <vector>

namespace sluice::pipelines {

struct ReportSummary {
  std::filesystem::path out;
  std::size_t stages = 0;
  std::size_t charts = 0;
  std::vector<std::string> chart_names;
};

ReportSummary write_report(const std::filesystem::path& run_dir, const std::filesystem::path& out);

}  // namespace sluice::pipelines
