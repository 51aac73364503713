"""Driving a server with wrk (when installed): POST the benchmark body, report what loadgen.py reports."""

from __future__ import annotations

import json
import subprocess
import tempfile
from pathlib import Path
from typing import Any

SCRIPT = """
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = assert(io.open("%(body)s", "rb"))
wrk.body = f:read("*a")
f:close()
done = function(summary, latency, requests)
  local e = summary.errors
  io.write(string.format(
    'RESULT {"requests":%%d,"duration_us":%%d,"bytes":%%d,"p50_us":%%d,"p90_us":%%d,"p99_us":%%d,"max_us":%%d,'
    .. '"connect":%%d,"read":%%d,"write":%%d,"status":%%d,"timeout":%%d}\\n',
    summary.requests, summary.duration, summary.bytes, latency:percentile(50), latency:percentile(90),
    latency:percentile(99), latency.max, e.connect, e.read, e.write, e.status, e.timeout))
end
"""


def run_wrk(
    url: str, body: bytes, connections: int, duration: float, warmup: float, cores: list[int] | None
) -> dict[str, Any]:
    threads = max(1, min(len(cores) if cores else 1, connections))
    with tempfile.TemporaryDirectory() as tmp:
        body_path = Path(tmp, "body.json")
        body_path.write_bytes(body)
        script = Path(tmp, "post.lua")
        script.write_text(SCRIPT % {"body": body_path})
        prefix = ["taskset", "-c", ",".join(map(str, cores))] if cores else []

        def wrk(seconds: float) -> str:
            cmd = [
                *prefix,
                "wrk",
                f"-t{threads}",
                f"-c{connections}",
                f"-d{max(1, round(seconds))}s",
                "--timeout",
                "10s",
                "-s",
                str(script),
                url,
            ]
            return subprocess.run(cmd, capture_output=True, text=True, check=True, timeout=seconds + 60).stdout

        if warmup > 0:
            wrk(warmup)
        output = wrk(duration)
    line = next(x for x in output.splitlines() if x.startswith("RESULT "))
    raw = json.loads(line[len("RESULT ") :])
    seconds = raw["duration_us"] / 1e6
    return {
        "tool": "wrk",
        "connections": connections,
        "seconds": round(seconds, 3),
        "requests": raw["requests"],
        "rps": round(raw["requests"] / seconds, 1),
        "p50_ms": round(raw["p50_us"] / 1000, 2),
        "p90_ms": round(raw["p90_us"] / 1000, 2),
        "p99_ms": round(raw["p99_us"] / 1000, 2),
        "max_ms": round(raw["max_us"] / 1000, 2),
        "non_2xx": raw["status"],
        "errors": raw["connect"] + raw["read"] + raw["write"],
        "timeouts": raw["timeout"],
        "mb_read": round(raw["bytes"] / 1e6, 1),
    }
