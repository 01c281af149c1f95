"""Load generation for `benchmarks/service_speed.py`: a sequential keep-alive client for latency
(raw socket, a few microseconds of its own per request) and `wrk` for throughput.

httpx cannot measure a fast server (it saturates a core at ~400 requests/s); wrk is C and
reports its own latency percentiles. Both check that every answer is a 200.
"""

from __future__ import annotations

import json
import re
import shutil
import socket
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import psutil


@dataclass
class Request:
    """One prepared POST: path, JSON body and extra headers."""

    path: str
    body: bytes
    headers: dict[str, str]

    def raw(self, host: str, port: int) -> bytes:
        lines = [f"POST {self.path} HTTP/1.1", f"Host: {host}:{port}",
                 "Content-Type: application/json", f"Content-Length: {len(self.body)}",
                 *(f"{k}: {v}" for k, v in self.headers.items()), "", ""]
        return "\r\n".join(lines).encode() + self.body


class Connection:
    """One keep-alive HTTP/1.1 connection reading Content-Length bodies (BentoML's answers)."""

    def __init__(self, host: str, port: int):
        self.host, self.port = host, port
        self.sock = socket.create_connection((host, port))
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.buffer = b""

    def send(self, request: bytes) -> tuple[int, bytes]:
        self.sock.sendall(request)
        while b"\r\n\r\n" not in self.buffer:
            self._fill()
        head, _, rest = self.buffer.partition(b"\r\n\r\n")
        status = int(head.split(b" ", 2)[1])
        match = re.search(rb"(?i)\r\ncontent-length:\s*(\d+)", head)
        if match is None:
            raise RuntimeError(f"answer without Content-Length: {head[:200]!r}")
        length = int(match.group(1))
        while len(rest) < length:
            rest += self._recv()
        self.buffer = rest[length:]
        return status, rest[:length]

    def _recv(self) -> bytes:
        data = self.sock.recv(1 << 16)
        if not data:
            raise ConnectionError("server closed the connection")
        return data

    def _fill(self) -> None:
        self.buffer += self._recv()

    def close(self) -> None:
        self.sock.close()


def post_json(host: str, port: int, request: Request) -> object:
    """One request, its JSON answer (setup calls such as /warnings)."""
    conn = Connection(host, port)
    try:
        status, body = conn.send(request.raw(host, port))
    finally:
        conn.close()
    if status != 200:
        raise RuntimeError(f"{request.path} answered {status}: {body[:300]!r}")
    return json.loads(body)


def sequential(host: str, port: int, requests: list[Request], count: int,
               check: bool = True) -> np.ndarray:
    """Latency in ms of `count` requests one after another over one connection, taking the
    requests round-robin."""
    raws = [r.raw(host, port) for r in requests]
    conn = Connection(host, port)
    out = np.empty(count)
    try:
        for i in range(count):
            start = time.perf_counter()
            status, body = conn.send(raws[i % len(raws)])
            out[i] = (time.perf_counter() - start) * 1000
            if check and status != 200:
                raise RuntimeError(f"request {i} answered {status}: {body[:300]!r}")
    finally:
        conn.close()
    return out


@dataclass
class Throughput:
    requests: int
    seconds: float
    errors: int            # non-2xx answers, socket errors and timeouts
    p50_ms: float
    p99_ms: float
    p999_ms: float         # from the Lua script's done(): wrk prints no p99.9 itself
    client_cpu: float      # cores used by wrk
    server_cpu: float      # cores used by the server's process tree
    other_cpu: float       # cores used by everything else on the machine meanwhile

    @property
    def rate(self) -> float:
        return self.requests / self.seconds


LUA = """
local bodies = {BODIES}
local headers = {HEADERS}
local prepared = {}
local n = 0
init = function(args)
  for i, body in ipairs(bodies) do
    prepared[i] = wrk.format("POST", "{PATH}", headers, body)
  end
  n = math.random(#prepared)  -- threads start at different firms
end
request = function()
  n = n % #prepared + 1
  return prepared[n]
end
done = function(summary, latency, requests)
  io.write(string.format("p99.9 %dus\\n", latency:percentile(99.9)))
end
"""


def _lua_string(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'


def wrk_script(requests: list[Request]) -> str:
    """A Lua script sending the requests round-robin (same path and headers for all)."""
    headers = {"Content-Type": "application/json", **requests[0].headers}
    lua_headers = "{" + ", ".join(f"[{_lua_string(k)}] = {_lua_string(v)}"
                                  for k, v in headers.items()) + "}"
    bodies = "{" + ",\n".join(_lua_string(r.body.decode()) for r in requests) + "}"
    return (LUA.replace("{BODIES}", bodies).replace("{HEADERS}", lua_headers)
            .replace("{PATH}", requests[0].path))


def _tree_cpu(pid: int) -> float:
    """CPU seconds (user + system) used so far by a process and its children."""
    total = 0.0
    try:
        root = psutil.Process(pid)
        for proc in [root, *root.children(recursive=True)]:
            try:
                t = proc.cpu_times()
                total += t.user + t.system
            except psutil.NoSuchProcess:
                pass
    except psutil.NoSuchProcess:
        pass
    return total


def _busy() -> float:
    """CPU seconds the whole machine has been busy (all cores)."""
    t = psutil.cpu_times()
    return sum(t) - t.idle - getattr(t, "iowait", 0.0)


def _wrk_ms(text: str) -> float:
    value, unit = re.fullmatch(r"([\d.]+)(us|ms|s|m)", text).groups()  # type: ignore[union-attr]
    return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0, "m": 60_000.0}[unit]


def wrk(url: str, requests: list[Request], seconds: float, connections: int, threads: int,
        server_pid: int) -> Throughput:
    """Requests/s under `connections` concurrent keep-alive connections for `seconds`."""
    if shutil.which("wrk") is None:
        raise SystemExit("throughput needs wrk (apt-get install -y wrk)")
    with tempfile.TemporaryDirectory() as tmp:
        script = Path(tmp) / "post.lua"
        script.write_text(wrk_script(requests))
        server_before, busy_before = _tree_cpu(server_pid), _busy()
        start = time.perf_counter()
        proc = psutil.Popen(["wrk", "-t", str(threads), "-c", str(connections),
                             "-d", f"{seconds:.0f}s", "--timeout", "10s", "--latency",
                             "-s", str(script), url], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True)
        client_cpu = 0.0
        while proc.poll() is None:  # sample: psutil cannot read a reaped process
            try:
                t = proc.cpu_times()
                client_cpu = t.user + t.system
            except psutil.NoSuchProcess:
                break
            time.sleep(0.2)
        out = proc.stdout.read() if proc.stdout else ""
        wall = time.perf_counter() - start
        server_cpu = _tree_cpu(server_pid) - server_before
        other_cpu = _busy() - busy_before - server_cpu - client_cpu
    total = re.search(r"(\d+) requests in ([\d.]+)(m?s)", out)
    if total is None or proc.returncode != 0:
        raise RuntimeError(f"wrk failed:\n{out}")
    seconds_run = float(total.group(2)) * (60 if total.group(3) == "m" else 1)
    errors = sum(int(m) for m in re.findall(r"Non-2xx or 3xx responses: (\d+)", out))
    socket_errors = re.search(r"Socket errors: connect (\d+), read (\d+), write (\d+), "
                              r"timeout (\d+)", out)
    if socket_errors:
        errors += sum(int(g) for g in socket_errors.groups())
    p50 = re.search(r"^\s+50%\s+(\S+)", out, re.M)
    p99 = re.search(r"^\s+99%\s+(\S+)", out, re.M)
    p999 = re.search(r"^p99\.9 (\S+)", out, re.M)
    return Throughput(int(total.group(1)), seconds_run, errors,
                      _wrk_ms(p50.group(1)) if p50 else float("nan"),
                      _wrk_ms(p99.group(1)) if p99 else float("nan"),
                      _wrk_ms(p999.group(1)) if p999 else float("nan"),
                      client_cpu / wall, server_cpu / wall, max(other_cpu, 0.0) / wall)
