#!/usr/bin/env python3
"""License detection beside `licensee detect` on the labelled repositories of license_repos.tsv.

Each repository's snapshot is read from the local mirror (/work/.mirror/OWNER+NAME/repo, made by the
session's fetch tool; any bare clone works: --mirror DIR) and extracted at the labelled commit's tree
(HEAD of the snapshot). sluice runs from a copy of SLUICE_BINARY in the work folder (see below).
Both tools run on every repository, alternately, ROUNDS times; medians and
the ratio are printed with each tool's exact-match accuracy, plus the CPU time of each process and
one sluice process given every repository at once (parallel over repositories).
Each process writes its output to temporary files, read after it exits (--capture files, the
default): with --capture pipes, subprocess reads the output while the process runs, which adds
about 0.2 ms to /bin/true and 0.5-0.8 ms to a sluice run here (the harness's cost, not the
tool's; 1 ms is 0.15 % of a licensee run). The harness's own floor, /bin/true, is printed.
usage: license_bench.py SLUICE_BINARY [--rounds N] [--mirror DIR] [--capture files|pipes]
"""
import argparse, os, re, shutil, statistics, subprocess, sys, tempfile, time

def norm(expr):
    """Order-insensitive form of flat expressions: 'A OR B' == 'B OR A'."""
    e = expr.strip()
    if e.startswith('(') and e.endswith(')') and e.count('(') == 1: e = e[1:-1]
    for op in (' OR ', ' AND '):
        if op in e and '(' not in e and (' AND ' if op == ' OR ' else ' OR ') not in e:
            return op.join(sorted(e.split(op)))
    return e

def licensee_result(out):
    m = re.search(r'^License:\s*(.+)$', out, re.M)
    if not m: return 'ERROR'
    v = m.group(1).strip()
    return {'None': 'NONE', 'Other': 'NOASSERTION'}.get(v, v)

def timed(cmd, capture):
    """Runs cmd; returns its wall time in seconds and its standard output."""
    if capture == 'pipes':
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True)
        return time.perf_counter() - t, p.stdout
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t = time.perf_counter()
        subprocess.run(cmd, stdout=out, stderr=err)
        dt = time.perf_counter() - t
        out.seek(0)
        return dt, out.read().decode(errors='replace')

def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('sluice'); ap.add_argument('--rounds', type=int, default=3)
    ap.add_argument('--mirror', default='/work/.mirror')
    ap.add_argument('--capture', choices=['files', 'pipes'], default='files')
    a = ap.parse_args()
    labels = [l.rstrip('\n').split('\t') for l in open(os.path.join(os.path.dirname(__file__), 'license_repos.tsv'))
              if l.strip() and not l.startswith('#')]
    work = tempfile.mkdtemp(prefix='license-bench-')
    # The binary runs from a copy, as an installed program would: a file the linker has just
    # written sits in the page cache in small pieces, and every start of it takes longer to map
    # (about 0.25 ms here) than a start of the same bytes copied, installed or read back from disk.
    installed = os.path.join(work, 'sluice')
    shutil.copy2(a.sluice, installed)
    a.sluice = installed
    repos = []
    for repo, commit, expected, why in labels:
        git_dir = os.path.join(a.mirror, repo.replace('/', '+'), 'repo')
        if not os.path.isdir(git_dir): print(f'skip {repo}: no mirror', file=sys.stderr); continue
        dest = os.path.join(work, repo.replace('/', '+')); os.makedirs(dest)
        subprocess.run(f'git --git-dir={git_dir} archive HEAD | tar -x -C {dest}', shell=True, check=True)
        repos.append((repo, dest, expected))
    times = {'sluice': [], 'licensee': []}
    cpu_times = {'sluice': [], 'licensee': []}
    batch = []  # one sluice process for every repository (parallel over repositories): seconds per repository
    results = {}
    for r in range(a.rounds):
        dt, stdout = timed([a.sluice, 'license', 'detect'] + [d for _, d, _ in repos], a.capture)
        batch.append(dt / len(repos))
        for line, (repo, _, _) in zip(stdout.splitlines(), repos):
            results[(repo, 'sluice-batch')] = line.split('\t')[0]
        for repo, dest, expected in repos:
            for tool in (('sluice', 'licensee') if r % 2 == 0 else ('licensee', 'sluice')):
                cmd = [a.sluice, 'license', 'detect', dest] if tool == 'sluice' else ['licensee', 'detect', dest]
                c0 = os.times()
                dt, stdout = timed(cmd, a.capture)
                c1 = os.times()
                times[tool].append((repo, dt))
                cpu_times[tool].append((repo, (c1.children_user - c0.children_user) + (c1.children_system - c0.children_system)))
                results[(repo, tool)] = stdout.strip() if tool == 'sluice' else licensee_result(stdout)
    right = {'sluice': 0, 'licensee': 0}
    print(f'{"repository":26} {"expected":40} {"sluice":40} licensee')
    for repo, dest, expected in repos:
        s, l = results[(repo, 'sluice')], results[(repo, 'licensee')]
        ok_s, ok_l = norm(s) == norm(expected), norm(l) == norm(expected)
        right['sluice'] += ok_s; right['licensee'] += ok_l
        print(f'{repo:26} {expected:40} {("" if ok_s else "x ") + s:40} {("" if ok_l else "x ") + l}')
    n = len(repos)
    med = {t: statistics.median(d for _, d in v) for t, v in times.items()}
    print(f'\nexactly right: sluice {right["sluice"]}/{n}, licensee {right["licensee"]}/{n}')
    print(f'median wall time per repository ({a.rounds} rounds, alternating): sluice {med["sluice"]*1000:.1f} ms, '
          f'licensee {med["licensee"]*1000:.1f} ms, ratio {med["licensee"]/med["sluice"]:.1f}x')
    same = sum(results[(repo, 'sluice-batch')] == results[(repo, 'sluice')] for repo, _, _ in repos)
    mb = statistics.median(batch)
    print(f'sluice, all {n} repositories in one process (parallel over repositories): median {mb*1000:.1f} ms per '
          f'repository, ratio to licensee {med["licensee"]/mb:.1f}x; same answers as one at a time: {same}/{n}')
    floor = statistics.median(timed(['/bin/true'], a.capture)[0] for _ in range(100))
    print(f'harness floor (/bin/true, output captured through {a.capture}): median {floor*1000:.2f} ms')
    cpu = {t: statistics.median(c for _, c in v) for t, v in cpu_times.items()}
    print(f'median CPU time (user+sys) per repository: sluice {cpu["sluice"]*1000:.1f} ms, licensee '
          f'{cpu["licensee"]*1000:.1f} ms, ratio {cpu["licensee"]/cpu["sluice"]:.1f}x')
    subprocess.run(['rm', '-rf', work])

if __name__ == '__main__':
    main()
