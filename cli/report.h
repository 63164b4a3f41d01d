#pragma once
// How a stage's summary reaches the user: one readable line on stderr, or JSON on stdout.
#include <string>

#include "sluice/core/stage.h"

namespace sluice::cli {

void print_stage_report(const std::string& stage, const StageReport& report, bool json);

}  // namespace sluice::cli
