#pragma once
// Token shards -> the flat files other trainers read.
#include <cstdint>
#include <filesystem>

#include "sluice/tokenize/token_shard.h"

namespace sluice::tokenize {

// llm.c: int32 header[256] = {20240520, 1, token count, 0...}, then uint16 ids. Error when the vocab
// does not fit uint16. Returns the tokens written.
std::uint64_t export_llmc(const TokenShardReader& shard, const std::filesystem::path& out);

// Megatron-LM indexed dataset: PREFIX.bin (ids; uint16 when the vocab is < 65500, else int32) and
// PREFIX.idx (MMIDIDX header, one sequence per document). Returns the tokens written.
std::uint64_t export_megatron(const TokenShardReader& shard, const std::filesystem::path& prefix);

}  // namespace sluice::tokenize
