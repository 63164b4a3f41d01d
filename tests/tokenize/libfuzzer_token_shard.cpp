#include "fuzz_token_shard.h"
extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  return sluice::tokenize::fuzz::token_shard_reader(data, size);
}
