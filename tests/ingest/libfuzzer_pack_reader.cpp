#include "fuzz_pack.h"
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return sluice::ingest::fuzz::pack_reader(data, size);
}
