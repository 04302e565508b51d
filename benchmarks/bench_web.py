"""Web speed: the assessment API under load against a bare FastAPI JSON endpoint, same server
settings, same run; and the first-load weight of every page.

Run: .venv/bin/python benchmarks/bench_web.py [--seconds 10] [--connections 16]

Needs ``wrk`` (Debian package ``wrk``: ``apt-get install wrk``). Both servers run as one uvicorn
worker pinned to one core, wrk on the other core. Target: the assessment endpoint reaches at least
half the bare endpoint's throughput; every page sends at most 100 KB on first load.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

BARE_APP = """
from typing import Any
from fastapi import Body, FastAPI
app = FastAPI()

@app.post("/api/v1/assess")
def assess(payload: dict[str, Any] = Body(...)) -> dict[str, Any]:
    return {"ok": True, "answers": len(payload.get("answers", {}))}
"""
LUA = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.body = [[%s]]
"""
PAGES = ["/", "/check", "/plan", "/prevent", "/diary", "/report", "/learn", "/learn/treatment", "/api/docs"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def pinned(cmd: list[str], core: int) -> list[str]:
    return ["taskset", "-c", str(core), *cmd] if shutil.which("taskset") and (os.cpu_count() or 1) > 1 else cmd


def start(args: list[str], env: dict[str, str]) -> tuple[subprocess.Popen[bytes], int]:
    port = free_port()
    cmd = [
        sys.executable,
        "-m",
        "uvicorn",
        *args,
        "--host",
        "127.0.0.1",
        "--port",
        str(port),
        "--workers",
        "1",
        "--log-level",
        "warning",
        "--no-access-log",
    ]
    proc = subprocess.Popen(pinned(cmd, 0), env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            urllib.request.urlopen(
                f"http://127.0.0.1:{port}/docs" if "bare" in args[0] else f"http://127.0.0.1:{port}/healthz", timeout=1
            )
            return proc, port
        except OSError:
            time.sleep(0.2)
    proc.kill()
    raise SystemExit(f"server {args[0]} did not start")


def wrk(port: int, body: str, seconds: int, connections: int, folder: Path) -> dict[str, float]:
    script = folder / "post.lua"
    script.write_text(LUA % body)
    cmd = [
        "wrk",
        "-t1",
        f"-c{connections}",
        f"-d{seconds}s",
        "--latency",
        "-s",
        str(script),
        f"http://127.0.0.1:{port}/api/v1/assess",
    ]
    out = subprocess.run(pinned(cmd, 1), capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", out).group(1))  # type: ignore[union-attr]

    def ms(label: str) -> float:
        value, unit = re.search(rf"{label}%\s+([\d.]+)(us|ms|s)", out).groups()  # type: ignore[union-attr]
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]

    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", out)
    return {
        "rps": rate,
        "p50": ms("50"),
        "p90": ms("90"),
        "p99": ms("99"),
        "non_2xx": float(errors.group(1)) if errors else 0.0,
    }


def page_weights(port: int) -> dict[str, int]:
    weights = {}
    for path in PAGES:
        html = urllib.request.urlopen(f"http://127.0.0.1:{port}{path}", timeout=10).read()
        assets = re.findall(rb'(?:src|href)="(/static/[^"]+\.(?:css|js))"', html)
        weights[path] = len(html) + sum(
            len(urllib.request.urlopen(f"http://127.0.0.1:{port}{a.decode()}").read()) for a in set(assets)
        )
    return weights


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=16)
    args = parser.parse_args()
    if not shutil.which("wrk"):
        raise SystemExit("wrk is not installed: apt-get install wrk")
    from tests.conftest import ORDINARY

    answers = {k: list(v) if isinstance(v, tuple) else v for k, v in {**ORDINARY, "back_pain_present": "yes"}.items()}
    bodies = {
        "first question (no answers)": json.dumps({"answers": {}}),
        "complete check (result)": json.dumps({"answers": answers}),
    }
    with tempfile.TemporaryDirectory() as tmp:
        folder = Path(tmp)
        (folder / "bare_app.py").write_text(BARE_APP)
        env = {
            **os.environ,
            "BACKCARE_DATABASE_URL": f"sqlite:///{folder / 'bench.sqlite3'}",
            "PYTHONPATH": str(folder),
        }
        ours, our_port = start(["backcare.web.serve:app_from_env", "--factory"], env)
        bare, bare_port = start(["bare_app:app"], env)
        try:
            for port in (bare_port, our_port):  # warm up: first requests load the knowledge base
                wrk(port, bodies["complete check (result)"], 2, args.connections, folder)
            results = {
                "bare FastAPI JSON endpoint": wrk(
                    bare_port, bodies["complete check (result)"], args.seconds, args.connections, folder
                )
            }
            for label, body in bodies.items():
                results[f"backcare /api/v1/assess, {label}"] = wrk(
                    our_port, body, args.seconds, args.connections, folder
                )
            weights = page_weights(our_port)
        finally:
            for proc in (ours, bare):
                proc.terminate()
                proc.wait(timeout=10)
    base = results["bare FastAPI JSON endpoint"]["rps"]
    print(f"wrk: 1 thread, {args.connections} connections, {args.seconds} s each; uvicorn, 1 worker, pinned to core 0")
    print(f"{'endpoint':58} {'req/s':>9} {'vs bare':>8} {'p50 ms':>8} {'p90 ms':>8} {'p99 ms':>8}")
    for label, r in results.items():
        print(
            f"{label:58} {r['rps']:9,.0f} {r['rps'] / base:8.2f} {r['p50']:8.2f} {r['p90']:8.2f} {r['p99']:8.2f}"
            + (f"  non-2xx: {r['non_2xx']:.0f}" if r["non_2xx"] else "")
        )
    print("first-load weight (HTML + linked CSS/JS):")
    for path, size in weights.items():
        print(f"  {path:28} {size / 1024:7.1f} KB {'OK' if size <= 100_000 else 'OVER 100 KB'}")
    worst = min(r["rps"] for label, r in results.items() if label.startswith("backcare"))
    ok = worst >= base / 2 and all(size <= 100_000 for size in weights.values())
    print("targets met" if ok else "TARGET MISSED")
    return 0 if ok else 1


if __name__ == "__main__":
    raise SystemExit(main())
