#!/usr/bin/env python3
"""The peer of sluice's redaction: a Python `re` pass with the same patterns (email, IPv4, IPv6, AWS, GitHub,
Slack, JWT, private key blocks, key/password assignments), over the `text` of every document.
usage: redact_peer.py IN.jsonl  -> prints documents, bytes, seconds, spans"""
import json, re, sys, time
PATTERNS = [
    re.compile(r'-----BEGIN [A-Z ]*PRIVATE KEY[A-Z ]*-----.*?-----END [A-Z ]*-----', re.S),
    re.compile(r'\b(?:AKIA|ASIA)[0-9A-Z]{16}\b'),
    re.compile(r'\bgh[pousr]_[A-Za-z0-9]{36,}'),
    re.compile(r'\bgithub_pat_[A-Za-z0-9_]{22,}'),
    re.compile(r'\bxox[baprs]-[A-Za-z0-9-]{10,}'),
    re.compile(r'\beyJ[A-Za-z0-9_-]{7,}\.[A-Za-z0-9_-]{10,}\.[A-Za-z0-9_-]{10,}'),
    re.compile(r'(?i)(?:passw(?:or)?d|passwd|pwd|secret|api[_\-]?key|access[_\-]?key|auth[_\-]?token|access[_\-]?token|private[_\-]?key|client[_\-]?secret|token)[a-z0-9_]*["\'\]]{0,2}\s*(?::=|=>|=|:)\s*(["\'])([^"\'\n\\]{8,200})\1'),
    re.compile(r'[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}'),
    re.compile(r'(?<![\w.])(?:(?:25[0-5]|2[0-4]\d|1?\d?\d)\.){3}(?:25[0-5]|2[0-4]\d|1?\d?\d)(?![\w.])'),
    re.compile(r'(?<![\w:.])(?:[0-9A-Fa-f]{0,4}:){2,7}[0-9A-Fa-f.]*[0-9A-Fa-f](?![\w:(<])'),
]
docs = [json.loads(l)['text'] for l in open(sys.argv[1])]
t = time.perf_counter(); spans = 0; size = 0
for text in docs:
    size += len(text.encode())
    for p in PATTERNS:
        spans += sum(1 for _ in p.finditer(text))
print(len(docs), size, time.perf_counter() - t, spans)
