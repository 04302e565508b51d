"""Simultaneous wrong passwords for one name: how many are checked where the limit allows 5.

Run: .venv/bin/python benchmarks/bench_signin_race.py [--n 20] [--url DATABASE_URL] [--src src]

N threads wait at a barrier, then each calls the sign-in use-case with a wrong password for the
same name from the same address, against one database (a fresh SQLite file unless ``--url`` names
an empty database, e.g. a new PostgreSQL one). ``--src`` points at another checkout's ``src``
folder to run an older version the same way; the figure is printed per outcome.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RACE = """
import sys, threading
from concurrent.futures import ThreadPoolExecutor
from backcare.service import community
from backcare.store.repo import Store

url, n = sys.argv[1], int(sys.argv[2])
store = Store(url)
try:
    community.register(store, "target", "correct horse battery", "correct horse battery", client="192.0.2.1")
except TypeError:  # a version without per-address registration limits
    community.register(store, "target", "correct horse battery", "correct horse battery")
start = threading.Barrier(n)

def attempt(i):
    start.wait()
    try:
        community.authenticate(store, "target", f"guess {i}", "203.0.113.50")
        return "checked"
    except community.TooManyAttempts:
        return "refused"

with ThreadPoolExecutor(n) as pool:
    outcomes = list(pool.map(attempt, range(n)))
store.close()
print(f"{n} simultaneous wrong passwords: checked {outcomes.count('checked')}, refused {outcomes.count('refused')}")
"""


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--url", default=None)
    parser.add_argument("--src", default=str(ROOT / "src"))
    args = parser.parse_args()
    url = args.url or f"sqlite:///{tempfile.mkdtemp()}/race.sqlite3"
    env = {**os.environ, "PYTHONPATH": str(Path(args.src).resolve())}
    print(f"source: {args.src}; database: {url.split(':')[0]}")
    subprocess.run([sys.executable, "-c", RACE, url, str(args.n)], env=env, check=True)


if __name__ == "__main__":
    main()
