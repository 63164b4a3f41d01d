#!/usr/bin/env python3
"""Reference MinHash in Python + numpy, following datatrove's MinhashDedupSignature algorithm
(64-bit hashes, permutations ((a*h + b) mod 2^64) mod (2^61 - 1) in numpy uint64, minimum per
permutation) with sluice's code shingles: 5-grams of [A-Za-z0-9_] tokens (bytes >= 0x80 count as
token bytes) joined by one space, hashed with XXH3-64. The permutation parameters come from
splitmix64(seed), exactly as sluice draws them, so both produce the same signatures and the same
band keys (XXH3-64 of each band's rows as little-endian uint64).

Usage: minhash_reference.py [--num-perm 256] [--bands 25 --rows 10] [--dump FILE] SHARD.jsonl...
Prints documents, bytes and seconds of signature work as JSON; --dump writes "shard index band key"
lines for comparison with sluice's phase-1 key files. --cluster also runs LSH buckets and
union-find in memory and reports how many documents it would remove.
"""
import argparse
import json
import re
import sys
import time

import numpy as np
import xxhash

MERSENNE = (1 << 61) - 1
MASK64 = (1 << 64) - 1
TOKEN = re.compile(rb"[A-Za-z0-9_\x80-\xff]+")


def splitmix64(state):
    state = (state + 0x9E3779B97F4A7C15) & MASK64
    z = state
    z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
    z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
    return state, z ^ (z >> 31)


def permutations(num_perm, seed):
    state = seed
    a, b = [], []

    def draw(low):
        nonlocal state
        while True:
            state, v = splitmix64(state)
            v &= MERSENNE
            if low <= v < MERSENNE:
                return v

    for _ in range(num_perm):
        a.append(draw(1))
        b.append(draw(0))
    return np.array(a, dtype=np.uint64).reshape(1, -1), np.array(b, dtype=np.uint64).reshape(1, -1)


def shingle_hashes(data, ngram):
    tokens = TOKEN.findall(data)
    if not tokens:
        return None
    if len(tokens) < ngram:
        return np.array([xxhash.xxh3_64_intdigest(b" ".join(tokens))], dtype=np.uint64)
    return np.fromiter((xxhash.xxh3_64_intdigest(b" ".join(tokens[i:i + ngram])) for i in range(len(tokens) - ngram + 1)),
                       dtype=np.uint64, count=len(tokens) - ngram + 1)


def signature(hashes, a, b, chunk=8192):
    p = np.uint64(MERSENNE)
    best = None
    with np.errstate(over="ignore"):
        for start in range(0, len(hashes), chunk):
            h = hashes[start:start + chunk].reshape(-1, 1)
            part = np.min((h * a + b) % p, axis=0)  # uint64 arithmetic wraps mod 2^64, as in datatrove
            best = part if best is None else np.minimum(best, part)
    return best


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("shards", nargs="+")
    parser.add_argument("--num-perm", type=int, default=256)
    parser.add_argument("--ngram", type=int, default=5)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bands", type=int, default=25)
    parser.add_argument("--rows", type=int, default=10)
    parser.add_argument("--dump")
    parser.add_argument("--cluster", action="store_true")
    args = parser.parse_args()
    a, b = permutations(args.num_perm, args.seed)
    dump = open(args.dump, "w") if args.dump else None
    documents = 0
    text_bytes = 0
    hashing = 0.0
    buckets = [dict() for _ in range(args.bands)] if args.cluster else None
    refs = []
    started = time.perf_counter()
    for shard_index, path in enumerate(args.shards):
        with open(path, "rb") as f:
            for index, line in enumerate(f):
                if not line.strip():
                    continue
                data = json.loads(line)["text"].encode("utf-8")
                documents += 1
                text_bytes += len(data)
                t0 = time.perf_counter()
                hashes = shingle_hashes(data, args.ngram)
                if hashes is None:
                    hashing += time.perf_counter() - t0
                    continue
                sig = signature(hashes, a, b)
                keys = [xxhash.xxh3_64_intdigest(sig[i * args.rows:(i + 1) * args.rows].astype("<u8").tobytes())
                        for i in range(args.bands)]
                hashing += time.perf_counter() - t0
                if dump:
                    for band, key in enumerate(keys):
                        dump.write(f"{shard_index} {index} {band} {key}\n")
                if buckets is not None:
                    ref = len(refs)
                    refs.append((shard_index, index))
                    for band, key in enumerate(keys):
                        buckets[band].setdefault(key, []).append(ref)
    removed = None
    if buckets is not None:
        parent = list(range(len(refs)))

        def find(x):
            while parent[x] != x:
                parent[x] = parent[parent[x]]
                x = parent[x]
            return x

        for band in buckets:
            for members in band.values():
                for other in members[1:]:
                    ra, rb = find(members[0]), find(other)
                    if ra != rb:
                        parent[max(ra, rb)] = min(ra, rb)
        removed = sum(1 for i in range(len(refs)) if find(i) != i)
    total = time.perf_counter() - started
    if dump:
        dump.close()
    print(json.dumps({"documents": documents, "text_bytes": text_bytes, "signature_seconds": hashing,
                      "total_seconds": total, "removed_near": removed}))


if __name__ == "__main__":
    sys.exit(main())
