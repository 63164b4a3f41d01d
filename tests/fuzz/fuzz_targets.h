#pragma once
// Fuzz targets for the readers of untrusted files. Each takes arbitrary bytes and must either
// accept them or throw sluice::Error - never crash, hang or read out of bounds. They run two ways:
// under libFuzzer (scripts/fuzz, clang) and replayed with seeded mutations in the test suite.
#include <cstddef>
#include <cstdint>

namespace sluice::fuzz {

int document_reader(const std::uint8_t* data, std::size_t size);
int manifest(const std::uint8_t* data, std::size_t size);

}  // namespace sluice::fuzz
