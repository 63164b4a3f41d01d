// sluice report: one self-contained HTML page with the charts of a run directory.
#include <iostream>

#include "../command.h"
#include "sluice/core/json.h"
#include "sluice/pipelines/report.h"

namespace sluice::cli {
namespace {

const bool registered = register_command({
    "report", "Write one self-contained HTML page with the charts of a run directory", 201,
    [](CLI::App& app) -> RunFunction {
      auto run_dir = std::make_shared<std::string>();
      auto out = std::make_shared<std::string>();
      auto json = std::make_shared<bool>(false);
      app.footer(
          "Draw what RUN_DIR holds as inline SVG charts in one HTML file that makes no network\n"
          "request: the funnel per stage (documents kept and removed by reason), languages,\n"
          "licenses, duplicate cluster sizes, tokens per shard, training and validation loss\n"
          "against steps and tokens, held-out loss per checkpoint, time and throughput per\n"
          "stage. What the run has not produced yet is left out.");
      app.add_option("run_dir", *run_dir, "Run directory written by 'sluice run'")->required();
      app.add_option("--out", *out, "HTML file to write (default: RUN_DIR/report.html)");
      add_json_flag(app, *json);
      return [run_dir, out, json] {
        const std::filesystem::path target = out->empty() ? std::filesystem::path(*run_dir) / "report.html" : std::filesystem::path(*out);
        const auto summary = pipelines::write_report(*run_dir, target);
        if (*json) {
          JsonWriter writer;
          writer.begin_object().field("out", summary.out.string()).field("stages", static_cast<std::uint64_t>(summary.stages));
          writer.key("charts").begin_array();
          for (const auto& name : summary.chart_names) writer.value(name);
          writer.end_array().end_object();
          std::cout << writer.str() << "\n";
        } else {
          std::cerr << "sluice report: " << summary.charts << " charts from " << summary.stages << " stages in " << summary.out.string() << "\n";
        }
        return 0;
      };
    }});

}  // namespace
}  // namespace sluice::cli
