"""Load test of the service: requests/s and latency percentiles for the main read endpoints, over loopback.

Starts ``newsweave.service.app.run`` (uvicorn, ``--workers`` processes, default one) on 127.0.0.1 in a
subprocess over a store, then sends a fixed number of GET requests to each endpoint — the story list, a story page
(API and HTML), an entity page (API and HTML), quotes, search — from ``--concurrency`` client
threads, and reports per endpoint the requests per second, the p50/p95/max latency and the server's CPU
time per request (from /proc: what the answer costs, whatever else the machine is doing), as
JSON and Markdown. Ids come from the store's own lists (the most active stories, the most mentioned
entities), search words from the story titles, so the same store gives the same requests.
No request sends If-None-Match. The service keeps built answers by ETag (``Settings.api_cache_mb``):
with ``--no-cache`` it keeps none, so every answer is built in full; by default a page asked for again
(the requests cycle over 50 stories and entities, so about half of them ask for a page asked for
before) is served as built before. Run both to see the cold cost and the served one.

A SQLite store is copied first (opening a store migrates it, which builds the full-text index of
an older one) unless ``--in-place``; a PostgreSQL store is used as it is. The run fails (exit 2)
when the server does not start or no request succeeded.

Usage:

    nice python bench/bench_service.py --db sqlite:////work/stores/store-3000.db [--requests 200]
        [--concurrency 4] [--out bench/out/service]
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import signal
import socket
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx

from _common import die, note

STARTUP_S = 600.0  # a large older store gets its full-text index built when it opens


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def store_copy(url: str, in_place: bool) -> Iterator[str]:
    """The URL to serve: a copy of a SQLite store (unless ``in_place``), else ``url`` itself."""
    if in_place or not url.startswith("sqlite:///"):
        yield url
        return
    path = Path(url.removeprefix("sqlite:///"))
    if not path.is_file():
        die(f"no SQLite store at {path}")
    with tempfile.TemporaryDirectory(prefix="bench-service-") as tmp:
        target = Path(tmp) / path.name
        # immutable: read the file without creating -wal/-shm beside it (only when no WAL holds pending pages)
        mode = "ro" if Path(f"{path}-wal").exists() else "ro&immutable=1"
        src, dst = sqlite3.connect(f"file:{path}?mode={mode}", uri=True), sqlite3.connect(target)
        with dst:
            src.backup(dst)
        src.close()
        dst.close()
        yield f"sqlite:///{target}"


@contextmanager
def server(url: str, port: int, cache_mb: int | None = None, workers: int = 1) -> Iterator[subprocess.Popen[bytes]]:
    """``newsweave.service.app.run`` on 127.0.0.1:``port`` in a subprocess (``workers`` server processes),
    until the block ends."""
    cache = "" if cache_mb is None else f", api_cache_mb={int(cache_mb)}"
    code = ("import logging, sys; logging.basicConfig(level=logging.WARNING)\n"
            "from newsweave.config import Settings\nfrom newsweave.service.app import run\n"
            f"run('127.0.0.1', {port}, Settings(db_url=sys.argv[1], api_token=None{cache}), workers={int(workers)})")
    env = {k: v for k, v in os.environ.items() if k not in ("NEWSWEAVE_API_PROTECT_READS", "NEWSWEAVE_DB")}
    log = tempfile.TemporaryFile()  # noqa: SIM115 (the server's output, read when it dies; closed below)
    proc = subprocess.Popen([sys.executable, "-c", code, url], stdout=log, stderr=subprocess.STDOUT, env=env)
    try:
        deadline = time.monotonic() + STARTUP_S
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                log.seek(0)
                die(f"the server exited ({proc.returncode}): {log.read().decode(errors='replace')[-2000:]}")
            try:
                if httpx.get(f"http://127.0.0.1:{port}/api/health", timeout=5).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.5)
        else:
            die(f"the server did not answer within {STARTUP_S:.0f} s")
        yield proc
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
        log.close()


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU seconds a process and its descendants (the server's workers) have used (Linux
    /proc), or None where there is no /proc."""
    stats: dict[int, list[str]] = {}
    for entry in Path("/proc").glob("[0-9]*"):
        try:
            stats[int(entry.name)] = (entry / "stat").read_text().rsplit(")", 1)[1].split()
        except (OSError, ValueError):
            continue
    if pid not in stats:
        return None
    tree, grew = {pid}, True
    while grew:
        more = {p for p, f in stats.items() if int(f[1]) in tree} - tree
        grew = bool(more)
        tree |= more
    return sum(int(stats[p][11]) + int(stats[p][12]) for p in tree) / os.sysconf("SC_CLK_TCK")


def plan(client: httpx.Client, n: int) -> dict[str, list[tuple[str, dict[str, str]]]]:
    """The requests to send per endpoint (``n`` each), from the store's own lists."""
    stories = client.get("/api/stories", params={"limit": 50}).json()["items"]
    entities = client.get("/api/entities", params={"limit": 50}).json()["items"]
    if not stories or not entities:
        die("the store has no stories or no entities to ask for")
    words = [w for s in stories for w in re.findall(r"[A-Za-z]{6,}", s["label"])][:40] or ["government"]
    speakers = [e["id"] for e in entities if e.get("kind") == "person"][:20] or [entities[0]["id"]]
    html = {"accept": "text/html"}
    web = client.get(f"/stories/{stories[0]['id']}", headers=html).status_code == 200
    total = client.get("/api/stories", params={"limit": 1}).json()["total"]

    def cycle(items: list[Any], k: int) -> Any:
        return items[k % len(items)]

    out: dict[str, list[tuple[str, dict[str, str]]]] = {
        "story list (API)": [(f"/api/stories?limit=50&offset={(k * 50) % max(total, 1)}", {}) for k in range(n)],
        "story page (API)": [(f"/api/stories/{cycle(stories, k)['id']}", {}) for k in range(n)],
        "entity page (API)": [(f"/api/entities/{cycle(entities, k)['id']}", {}) for k in range(n)],
        "quotes by speaker (API)": [(f"/api/quotes?speaker={cycle(speakers, k)}&limit=50", {}) for k in range(n)],
        "search (API)": [(f"/api/search?q={cycle(words, k)}&limit=20", {}) for k in range(n)],
    }
    if web:
        out["story list (HTML)"] = [("/", html) for _ in range(n)]
        out["story page (HTML)"] = [(f"/stories/{cycle(stories, k)['id']}", html) for k in range(n)]
        out["entity page (HTML)"] = [(f"/entities/{cycle(entities, k)['id']}", html) for k in range(n)]
    else:
        note("the web UI does not answer /stories/{id}: HTML pages are not measured")
    return out


def measure(base: str, requests: list[tuple[str, dict[str, str]]], concurrency: int) -> dict[str, Any]:
    """Send the requests from ``concurrency`` threads; latency per request and the wall time of all."""
    latencies: list[float] = []
    sizes: list[int] = []
    errors: list[str] = []
    lock = threading.Lock()
    todo = iter(requests)

    def worker() -> None:
        with httpx.Client(base_url=base, timeout=120) as client:
            while True:
                with lock:
                    item = next(todo, None)
                if item is None:
                    return
                path, headers = item
                start = time.perf_counter()
                try:
                    r = client.get(path, headers=headers)
                    ok, what = r.status_code == 200, f"{r.status_code} {path}"
                    size = len(r.content)
                except httpx.HTTPError as exc:
                    ok, what, size = False, f"{type(exc).__name__} {path}", 0
                took = time.perf_counter() - start
                with lock:
                    if ok:
                        latencies.append(took)
                        sizes.append(size)
                    else:
                        errors.append(what)

    start = time.perf_counter()
    threads = [threading.Thread(target=worker) for _ in range(concurrency)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    wall = time.perf_counter() - start
    ms = sorted(x * 1000 for x in latencies)

    def pct(p: float) -> float | None:
        return round(ms[min(len(ms) - 1, round(p / 100 * (len(ms) - 1)))], 1) if ms else None

    return {"requests": len(requests), "ok": len(ms), "errors": len(errors), "first_errors": errors[:3],
            "requests_per_s": round(len(ms) / wall, 1) if wall > 0 else None,
            "p50_ms": pct(50), "p95_ms": pct(95), "max_ms": round(ms[-1], 1) if ms else None,
            "mean_ms": round(statistics.fmean(ms), 1) if ms else None,
            "mean_kb": round(statistics.fmean(sizes) / 1024, 1) if sizes else None}


def markdown(result: dict[str, Any]) -> str:
    lines = [f"Service load test: {result['store']} ({result['articles']} articles), {result['requests']} requests "
             f"per endpoint, {result['concurrency']} client threads, uvicorn {result['workers']} process(es) on "
             f"127.0.0.1, answer cache "
             f"{result['answer_cache']}; "
             f"{result['machine']}.", "",
             "| endpoint | ok | errors | requests/s | p50 ms | p95 ms | max ms | server CPU ms/request | KB/answer |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for name, r in result["endpoints"].items():
        lines.append(f"| {name} | {r['ok']} | {r['errors']} | {r['requests_per_s']} | {r['p50_ms']} | "
                     f"{r['p95_ms']} | {r['max_ms']} | {r['server_cpu_ms']} | {r['mean_kb']} |")
    return "\n".join(lines) + "\n"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--db", required=True, help="store URL (sqlite:///FILE or postgresql+psycopg://...)")
    ap.add_argument("--requests", type=int, default=200, help="requests per endpoint (default 200)")
    ap.add_argument("--concurrency", type=int, default=4, help="client threads (default 4)")
    ap.add_argument("--warmup", type=int, default=5, help="requests per endpoint sent first and not counted")
    ap.add_argument("--out", type=Path, default=Path("bench/out/service"), help="folder for the JSON and Markdown")
    ap.add_argument("--in-place", action="store_true", help="serve a SQLite store without copying it first")
    ap.add_argument("--no-cache", action="store_true", help="the service keeps no built answer (every one is built)")
    ap.add_argument("--workers", type=int, default=1, help="server processes (newsweave serve --workers; default 1)")
    args = ap.parse_args()
    if args.requests < 1 or args.concurrency < 1:
        die("--requests and --concurrency must be at least 1")
    port = free_port()
    load_start = os.getloadavg()[0]
    with store_copy(args.db, args.in_place) as url, \
            server(url, port, 0 if args.no_cache else None, args.workers) as proc:
        base = f"http://127.0.0.1:{port}"
        with httpx.Client(base_url=base, timeout=120) as client:
            health = client.get("/api/health").json()
            requests = plan(client, args.requests)
        endpoints: dict[str, Any] = {}
        for name, reqs in requests.items():
            measure(base, reqs[: args.warmup], 1)
            before = cpu_seconds(proc.pid)
            endpoints[name] = measure(base, reqs, args.concurrency)
            after = cpu_seconds(proc.pid)
            ok = endpoints[name]["ok"]
            endpoints[name]["server_cpu_ms"] = (round((after - before) * 1000 / ok, 1)
                                                if before is not None and after is not None and ok else None)
            note(f"{name}: {endpoints[name]['ok']} ok, p95 {endpoints[name]['p95_ms']} ms")
    result = {"store": args.db, "articles": health["articles"], "backend": health["store"],
              "answer_cache": "off (--no-cache)" if args.no_cache else "on (Settings.api_cache_mb)",
              "workers": args.workers,
              "requests": args.requests, "concurrency": args.concurrency,
              "machine": f"{platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, "
                         f"load average {load_start:.1f} at the start, {os.getloadavg()[0]:.1f} at the end",
              "endpoints": endpoints}
    if not any(r["ok"] for r in endpoints.values()):
        die("no request succeeded: nothing was measured")
    args.out.mkdir(parents=True, exist_ok=True)
    (args.out / "service.json").write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    (args.out / "service.md").write_text(markdown(result), encoding="utf-8")
    print(markdown(result))
    failed = {n: r["errors"] for n, r in endpoints.items() if r["errors"]}
    if failed:
        die(f"requests failed: {failed}")


if __name__ == "__main__":
    main()
