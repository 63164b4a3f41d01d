// Hugging Face tokenizers (npm) BPE training on the same text, byte-level pre-tokenizer, with its
// default BpeTrainer (vocab 30000); then bytes per token on held-out text.
// Usage: node hf_train.js PEER_NODE_MODULES TRAIN.txt HELDOUT.txt OUT.json
const fs = require("fs");
const path = require("path");
const [modules, trainFile, heldoutFile, outFile] = process.argv.slice(2);
const hf = require(path.join(modules, "tokenizers"));
(async () => {
  const t0 = Number(process.hrtime.bigint()) / 1e9;
  const tok = new hf.Tokenizer(hf.BPE.empty());
  tok.setPreTokenizer(hf.byteLevelPreTokenizer(false, true));
  tok.train([trainFile]);
  const seconds = Number(process.hrtime.bigint()) / 1e9 - t0;
  tok.save(outFile);
  const heldout = fs.readFileSync(heldoutFile, "utf8");
  const enc = await tok.encode(heldout);
  process.stdout.write(JSON.stringify({ seconds, vocab: tok.getVocabSize(true), tokens: enc.getIds().length,
    bytes_per_token: Buffer.byteLength(heldout) / enc.getIds().length }) + "\n");
})();
