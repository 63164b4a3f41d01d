// Encode throughput of the npm peers on the same text as sluice, and an id check against sluice.
// Usage: node peers.js PEER_NODE_MODULES CORPUS.txt DOCS.jsonl GPT2_TOKENIZER_JSON SLUICE_IDS.txt RUNS
const fs = require("fs");
const path = require("path");
const [modules, corpusFile, docsFile, hfJson, sluiceIds, runsArg] = process.argv.slice(2);
const { get_encoding } = require(path.join(modules, "tiktoken"));
const { Tokenizer } = require(path.join(modules, "tokenizers"));
const runs = Number(runsArg || 3);
const text = fs.readFileSync(corpusFile, "utf8");
const bytes = Buffer.byteLength(text, "utf8");
const docs = fs.readFileSync(docsFile, "utf8").split("\n").filter((l) => l).map((l) => JSON.parse(l).text);
const docBytes = docs.reduce((n, d) => n + Buffer.byteLength(d, "utf8"), 0);
const median = (xs) => xs.slice().sort((a, b) => a - b)[Math.floor(xs.length / 2)];
const now = () => Number(process.hrtime.bigint()) / 1e9;

(async () => {
  const enc = get_encoding("gpt2");
  const hf = Tokenizer.fromFile(hfJson);
  const out = { bytes, doc_bytes: docBytes, documents: docs.length, tiktoken_s: [], tokenizers_s: [], tokenizers_batch_s: [] };
  let ids = null;
  for (let r = 0; r < runs; ++r) {
    let t = now();
    ids = enc.encode_ordinary(text);
    out.tiktoken_s.push(now() - t);
    t = now();
    const e = await hf.encode(text);
    out.tokenizers_s.push(now() - t);
    if (r === 0) out.tokenizers_ids_equal = arraysEqual(e.getIds(), ids);
    t = now();
    await hf.encodeBatch(docs);
    out.tokenizers_batch_s.push(now() - t);
  }
  const mine = fs.readFileSync(sluiceIds, "utf8").trim().split(/\s+/).map(Number);
  out.tokens = ids.length;
  out.sluice_ids_equal = arraysEqual(mine, ids);
  out.tiktoken_mb_s = bytes / 1e6 / median(out.tiktoken_s);
  out.tokenizers_mb_s = bytes / 1e6 / median(out.tokenizers_s);
  out.tokenizers_batch_mb_s = docBytes / 1e6 / median(out.tokenizers_batch_s);
  out.peak_rss_mb = process.memoryUsage().rss / 1e6;
  process.stdout.write(JSON.stringify(out) + "\n");
})();

function arraysEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; ++i) if (Number(a[i]) !== Number(b[i])) return false;
  return true;
}
