#!/usr/bin/env python3
"""The finetune benchmark's input: tokens from the text files under /usr/share (words hashed into
the GPT-2 id range), written as one llm.c .bin shard that sluice and the peer both read.

usage: make_tokens.py OUT.bin
"""
import glob
import struct
import sys
import zlib

ids = []
for path in sorted(glob.glob("/usr/share/common-licenses/*") + glob.glob("/usr/share/perl5/**/*.pm", recursive=True)):
    try:
        words = open(path, errors="ignore").read().split()
    except (IsADirectoryError, PermissionError):
        continue
    ids += [zlib.crc32(w.encode()) % 50257 for w in words]
    if len(ids) > 400_000:
        break
with open(sys.argv[1], "wb") as f:
    f.write(struct.pack("<256i", 20240520, 1, len(ids), *([0] * 253)))
    f.write(struct.pack(f"<{len(ids)}H", *ids))
print(f"benchmark input: {len(ids)} tokens", file=sys.stderr)
