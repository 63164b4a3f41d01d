#!/usr/bin/env python3
"""The peer of the finetune benchmark: a nanoGPT-style GPT-2 training loop on Debian's
python3-torch (same LibTorch and BLAS as sluice), or on a CUDA PyTorch (bench/finetune/gpu.sh).
Plain nn.Linear model, full logits + F.cross_entropy, torch.optim.AdamW with decay on matrices
(its default multi-tensor update on CUDA), grad clipping, optional bf16 autocast; on CUDA, TF32
for fp32 matmuls and batches copied from pinned memory, as nanoGPT does.

usage: nanogpt_loop.py TOKENS.bin N_LAYER N_HEAD N_EMBD SEQ BATCH STEPS THREADS fp32|bf16 [cpu|cuda]
prints one JSON line: median tokens/s over steps after the first two (CUDA: the first three),
peak RSS bytes and, on CUDA, torch.cuda.max_memory_allocated().
"""
import json
import math
import resource
import statistics
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F


class Block(nn.Module):
    def __init__(self, C, H):
        super().__init__()
        self.ln_1, self.ln_2 = nn.LayerNorm(C), nn.LayerNorm(C)
        self.c_attn, self.c_proj = nn.Linear(C, 3 * C), nn.Linear(C, C)
        self.c_fc, self.mlp_proj = nn.Linear(C, 4 * C), nn.Linear(4 * C, C)
        self.H = H

    def forward(self, x):
        B, T, C = x.shape
        q, k, v = self.c_attn(self.ln_1(x)).split(C, dim=2)
        q, k, v = (t.view(B, T, self.H, C // self.H).transpose(1, 2) for t in (q, k, v))
        att = (q @ k.transpose(-2, -1)) * (1.0 / math.sqrt(k.size(-1)))
        mask = torch.ones(T, T, dtype=torch.bool, device=x.device).tril()
        att = att.masked_fill(~mask, float("-inf")).softmax(-1)
        x = x + self.c_proj((att @ v).transpose(1, 2).reshape(B, T, C))
        return x + self.mlp_proj(F.gelu(self.c_fc(self.ln_2(x)), approximate="tanh"))


class GPT(nn.Module):
    def __init__(self, V, P, L, H, C):
        super().__init__()
        self.wte, self.wpe = nn.Embedding(V, C), nn.Embedding(P, C)
        self.h = nn.ModuleList(Block(C, H) for _ in range(L))
        self.ln_f = nn.LayerNorm(C)
        self.lm_head = nn.Linear(C, V, bias=False)
        self.lm_head.weight = self.wte.weight  # tied
        for m in self.modules():
            if isinstance(m, (nn.Linear, nn.Embedding)):
                nn.init.normal_(m.weight, 0.0, 0.02)

    def forward(self, idx, targets):
        x = self.wte(idx) + self.wpe(torch.arange(idx.size(1), device=idx.device))
        for block in self.h:
            x = block(x)
        logits = self.lm_head(self.ln_f(x))
        return F.cross_entropy(logits.view(-1, logits.size(-1)), targets.view(-1))


def main():
    path, L, H, C, T, B, steps, threads, precision = sys.argv[1:10]
    device = sys.argv[10] if len(sys.argv) > 10 else "cpu"
    L, H, C, T, B, steps, threads = map(int, (L, H, C, T, B, steps, threads))
    cuda = device == "cuda"
    torch.set_num_threads(threads)
    torch.manual_seed(1337)
    if cuda:
        torch.backends.cuda.matmul.allow_tf32 = True
        torch.backends.cudnn.allow_tf32 = True
    data = np.fromfile(path, dtype=np.uint16, offset=1024).astype(np.int64)
    model = GPT(50257, 1024, L, H, C).to(device)
    decay = [p for p in model.parameters() if p.dim() >= 2]
    no_decay = [p for p in model.parameters() if p.dim() < 2]
    opt = torch.optim.AdamW([{"params": decay, "weight_decay": 0.1}, {"params": no_decay, "weight_decay": 0.0}],
                            lr=6e-4, betas=(0.9, 0.95))
    rates = []
    rng = np.random.default_rng(0)
    for step in range(steps):
        starts = rng.integers(0, len(data) - T - 1, B)
        x = torch.from_numpy(np.stack([data[s:s + T] for s in starts]))
        y = torch.from_numpy(np.stack([data[s + 1:s + T + 1] for s in starts]))
        t0 = time.perf_counter()
        if cuda:
            x = x.pin_memory().to(device, non_blocking=True)
            y = y.pin_memory().to(device, non_blocking=True)
        with torch.autocast(device, dtype=torch.bfloat16, enabled=precision == "bf16"):
            loss = model(x, y)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        opt.zero_grad(set_to_none=True)
        loss.item()
        if cuda:
            torch.cuda.synchronize()
        rates.append(B * T / (time.perf_counter() - t0))
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss * 1024
    result = {"tokens_per_s": statistics.median(rates[(3 if cuda else 2):] or rates), "peak_rss_bytes": peak,
              "loss": loss.item()}
    if cuda:
        result["peak_device_bytes"] = torch.cuda.max_memory_allocated()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
