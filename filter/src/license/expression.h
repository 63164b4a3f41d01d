#pragma once
// Small helpers on SPDX expressions shared by the matcher and the repository combiner.
#include <set>
#include <string>
#include <string_view>

namespace sluice::filter::license {

// The license and exception ids an expression names ("(MIT OR Apache-2.0) AND Zlib" -> {Apache-2.0,
// MIT, Zlib}); operators and parentheses are dropped.
std::set<std::string> expression_ids(std::string_view expression);

// "GPL-2.0-only WITH GCC-exception-2.0" -> "GPL-2.0": the license family a -only / -or-later id
// belongs to (the id itself when it has neither suffix).
std::string_view license_family(std::string_view id);

}  // namespace sluice::filter::license
