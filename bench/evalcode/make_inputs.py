#!/usr/bin/env python3
"""Writes the benchmark's tasks.jsonl (HumanEval format) and completions.jsonl: TASKS problems,
SAMPLES completions each, every third one wrong."""
import json, sys

out, tasks_count, samples = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
problems = [
    ("add", "(a, b)", "    return a + b\n", "    return a - b\n", "assert candidate(1, 2) == 3"),
    ("rev", "(s)", "    return s[::-1]\n", "    return s\n", "assert candidate('abc') == 'cba'"),
    ("fact", "(n)", "    r = 1\n    for i in range(2, n + 1):\n        r *= i\n    return r\n", "    return n\n",
     "assert candidate(5) == 120"),
    ("uniq", "(xs)", "    return sorted(set(xs))\n", "    return xs\n", "assert candidate([3, 1, 3]) == [1, 3]"),
    ("fib", "(n)", "    a, b = 0, 1\n    for _ in range(n):\n        a, b = b, a + b\n    return a\n", "    return n\n",
     "assert candidate(10) == 55"),
]
with open(f"{out}/tasks.jsonl", "w") as t, open(f"{out}/completions.jsonl", "w") as c:
    for i in range(tasks_count):
        name, sig, good, bad, test = problems[i % len(problems)]
        task_id = f"bench/{i}"
        t.write(json.dumps({"task_id": task_id, "prompt": f"def {name}{sig}:\n    \"\"\"Problem {i}.\"\"\"\n",
                            "test": f"\n\ndef check(candidate):\n    {test}\n", "entry_point": name}) + "\n")
        for s in range(samples):
            # Distinct texts (a trailing comment) so that nothing could be deduplicated.
            body = (bad if s % 3 == 2 else good) + f"    # sample {s}\n"
            c.write(json.dumps({"task_id": task_id, "completion": body}) + "\n")
