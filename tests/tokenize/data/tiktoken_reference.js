// Encodes files with the npm `tiktoken` package (OpenAI's Rust core built to WASM) and prints one
// JSON line per file: {"file", "text" (as JavaScript decoded it), "gpt2": [ids], "cl100k": [ids]}.
// Usage: node tiktoken_reference.js TIKTOKEN_PACKAGE_DIR FILE...
const fs = require("fs");
const { get_encoding } = require(process.argv[2]);
const gpt2 = get_encoding("gpt2");
const cl100k = get_encoding("cl100k_base");
for (const file of process.argv.slice(3)) {
  const text = fs.readFileSync(file).toString("utf8");  // invalid UTF-8 becomes U+FFFD, as in any JS caller
  const line = {
    file,
    text,
    gpt2: Array.from(gpt2.encode_ordinary(text)),
    cl100k: Array.from(cl100k.encode_ordinary(text)),
  };
  process.stdout.write(JSON.stringify(line) + "\n");
}
gpt2.free();
cl100k.free();
