// Checkpoint IO: the safetensors parser on good and bad files, Hugging Face layouts (prefix,
// Conv1D, attn.bias, shards, F16/BF16), bit-exact save -> load, configs, the window loader.
#include <gtest/gtest.h>

#include <cstring>
#include <set>

#include "sluice/core/error.h"
#include "sluice/finetune/checkpoint.h"
#include "sluice/finetune/data.h"
#include "sluice/finetune/safetensors.h"
#include "sluice/tokenize/token_shard.h"
#include "support.h"
#include "test_support.h"

namespace sluice::test {
namespace {

using namespace sluice::finetune;

std::string error_of(const std::function<void()>& action) {
  try {
    action();
  } catch (const Error& e) {
    return e.what();
  }
  return "";
}

// A file with a hand-written header and `data_bytes` zero bytes of data.
void write_raw(const std::filesystem::path& path, const std::string& header, std::size_t data_bytes) {
  std::string bytes(8, '\0');
  const std::uint64_t n = header.size();
  std::memcpy(bytes.data(), &n, 8);
  bytes += header;
  bytes.append(data_bytes, '\0');
  write_text(path, bytes);
}

TEST(Safetensors, RoundTripKeepsNamesShapesAndBytes) {
  TempDir dir;
  const std::vector<float> a = {1, 2, 3, 4, 5, 6};
  const std::vector<std::uint16_t> b = {0x3c00, 0x4000};
  write_safetensors(dir / "x.safetensors", {{"a", DType::kF32, {2, 3}, a.data(), 24}, {"b", DType::kBF16, {2}, b.data(), 4}},
                    {{"format", "pt"}});
  const SafetensorsFile file(dir / "x.safetensors");
  ASSERT_EQ(file.tensors().size(), 2u);
  EXPECT_EQ(file.metadata().at("format"), "pt");
  const auto* t = file.find("a");
  ASSERT_NE(t, nullptr);
  EXPECT_EQ(t->shape, (std::vector<std::int64_t>{2, 3}));
  EXPECT_EQ(std::memcmp(file.data(*t), a.data(), 24), 0);
  EXPECT_EQ(file.find("b")->dtype, DType::kBF16);
}

TEST(Safetensors, BadFilesAreClearErrorsNamingTheTensor) {
  TempDir dir;
  const auto p = dir / "bad.safetensors";
  write_text(p, "abc");
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("truncated"), std::string::npos);
  write_raw(p, std::string(16, ' '), 0);
  std::string bytes = read_text(p);
  const std::uint64_t huge = 1ull << 40;
  std::memcpy(bytes.data(), &huge, 8);
  write_text(p, bytes);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("exceeds"), std::string::npos);
  write_raw(p, "{not json", 0);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("not a JSON object"), std::string::npos);
  write_raw(p, R"({"w":{"dtype":"I64","shape":[1],"data_offsets":[0,8]}})", 8);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("tensor 'w': dtype I64"), std::string::npos);
  write_raw(p, R"({"w":{"dtype":"F32","shape":[3],"data_offsets":[0,8]}})", 8);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("tensor 'w': data_offsets span 8 bytes but shape and dtype need 12"),
            std::string::npos);
  write_raw(p, R"({"w":{"dtype":"F32","shape":[4],"data_offsets":[0,16]}})", 8);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("tensor 'w': data ends at byte 16"), std::string::npos);
  write_raw(p, R"({"a":{"dtype":"F32","shape":[2],"data_offsets":[0,8]},"b":{"dtype":"F32","shape":[2],"data_offsets":[4,12]}})", 12);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("tensor 'b' starts at byte 4"), std::string::npos);
  write_raw(p, R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]}})", 12);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("8 bytes after the last tensor"), std::string::npos);
  write_raw(p, R"({"a":{"dtype":"F32","shape":[1],"data_offsets":[0,4]},"a":{"dtype":"F32","shape":[1],"data_offsets":[4,8]}})", 8);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("'a' appears twice"), std::string::npos);
  write_raw(p, R"({"a":{"dtype":"F32","shape":[-1],"data_offsets":[0,4]}})", 4);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("tensor 'a': shape"), std::string::npos);
  write_raw(p, R"({"a":{"dtype":"F32","shape":[1]}})", 4);
  EXPECT_NE(error_of([&] { SafetensorsFile f(p); }).find("tensor 'a': 'data_offsets'"), std::string::npos);
}

TEST(Checkpoint, SaveThenLoadIsBitExact) {
  TempDir dir;
  init_checkpoint(tiny_config(), 7, dir / "a");
  convert_checkpoint(dir / "a", dir / "b", DType::kF32);
  EXPECT_EQ(read_text(dir / "a" / "model.safetensors"), read_text(dir / "b" / "model.safetensors"));
  EXPECT_EQ(read_text(dir / "a" / "config.json"), read_text(dir / "b" / "config.json"));
  // Hugging Face layout: GPT-2 names, Conv1D weights [in, out], the tied head stored once.
  const SafetensorsFile file(dir / "a" / "model.safetensors");
  EXPECT_EQ(file.find("h.0.attn.c_attn.weight")->shape, (std::vector<std::int64_t>{32, 96}));
  EXPECT_EQ(file.find("h.1.mlp.c_proj.weight")->shape, (std::vector<std::int64_t>{128, 32}));
  EXPECT_EQ(file.find("wte.weight")->shape, (std::vector<std::int64_t>{64, 32}));
  EXPECT_EQ(file.find("lm_head.weight"), nullptr);
  EXPECT_EQ(file.tensors().size(), 2u + 2u + 2 * 12u);
  const std::string config = read_text(dir / "a" / "config.json");
  for (const char* field : {"\"n_layer\": 2", "\"n_embd\": 32", "\"model_type\": \"gpt2\"", "\"layer_norm_epsilon\"", "GPT2LMHeadModel"}) {
    EXPECT_NE(config.find(field), std::string::npos) << field;
  }
}

TEST(Checkpoint, HalfPrecisionFilesLoad) {
  TempDir dir;
  init_checkpoint(tiny_config(), 7, dir / "a");
  for (const auto dtype : {DType::kBF16, DType::kF16}) {
    convert_checkpoint(dir / "a", dir / "half", dtype);
    EXPECT_EQ(SafetensorsFile(dir / "half" / "model.safetensors").find("wpe.weight")->dtype, dtype);
    convert_checkpoint(dir / "half", dir / "back", DType::kF32);  // loads the half file
    const SafetensorsFile full(dir / "a" / "model.safetensors"), back(dir / "back" / "model.safetensors");
    const auto* x = full.find("h.0.mlp.c_fc.weight");
    const auto* y = back.find("h.0.mlp.c_fc.weight");
    float a = 0, b = 0;
    std::memcpy(&a, full.data(*x) + 40, 4);
    std::memcpy(&b, back.data(*y) + 40, 4);
    EXPECT_NEAR(a, b, 1e-3 + std::abs(a) * 1e-2);
  }
}

// Rewrites a checkpoint's tensors with the `transformer.` prefix, an attn.bias buffer, split
// over two shards with an index, as some Hugging Face exports are.
void write_prefixed_shards(const std::filesystem::path& from, const std::filesystem::path& to, const std::string& drop = "",
                           const std::string& reshape = "") {
  const SafetensorsFile file(from / "model.safetensors");
  std::filesystem::create_directories(to);
  std::vector<TensorBlob> first, second;
  std::string index = R"({"metadata":{"total_size":0},"weight_map":{)";
  std::size_t i = 0;
  static const std::vector<float> mask(32 * 32, 1.0f);
  for (const auto& t : file.tensors()) {
    if (t.name == drop) continue;
    auto shape = t.shape;
    if (t.name == reshape) shape = {shape[0] * shape[1]};
    auto& shard = i++ % 2 ? second : first;
    shard.push_back({"transformer." + t.name, t.dtype, shape, file.data(t), t.end - t.begin});
    index += std::string(i > 1 ? "," : "") + "\"transformer." + t.name + "\":\"model-0000" + (&shard == &first ? "1" : "2") + "-of-00002.safetensors\"";
  }
  first.push_back({"transformer.h.0.attn.bias", DType::kF32, {1, 1, 32, 32}, mask.data(), mask.size() * 4});
  index += R"(,"transformer.h.0.attn.bias":"model-00001-of-00002.safetensors"}})";
  write_safetensors(to / "model-00001-of-00002.safetensors", first);
  write_safetensors(to / "model-00002-of-00002.safetensors", second);
  write_text(to / "model.safetensors.index.json", index);
  std::filesystem::copy_file(from / "config.json", to / "config.json");
}

TEST(Checkpoint, ShardedPrefixedExportLoadsToTheSameWeights) {
  TempDir dir;
  init_checkpoint(tiny_config(), 3, dir / "a");
  write_prefixed_shards(dir / "a", dir / "hf");
  convert_checkpoint(dir / "hf", dir / "b", DType::kF32);
  EXPECT_EQ(read_text(dir / "a" / "model.safetensors"), read_text(dir / "b" / "model.safetensors"));
}

TEST(Checkpoint, MissingWrongShapeAndUnexpectedTensorsAreNamed) {
  TempDir dir;
  init_checkpoint(tiny_config(), 3, dir / "a");
  write_prefixed_shards(dir / "a", dir / "missing", "h.1.ln_2.bias");
  EXPECT_NE(error_of([&] { convert_checkpoint(dir / "missing", dir / "x", DType::kF32); }).find("lacks tensors: h.1.ln_2.bias"),
            std::string::npos);
  write_prefixed_shards(dir / "a", dir / "shape", "", "h.0.attn.c_proj.weight");
  EXPECT_NE(error_of([&] { convert_checkpoint(dir / "shape", dir / "x", DType::kF32); })
                .find("tensor 'transformer.h.0.attn.c_proj.weight' has shape [1024] but config.json implies [32, 32]"),
            std::string::npos);
  auto bigger = tiny_config();
  bigger.n_layer = 1;
  write_config(dir / "a" / "config.json", bigger);
  EXPECT_NE(error_of([&] { convert_checkpoint(dir / "a", dir / "x", DType::kF32); }).find("unexpected tensor 'h.1."), std::string::npos);
  EXPECT_NE(error_of([&] { convert_checkpoint(dir / "nothing", dir / "x", DType::kF32); }).find("no such config file"), std::string::npos);
  std::filesystem::create_directories(dir / "noweights");
  write_config(dir / "noweights" / "config.json", tiny_config());
  EXPECT_NE(error_of([&] { convert_checkpoint(dir / "noweights", dir / "x", DType::kF32); }).find("not a checkpoint directory"),
            std::string::npos);
}

TEST(Config, BadValuesNameTheFieldAndFile) {
  TempDir dir;
  write_text(dir / "c.json", R"({"n_layer": 2, "n_head": 3, "n_embd": 32})");
  EXPECT_NE(error_of([&] { load_model_config(dir / "c.json"); }).find("n_embd must be a positive multiple of n_head"), std::string::npos);
  write_text(dir / "c.json", R"({"n_layer": "two"})");
  EXPECT_NE(error_of([&] { load_model_config(dir / "c.json"); }).find("field 'n_layer' must be an integer"), std::string::npos);
  write_text(dir / "c.json", R"({"model_type": "llama"})");
  EXPECT_NE(error_of([&] { load_model_config(dir / "c.json"); }).find("model_type 'llama' is not supported"), std::string::npos);
  write_text(dir / "c.json", "[1]");
  EXPECT_NE(error_of([&] { load_model_config(dir / "c.json"); }).find("not a JSON object"), std::string::npos);
}

TEST(WindowLoader, SeededOrderCoversEveryWindowAndCursorRestores) {
  TempDir dir;
  std::vector<std::uint32_t> tokens(8 * 10 + 1);
  for (std::size_t i = 0; i < tokens.size(); ++i) tokens[i] = static_cast<std::uint32_t>(i);
  write_llmc_tokens(dir / "train.bin", tokens);
  const WindowLoader loader({dir / "train.bin"}, 8, 5, true);
  ASSERT_EQ(loader.num_windows(), 10u);
  DataCursor cursor;
  Batch batch;
  std::set<std::int64_t> firsts;
  std::vector<std::int64_t> order;
  for (int i = 0; i < 5; ++i) {
    loader.next(cursor, 2, batch);
    for (int r = 0; r < 2; ++r) {
      firsts.insert(batch.inputs[static_cast<std::size_t>(r * 8)]);
      order.push_back(batch.inputs[static_cast<std::size_t>(r * 8)]);
      EXPECT_EQ(batch.targets[static_cast<std::size_t>(r * 8)], batch.inputs[static_cast<std::size_t>(r * 8)] + 1);
    }
  }
  EXPECT_EQ(firsts.size(), 10u);  // one epoch visits every window once
  DataCursor saved = cursor;
  loader.next(cursor, 3, batch);
  const auto expected = batch.inputs;
  const WindowLoader again({dir / "train.bin"}, 8, 5, true);
  again.next(saved, 3, batch);  // a fresh loader at a saved cursor continues identically
  EXPECT_EQ(batch.inputs, expected);
  const WindowLoader other_seed({dir / "train.bin"}, 8, 6, true);
  DataCursor start;
  other_seed.next(start, 10, batch);
  std::vector<std::int64_t> other;
  for (int r = 0; r < 10; ++r) other.push_back(batch.inputs[static_cast<std::size_t>(r * 8)]);
  EXPECT_NE(other, order);
}

TEST(WindowLoader, DocumentIdsFollowEosTokens) {
  TempDir dir;
  write_llmc_tokens(dir / "t.bin", {1, 2, 9, 3, 4, 9, 5, 6, 7});
  const WindowLoader loader({dir / "t.bin"}, 8, 0, false, 0.0, 1.0, true, 9);
  DataCursor cursor;
  Batch batch;
  loader.next(cursor, 1, batch);
  EXPECT_EQ(batch.doc_ids, (std::vector<std::int32_t>{0, 0, 0, 1, 1, 1, 2, 2}));
}

TEST(WindowLoader, ReadsTokShardsWithTheirDocumentIndex) {
  TempDir dir;
  std::filesystem::create_directories(dir / "data" / "train");
  tokenize::TokenShardWriter writer(dir / "data" / "train" / "part-00000.tok", 100, "test-hash");
  const std::vector<std::uint32_t> a = {1, 2, 3}, b = {4, 5, 6, 7, 8}, c = {9, 10};
  writer.add_document(a);
  writer.add_document(b);
  writer.add_document(c);
  writer.finish();
  const auto files = list_token_files(dir / "data", false);
  ASSERT_EQ(files.size(), 1u);
  EXPECT_TRUE(list_token_files(dir / "data", true).empty());
  const WindowLoader loader(files, 8, 0, false, 0.0, 1.0, true);
  EXPECT_EQ(loader.vocab_size(), 100u);
  DataCursor cursor;
  Batch batch;
  loader.next(cursor, 1, batch);
  EXPECT_EQ(batch.inputs, (std::vector<std::int64_t>{1, 2, 3, 4, 5, 6, 7, 8}));
  EXPECT_EQ(batch.targets, (std::vector<std::int64_t>{2, 3, 4, 5, 6, 7, 8, 9}));
  EXPECT_EQ(batch.doc_ids, (std::vector<std::int32_t>{1, 1, 1, 2, 2, 2, 2, 2}));
}

TEST(WindowLoader, BadShardsAreClearErrors) {
  TempDir dir;
  write_text(dir / "x.bin", "short");
  EXPECT_NE(error_of([&] { WindowLoader l({dir / "x.bin"}, 8, 0, false); }).find("shorter than the 1024-byte llm.c header"), std::string::npos);
  write_llmc_tokens(dir / "y.bin", {1, 2, 3, 4});
  std::string bytes = read_text(dir / "y.bin");
  write_text(dir / "y.bin", bytes.substr(0, bytes.size() - 2));
  EXPECT_NE(error_of([&] { WindowLoader l({dir / "y.bin"}, 2, 0, false); }).find("truncated"), std::string::npos);
  EXPECT_NE(error_of([&] { list_token_files(dir / "none", false); }).find("not a directory"), std::string::npos);
}

}  // namespace
}  // namespace sluice::test
