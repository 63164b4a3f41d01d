#include "sluice/finetune/config.h"

#include <simdjson.h>

#include "sluice/core/error.h"
#include "sluice/core/io.h"
#include "sluice/core/json.h"

namespace sluice::finetune {

std::int64_t ModelConfig::parameter_count() const {
  const std::int64_t c = n_embd;
  const std::int64_t per_block = 2 * 2 * c + (c * 3 * c + 3 * c) + (c * c + c) + (c * 4 * c + 4 * c) + (4 * c * c + c);
  return vocab_size * c + n_positions * c + n_layer * per_block + 2 * c;
}

void validate(const ModelConfig& config, const std::string& origin) {
  auto bad = [&](const std::string& what) {
    throw Error(origin + ": " + what + "; fix the model config (GPT-2 config.json field names)");
  };
  if (config.model_type != "gpt2") bad("model_type '" + config.model_type + "' is not supported (only gpt2)");
  if (config.n_layer < 1) bad("n_layer must be at least 1");
  if (config.n_head < 1) bad("n_head must be at least 1");
  if (config.n_embd < 1 || config.n_embd % config.n_head != 0) bad("n_embd must be a positive multiple of n_head");
  if (config.n_positions < 2) bad("n_positions must be at least 2");
  if (config.vocab_size < 2) bad("vocab_size must be at least 2");
  if (!(config.layer_norm_epsilon > 0)) bad("layer_norm_epsilon must be positive");
}

ModelConfig load_model_config(const std::filesystem::path& path) {
  if (!std::filesystem::exists(path)) {
    throw Error(path.string() + ": no such config file (a GPT-2 config.json: n_layer, n_head, n_embd, ...)");
  }
  const std::string text = read_small_file(path);
  simdjson::dom::parser parser;
  simdjson::dom::element root;
  if (parser.parse(text).get(root) != simdjson::SUCCESS || !root.is_object()) {
    throw Error(path.string() + ": not a JSON object");
  }
  ModelConfig config;
  const auto object = root.get_object().value();
  auto integer = [&](const char* name, std::int64_t& out) {
    simdjson::dom::element value;
    if (object.at_key(name).get(value) != simdjson::SUCCESS || value.is_null()) return;
    std::int64_t number = 0;
    if (value.get_int64().get(number) != simdjson::SUCCESS) {
      throw Error(path.string() + ": field '" + name + "' must be an integer");
    }
    out = number;
  };
  integer("n_layer", config.n_layer);
  integer("n_head", config.n_head);
  integer("n_embd", config.n_embd);
  integer("n_positions", config.n_positions);
  integer("vocab_size", config.vocab_size);
  integer("bos_token_id", config.bos_token_id);
  integer("eos_token_id", config.eos_token_id);
  simdjson::dom::element value;
  if (object.at_key("layer_norm_epsilon").get(value) == simdjson::SUCCESS) {
    double eps = 0;
    if (value.get_double().get(eps) != simdjson::SUCCESS) {
      throw Error(path.string() + ": field 'layer_norm_epsilon' must be a number");
    }
    config.layer_norm_epsilon = eps;
  }
  std::string_view type;
  if (object.at_key("model_type").get(value) == simdjson::SUCCESS && value.get_string().get(type) == simdjson::SUCCESS) {
    config.model_type = std::string(type);
  }
  validate(config, path.string());
  return config;
}

std::string model_config_json(const ModelConfig& config) {
  JsonWriter out(true);
  out.begin_object();
  out.key("architectures").begin_array().value("GPT2LMHeadModel").end_array();
  out.field("model_type", config.model_type)
      .field("activation_function", "gelu_new")
      .field("n_layer", config.n_layer)
      .field("n_head", config.n_head)
      .field("n_embd", config.n_embd)
      .field("n_positions", config.n_positions)
      .field("n_ctx", config.n_positions)
      .field("n_inner", config.n_embd * 4)
      .field("vocab_size", config.vocab_size)
      .field("layer_norm_epsilon", config.layer_norm_epsilon)
      .field("bos_token_id", config.bos_token_id)
      .field("eos_token_id", config.eos_token_id)
      .field("initializer_range", 0.02)
      .field("resid_pdrop", 0.0)
      .field("embd_pdrop", 0.0)
      .field("attn_pdrop", 0.0)
      .field("scale_attn_weights", true)
      .field("tie_word_embeddings", true)
      .field("torch_dtype", "float32");
  out.end_object();
  return out.take() + "\n";
}

}  // namespace sluice::finetune
