#!/usr/bin/env python3
"""Independent GPT-2 forward pass for the finetune reference test.

usage: reference_logits.py CKPT_DIR TOKEN,IDS OUT.f32
Reads config.json and model.safetensors with nothing but json/struct/torch (no transformers,
no safetensors package), follows the Hugging Face GPT-2 definition (Conv1D weights [in, out],
GELU tanh, tied head) and writes the logits [T, V] as little-endian float32.
"""
import json
import math
import struct
import sys

import torch

DTYPES = {"F32": torch.float32, "F16": torch.float16, "BF16": torch.bfloat16}


def load_safetensors(path):
    with open(path, "rb") as f:
        data = f.read()
    (n,) = struct.unpack("<Q", data[:8])
    header = json.loads(data[8:8 + n])
    base = 8 + n
    tensors = {}
    for name, spec in header.items():
        if name == "__metadata__":
            continue
        begin, end = spec["data_offsets"]
        raw = bytearray(data[base + begin:base + end])
        t = torch.frombuffer(raw, dtype=DTYPES[spec["dtype"]]) if raw else torch.empty(0, dtype=DTYPES[spec["dtype"]])
        tensors[name.removeprefix("transformer.")] = t.reshape(spec["shape"]).float()
    return tensors


def main():
    ckpt, ids, out = sys.argv[1], sys.argv[2], sys.argv[3]
    cfg = json.load(open(f"{ckpt}/config.json"))
    w = load_safetensors(f"{ckpt}/model.safetensors")
    tokens = torch.tensor([int(t) for t in ids.split(",")])
    C, H, eps = cfg["n_embd"], cfg["n_head"], cfg["layer_norm_epsilon"]
    T = tokens.numel()
    D = C // H

    def ln(x, p):
        return torch.nn.functional.layer_norm(x, (C,), w[p + ".weight"], w[p + ".bias"], eps)

    def conv1d(x, p):  # Hugging Face Conv1D: y = x @ W + b with W stored [in, out]
        return x @ w[p + ".weight"] + w[p + ".bias"]

    x = w["wte.weight"][tokens] + w["wpe.weight"][:T]
    causal = torch.tril(torch.ones(T, T, dtype=torch.bool))
    for i in range(cfg["n_layer"]):
        p = f"h.{i}"
        q, k, v = conv1d(ln(x, p + ".ln_1"), p + ".attn.c_attn").split(C, dim=1)
        q, k, v = (t.view(T, H, D).transpose(0, 1) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) / math.sqrt(D)
        att = att.masked_fill(~causal, float("-inf")).softmax(-1)
        y = (att @ v).transpose(0, 1).reshape(T, C)
        x = x + conv1d(y, p + ".attn.c_proj")
        h = conv1d(ln(x, p + ".ln_2"), p + ".mlp.c_fc")
        h = 0.5 * h * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (h + 0.044715 * h.pow(3))))
        x = x + conv1d(h, p + ".mlp.c_proj")
    logits = ln(x, "ln_f") @ w["wte.weight"].t()
    with open(out, "wb") as f:
        f.write(logits.contiguous().numpy().astype("<f4").tobytes())


if __name__ == "__main__":
    with torch.no_grad():
        main()
