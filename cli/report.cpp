#include "report.h"

#include <cstdio>
#include <iostream>

#include "sluice/core/progress.h"

namespace sluice::cli {

void print_stage_report(const std::string& stage, const StageReport& report, bool json) {
  if (json) {
    std::cout << report.to_json() << "\n";
    return;
  }
  std::fprintf(stderr, "%s: %zu shards (%zu already done), %llu documents in, %llu kept, %llu rejected, %s -> %s in %.1f s\n",
               stage.c_str(), report.shards, report.shards_skipped,
               static_cast<unsigned long long>(report.documents_in), static_cast<unsigned long long>(report.documents_out),
               static_cast<unsigned long long>(report.documents_rejected),
               human_bytes(static_cast<double>(report.text_bytes_in)).c_str(),
               human_bytes(static_cast<double>(report.text_bytes_out)).c_str(), report.seconds);
  for (const auto& [name, count] : report.counters) {
    std::fprintf(stderr, "  %-40s %llu\n", name.c_str(), static_cast<unsigned long long>(count));
  }
}

}  // namespace sluice::cli
