// Encodes files with the npm `tiktoken` package (OpenAI's Rust core built to WASM) and prints one
// JSON line per file: {"file", "text" (as JavaScript decoded it), "gpt2": [ids], "cl100k": [ids],
// "o200k": [ids]}.
// Usage: node tiktoken_reference.js TIKTOKEN_PACKAGE_DIR FILE...
const fs = require("fs");
const { get_encoding } = require(process.argv[2]);
const encodings = { gpt2: get_encoding("gpt2"), cl100k: get_encoding("cl100k_base"), o200k: get_encoding("o200k_base") };
for (const file of process.argv.slice(3)) {
  const text = fs.readFileSync(file).toString("utf8");  // invalid UTF-8 becomes U+FFFD, as in any JS caller
  const line = { file, text };
  for (const [name, encoding] of Object.entries(encodings)) line[name] = Array.from(encoding.encode_ordinary(text));
  process.stdout.write(JSON.stringify(line) + "\n");
}
for (const encoding of Object.values(encodings)) encoding.free();
