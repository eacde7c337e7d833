"""Run template functions like Lambda: one warm worker process per concurrent invocation.

Each function gets a small pool of ``local/worker.py`` processes with exactly its environment
(template env vars + moto endpoint + Lambda's reserved variables), its CodeUri and its layers on
PYTHONPATH and binary layers on PATH.  The template Timeout is enforced by killing the worker's
process group (ffmpeg children included); the next invocation gets a fresh worker.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import queue
import signal
import subprocess
import sys
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from local.layers import LayerSet
from local.views import Function

log = logging.getLogger("local.runtime")
fn_log = logging.getLogger("local.functions")
WORKER_SCRIPT = Path(__file__).with_name("worker.py")
HOST_ENV_KEYS = ("PATH", "HOME", "LANG", "LC_ALL", "LC_CTYPE", "TMPDIR", "SSL_CERT_FILE", "SSL_CERT_DIR")
INIT_TIMEOUT = 30.0
# Every function here shares one moto whose DynamoDB runs one call at a time (see moto_server.py)
# and two cores, so a call AWS answers in milliseconds can wait seconds behind a crowd. `python -m
# local` (and the e2e stack) set this floor to 15 s: shorter timeouts (the authorizer's 5 s) are
# raised to it there; longer ones are kept as written. Unset (0) elsewhere, as in the runtime tests.
MIN_TIMEOUT_ENV = "MEDIAFLOW_LOCAL_MIN_TIMEOUT_S"


@dataclass
class Invocation:
    """Outcome of one invocation: ``result`` or a Lambda-shaped ``error`` payload."""

    request_id: str
    result: Any = None
    error: dict[str, Any] | None = None
    duration_ms: float = 0.0

    @property
    def ok(self) -> bool:
        return self.error is None


class FunctionError(Exception):
    """Raised by ``Runtime.invoke`` when the function failed (unhandled error, timeout, crash)."""

    def __init__(self, function: str, error: dict[str, Any]) -> None:
        super().__init__(f"{function}: {error.get('errorType')}: {error.get('errorMessage')}")
        self.error = error


def _pump(stream: IO[bytes], prefix: str) -> None:
    for raw in iter(stream.readline, b""):
        fn_log.info("%s %s", prefix, raw.decode(errors="replace").rstrip("\n"))
    stream.close()


class Worker:
    """One worker process and the two pipes of its protocol."""

    def __init__(self, fn: Function, env: dict[str, str], pythonpath: list[str]) -> None:
        self.fn = fn
        req_r, self._req_w = os.pipe()
        self._resp_r, resp_w = os.pipe()
        config = {
            "handler": fn.handler,
            "function_name": fn.name,
            "function_arn": fn.arn,
            "memory_size": fn.memory_size,
            "log_stream": f"{time.strftime('%Y/%m/%d')}/[$LATEST]{uuid.uuid4().hex}",
            "pythonpath": pythonpath,
            "request_fd": req_r,
            "response_fd": resp_w,
        }
        self.proc = subprocess.Popen(
            [sys.executable, str(WORKER_SCRIPT), json.dumps(config)],
            cwd=fn.code_uri if fn.code_uri.is_dir() else None,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            pass_fds=(req_r, resp_w),
            start_new_session=True,  # Ctrl-C reaches the stack, not the workers; killpg on timeout
        )
        os.close(req_r)
        os.close(resp_w)
        self._requests = os.fdopen(self._req_w, "wb")
        self._responses: queue.Queue[dict[str, Any] | None] = queue.Queue()
        prefix = f"[{fn.logical_id}]"
        self._pumps = [
            threading.Thread(target=_pump, args=(stream, prefix), daemon=True)
            for stream in (self.proc.stdout, self.proc.stderr)
        ]
        for pump in self._pumps:
            pump.start()
        threading.Thread(target=self._read_responses, daemon=True).start()
        self.init_ms: float | None = None
        self.init_error: dict[str, Any] | None = None

    def _read_responses(self) -> None:
        with os.fdopen(self._resp_r, "rb") as stream:
            for line in stream:
                self._responses.put(json.loads(line))
        self._responses.put(None)

    @property
    def alive(self) -> bool:
        return self.proc.poll() is None

    def wait_ready(self) -> None:
        message = self._next(INIT_TIMEOUT)
        if message is None or "error" not in message:
            raise TimeoutError(f"{self.fn.logical_id}: worker did not start")
        self.init_ms = message.get("init_ms")
        self.init_error = message["error"]

    def _next(self, timeout: float) -> dict[str, Any] | None:
        try:
            return self._responses.get(timeout=timeout)
        except queue.Empty:
            return None

    def invoke(self, event: Any, request_id: str) -> Invocation:
        started = time.monotonic()
        timeout = max(self.fn.timeout, float(os.environ.get(MIN_TIMEOUT_ENV) or 0))
        deadline_ms = int((time.time() + timeout) * 1000)
        request = {"request_id": request_id, "deadline_ms": deadline_ms, "event": event}
        try:
            self._requests.write(json.dumps(request).encode() + b"\n")
            self._requests.flush()
        except (BrokenPipeError, OSError):
            return Invocation(request_id, error=self._exit_error())
        try:
            message = self._responses.get(timeout=timeout)
        except queue.Empty:
            self.kill()
            error = {
                "errorType": "Sandbox.Timedout",
                "errorMessage": f"RequestId: {request_id} Error: Task timed out after {timeout:.2f} seconds",
            }
            return Invocation(request_id, error=error, duration_ms=timeout * 1000)
        duration = (time.monotonic() - started) * 1000
        if message is None:
            return Invocation(request_id, error=self._exit_error(), duration_ms=duration)
        return Invocation(request_id, message.get("result"), message.get("error"), duration)

    def _exit_error(self) -> dict[str, Any]:
        code = self.proc.wait(timeout=5)
        return {
            "errorType": "Runtime.ExitError",
            "errorMessage": f"Runtime exited with error: exit status {code}",
        }

    def kill(self) -> None:
        if self.alive:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(OSError):
            self._requests.close()
        self.proc.wait(timeout=5)
        for pump in self._pumps:  # every line the function printed is logged before kill returns
            pump.join(timeout=2)


@dataclass
class FunctionPool:
    """Up to ``size`` warm workers for one function, spawned lazily and reused (warm starts)."""

    fn: Function
    env: dict[str, str]
    pythonpath: list[str]
    size: int = 2
    _idle: list[Worker] = field(default_factory=list)
    _all: set[Worker] = field(default_factory=set)
    _starting: int = 0
    _cond: threading.Condition = field(default_factory=threading.Condition)
    _closed: bool = False

    def _acquire(self) -> Worker:
        with self._cond:
            while not self._idle and len(self._all) + self._starting >= self.size and not self._closed:
                self._cond.wait()
            if self._closed:
                raise RuntimeError("the local stack is stopping")
            if self._idle:
                return self._idle.pop()
            self._starting += 1  # reserve the slot while the process starts
        worker = None
        try:
            worker = Worker(self.fn, self.env, self.pythonpath)
            worker.wait_ready()
        except Exception:
            if worker is not None:
                worker.kill()
            worker = None
            raise
        finally:
            with self._cond:
                self._starting -= 1
                if worker is not None:
                    self._all.add(worker)
                self._cond.notify()
        return worker

    def _release(self, worker: Worker) -> None:
        with self._cond:
            keep = worker.alive and worker.init_error is None and not self._closed
            if keep:
                self._idle.append(worker)
            else:
                self._all.discard(worker)
            self._cond.notify()
        if not keep:
            worker.kill()

    def invoke(self, event: Any) -> Invocation:
        request_id = str(uuid.uuid4())
        worker = self._acquire()
        init_ms, worker.init_ms = worker.init_ms, None  # reported on the cold start only
        try:
            outcome = worker.invoke(event, request_id)
        finally:
            self._release(worker)
        init = f" Init Duration: {init_ms:.2f} ms" if init_ms is not None else ""
        status = f" Status: {outcome.error.get('errorType')}" if outcome.error else ""
        fn_log.info(
            "[%s] REPORT RequestId: %s Duration: %.2f ms Memory Size: %d MB%s%s",
            self.fn.logical_id,
            request_id,
            outcome.duration_ms,
            self.fn.memory_size,
            init,
            status,
        )
        return outcome

    def busy(self) -> list[Worker]:
        """Workers running an invocation now (what a test kills to play an out-of-memory death)."""
        with self._cond:
            return [w for w in self._all if w not in self._idle and w.alive]

    def close(self) -> None:
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._idle.clear()
            self._cond.notify_all()
        for worker in workers:
            worker.kill()


class Runtime:
    """All function pools of a stack; pools are created on first invocation."""

    def __init__(
        self,
        functions: dict[str, Function],
        layers: LayerSet,
        base_env: dict[str, str],
        pool_size: int = 2,
    ) -> None:
        self.functions = functions
        self.layers = layers
        self.base_env = base_env
        self.pool_size = pool_size
        self._pools: dict[str, FunctionPool] = {}
        self._lock = threading.Lock()

    def environment(self, fn: Function) -> tuple[dict[str, str], list[str]]:
        """The worker's environment and PYTHONPATH, in Lambda's precedence order."""
        pythonpath = [str(fn.code_uri)] + [str(p) for p in self.layers.pythonpath(fn.layers)]
        env = {k: os.environ[k] for k in HOST_ENV_KEYS if k in os.environ}
        env.update(
            AWS_LAMBDA_FUNCTION_NAME=fn.name,
            AWS_LAMBDA_FUNCTION_MEMORY_SIZE=str(fn.memory_size),
            AWS_LAMBDA_FUNCTION_VERSION="$LATEST",
            AWS_LAMBDA_LOG_GROUP_NAME=f"/aws/lambda/{fn.name}",
            AWS_EXECUTION_ENV=f"AWS_Lambda_{fn.runtime or 'python3.12'}",
            LAMBDA_TASK_ROOT=str(fn.code_uri),
            _HANDLER=fn.handler,
            TZ=":UTC",
            AWS_SAM_LOCAL="true",
            POWERTOOLS_TRACE_DISABLED="true",  # no X-Ray daemon locally
            PYTHONUNBUFFERED="1",
            AWS_CONFIG_FILE=os.devnull,  # like Lambda: no ~/.aws profile settings leak in
            AWS_SHARED_CREDENTIALS_FILE=os.devnull,
        )
        env.update(self.base_env)
        env.update(fn.environment)
        env["GCONV_PATH"] = "/dev/null"  # static ffmpeg segfaults on MPEG-TS without it
        env["PYTHONPATH"] = os.pathsep.join(pythonpath)
        bin_dirs = [str(p) for p in self.layers.bin_dirs(fn.layers)]
        if bin_dirs:
            env["PATH"] = os.pathsep.join([*bin_dirs, env.get("PATH", os.defpath)])
            env.setdefault("MEDIAFLOW_BIN_DIR", bin_dirs[0])
        return env, pythonpath

    def pool(self, logical_id: str) -> FunctionPool:
        with self._lock:
            if logical_id not in self._pools:
                fn = self.functions[logical_id]
                env, pythonpath = self.environment(fn)
                self._pools[logical_id] = FunctionPool(fn, env, pythonpath, self.pool_size)
            return self._pools[logical_id]

    def invoke_raw(self, logical_id: str, event: Any) -> Invocation:
        return self.pool(logical_id).invoke(event)

    def invoke(self, logical_id: str, event: Any) -> Any:
        outcome = self.invoke_raw(logical_id, event)
        if outcome.error is not None:
            raise FunctionError(logical_id, outcome.error)
        return outcome.result

    def close(self) -> None:
        with self._lock:
            pools = list(self._pools.values())
        for pool in pools:
            pool.close()
