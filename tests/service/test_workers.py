"""``newsweave serve --workers N``: several server processes over one store, each with the service's settings."""

from __future__ import annotations

import signal
import socket
import subprocess
import sys
import time
from typing import Any

import httpx
import pytest
from typer.testing import CliRunner

from newsweave.cli import app as cli_app
from tests.service.conftest import TOKEN

SERVER = ("import sys; from newsweave.config import Settings; from newsweave.service.app import run\n"
          "run('127.0.0.1', int(sys.argv[2]), Settings(db_url=sys.argv[1], api_token=sys.argv[3]), workers=2)")


def _port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.mark.slow
def test_two_workers_share_the_store_and_the_jobs(fresh_copy: Any) -> None:
    with fresh_copy() as url:
        port = _port()
        base = f"http://127.0.0.1:{port}"
        proc = subprocess.Popen([sys.executable, "-c", SERVER, url, str(port), TOKEN],
                                stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 120
            while True:
                assert proc.poll() is None and time.monotonic() < deadline, "the server did not start"
                try:
                    if httpx.get(f"{base}/api/health", timeout=5).status_code == 200:
                        break
                except httpx.HTTPError:
                    time.sleep(0.5)
            stories = httpx.get(f"{base}/api/stories", timeout=30).json()
            assert stories["total"] >= 1
            # the token reached every worker: ingest without it is refused, with it accepted
            record = {"id": "w1", "text": "Workers of one service read the same store, said the operators."}
            assert httpx.post(f"{base}/api/ingest", json={"articles": [record]}, timeout=30).status_code == 401
            r = httpx.post(f"{base}/api/ingest", json={"articles": [record], "analyze": False}, timeout=30,
                           headers={"Authorization": f"Bearer {TOKEN}"})
            assert r.status_code == 202
            job_id = r.json()["id"]
            seen = set()
            for _ in range(400):  # a new connection each time: the workers take turns answering
                got = httpx.get(f"{base}/api/ingest/jobs/{job_id}", timeout=30,
                                headers={"Authorization": f"Bearer {TOKEN}"})
                assert got.status_code == 200, got.text  # whichever worker answers knows the job
                seen.add(got.json()["status"])
                if got.json()["status"] == "done":
                    break
                time.sleep(0.05)
            assert "done" in seen
            listed = httpx.get(f"{base}/api/ingest/jobs", timeout=30, headers={"Authorization": f"Bearer {TOKEN}"})
            assert job_id in {j["id"] for j in listed.json()}
        finally:
            proc.send_signal(signal.SIGINT)
            try:
                proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                proc.kill()
                proc.wait()


def test_watching_needs_one_worker() -> None:
    result = CliRunner().invoke(cli_app, ["serve", "--db", "sqlite://", "--watch", "feeds.txt", "--workers", "2"])
    assert result.exit_code == 2 and "feeds are watched by one process" in result.output
