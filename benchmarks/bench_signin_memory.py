"""Memory of simultaneous sign-ins: the server's peak resident memory when N people sign in at once.

Run: .venv/bin/python benchmarks/bench_signin_memory.py [--n 20] [--src src]

Each argon2 check takes 64 MiB for its duration; with no bound, N sign-ins at once take N × 64 MiB
on top of the app. backcare lets ``HASHING_AT_ONCE`` run at a time per process, so the peak should
stay near the app's own size plus that many. ``--src`` points at another checkout's ``src`` folder
to measure an older version the same way (the script speaks both the old token forms and the new
header rule). The server is one uvicorn worker on SQLite; the figures are its VmHWM (peak RSS)
before and after the burst, from /proc.
"""

from __future__ import annotations

import argparse
import http.cookiejar
import os
import re
import socket
import subprocess
import sys
import tempfile
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "correct horse battery"
QUIET = ("--log-level", "warning")

MAKE_ACCOUNTS = """
import sys
from datetime import UTC, datetime
from argon2 import PasswordHasher
from backcare.store import community as db
from backcare.store.repo import Store
store = Store(sys.argv[1])
hashed = PasswordHasher().hash(sys.argv[3])
with store.transaction() as s:
    for i in range(int(sys.argv[2]) + 1):
        db.create_account(s, f"person{i}", hashed, False, datetime.now(UTC))
store.close()
"""


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def peak_kib(pid: int) -> tuple[int, int]:
    """(VmRSS, VmHWM) of the process in KiB."""
    status = Path(f"/proc/{pid}/status").read_text()
    rss = int(re.search(r"VmRSS:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    hwm = int(re.search(r"VmHWM:\s+(\d+)", status).group(1))  # type: ignore[union-attr]
    return rss, hwm


def sign_in(base: str, name: str, results: list[int], start: threading.Barrier | None) -> None:
    jar = http.cookiejar.CookieJar()
    opener = urllib.request.build_opener(urllib.request.HTTPCookieProcessor(jar))
    browser = {"Sec-Fetch-Site": "same-origin", "Origin": base}
    opener.open(urllib.request.Request(f"{base}/account/login", headers=browser)).read()
    form = {"username": name, "password": PASSWORD}
    token = next((c.value for c in jar if c.name == "csrftoken"), None)
    if token:  # the version before the header rule: asgi-csrf's double-submit token
        form["csrftoken"] = token
    data = urllib.parse.urlencode(form).encode()
    if start is not None:
        start.wait()
    try:
        with opener.open(urllib.request.Request(f"{base}/account/login", data=data, headers=browser)) as r:
            results.append(r.status)
    except urllib.error.HTTPError as exc:
        results.append(exc.code)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--n", type=int, default=20)
    parser.add_argument("--src", default=str(ROOT / "src"))
    args = parser.parse_args()
    folder = tempfile.mkdtemp()
    url = f"sqlite:///{folder}/bench.sqlite3"
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(args.src).resolve()),
        "BACKCARE_MODE": "server",
        "BACKCARE_SECRET_KEY": "b" * 40,
        "BACKCARE_DATABASE_URL": url,
        "BACKCARE_SECURE_COOKIES": "0",
        "BACKCARE_ALLOWED_HOSTS": "127.0.0.1",
    }
    subprocess.run([sys.executable, "-c", MAKE_ACCOUNTS, url, str(args.n), PASSWORD], env=env, check=True)
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "uvicorn", "backcare.web.serve:app_from_env", "--factory", *QUIET, "--port", str(port)],
        env=env,
        stderr=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(200):
            try:
                urllib.request.urlopen(f"{base}/healthz").read()
                break
            except OSError:
                time.sleep(0.1)
        warm: list[int] = []
        sign_in(base, f"person{args.n}", warm, None)  # imports, argon2 and the pool loaded once
        time.sleep(0.5)
        before = peak_kib(server.pid)
        results: list[int] = []
        start = threading.Barrier(args.n)
        threads = [threading.Thread(target=sign_in, args=(base, f"person{i}", results, start)) for i in range(args.n)]
        began = time.perf_counter()
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        took = time.perf_counter() - began
        after = peak_kib(server.pid)
    finally:
        server.terminate()
        server.wait()
    codes = {c: results.count(c) for c in sorted(set(results))}
    print(f"source: {args.src}")
    print(f"warm-up sign-in: {warm}; {args.n} simultaneous sign-ins: status codes {codes}, {took:.2f} s")
    print(f"server RSS after warm-up: {before[0] / 1024:.0f} MiB (peak so far {before[1] / 1024:.0f} MiB)")
    print(f"server peak RSS after the burst: {after[1] / 1024:.0f} MiB (+{(after[1] - before[1]) / 1024:.0f} MiB)")


if __name__ == "__main__":
    main()
