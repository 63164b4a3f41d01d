// Builds the benchmark corpus from files on this machine: C/C++ headers under /usr/include (and
// any further directories given), in a fixed order, up to LIMIT bytes. Writes CORPUS.txt (all
// files joined) and DOCS.jsonl (one document per file).
// Usage: node make_corpus.js LIMIT_BYTES OUT_DIR DIR...
const fs = require("fs");
const path = require("path");
const [limitArg, outDir, ...dirs] = process.argv.slice(2);
const limit = Number(limitArg);
const files = [];
function walk(dir) {
  let entries;
  try { entries = fs.readdirSync(dir, { withFileTypes: true }); } catch { return; }
  entries.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const e of entries) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) walk(p);
    else if (e.isFile() && /\.(h|hpp|hh|c|cc|cpp|py|js|md)$/.test(e.name)) files.push(p);
  }
}
for (const d of dirs) walk(d);
let total = 0;
const texts = [];
const docs = [];
for (const f of files) {
  if (total >= limit) break;
  const text = fs.readFileSync(f).toString("utf8");
  if (!text) continue;
  texts.push(text);
  docs.push(JSON.stringify({ id: f, text, source: "bench", metadata: { path: f } }));
  total += Buffer.byteLength(text);
}
fs.mkdirSync(outDir, { recursive: true });
fs.writeFileSync(path.join(outDir, "corpus.txt"), texts.join(""));
fs.mkdirSync(path.join(outDir, "docs"), { recursive: true });
fs.writeFileSync(path.join(outDir, "docs", "docs.jsonl"), docs.join("\n") + "\n");
// Training split: every tenth file is held out for bytes/token, the rest train.
const held = (i) => i % 10 === 9;
fs.mkdirSync(path.join(outDir, "train-docs"), { recursive: true });
fs.writeFileSync(path.join(outDir, "train-docs", "docs.jsonl"), docs.filter((_, i) => !held(i)).join("\n") + "\n");
fs.writeFileSync(path.join(outDir, "train.txt"), texts.filter((_, i) => !held(i)).join(""));
fs.writeFileSync(path.join(outDir, "heldout.txt"), texts.filter((_, i) => held(i)).join(""));
process.stdout.write(JSON.stringify({ files: docs.length, bytes: total }) + "\n");
