#!/usr/bin/env python3
"""Builds a document shard from source files on this machine (C/C++ headers and Python modules).
usage: make_corpus.py OUT.jsonl MEGABYTES"""
import json, os, sys
out, limit = sys.argv[1], float(sys.argv[2]) * 1e6
roots = ['/usr/include', '/usr/lib/python3/dist-packages', '/usr/lib/python3.11']
total = 0
with open(out, 'w') as f:
    for root in roots:
        for d, _, files in os.walk(root):
            for name in sorted(files):
                if not name.endswith(('.h', '.hpp', '.py', '.c', '.cc')): continue
                path = os.path.join(d, name)
                try: text = open(path, encoding='utf-8').read()
                except (UnicodeDecodeError, OSError): continue
                lang = 'Python' if name.endswith('.py') else 'C++'
                f.write(json.dumps({'id': path, 'text': text, 'source': 'git',
                                    'metadata': {'license': 'MIT', 'lang': lang, 'path': path}}) + '\n')
                total += len(text.encode())
                if total >= limit: sys.exit(0)
