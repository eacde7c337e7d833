"""``LocalStack``: the whole local stack behind one object, for ``python -m local`` and for tests.

Start order: moto -> resources from the template -> built layers -> function runtime (workers
start lazily) -> API gateway -> event-source pollers.  Stop runs the reverse and is idempotent.
"""

from __future__ import annotations

import json
import logging
import subprocess
import sys
import threading
from pathlib import Path
from types import TracebackType
from typing import Any

from local import edge
from local.gateway import Gateway, GatewayServer
from local.layers import LayerSet
from local.moto_server import MotoServer, function_env
from local.pollers import ScheduleTimer, SnsPoller, SqsPoller, rate_seconds, subscribe_sns
from local.resources import Clients, create_resources
from local.runtime import Runtime
from local.s3events import S3EventNormalizer
from local.template import STACK_NAME, Template

log = logging.getLogger("local.stack")
LAMBDA_ONLY_ENV = ("AWS_LAMBDA_", "_HANDLER", "LAMBDA_TASK_ROOT", "AWS_EXECUTION_ENV")


class AdminUnavailable(RuntimeError):
    """``python -m mediaflow.admin`` cannot be imported (yet)."""


class LocalStack:
    """The template's stack on moto, with functions, gateway and pollers; a context manager."""

    def __init__(
        self,
        repo_root: Path | str,
        api_port: int = 0,
        moto_port: int = 0,
        extra_env: dict[str, str] | None = None,
        template: Path | str | None = None,
        parameter_overrides: dict[str, Any] | None = None,
        pool_size: int = 2,
        stack_name: str = STACK_NAME,
    ) -> None:
        self.repo_root = Path(repo_root).resolve()
        self.template_path = Path(template) if template else self.repo_root / "template.yaml"
        self.api_port, self.extra_env = api_port, dict(extra_env or {})
        # A split task may have as many parts in flight as there are workers to run them here.
        self.extra_env.setdefault("MEDIAFLOW_TRANSCODE_PARALLEL", str(pool_size))
        # moto's TransactWriteItems is not thread-safe (two at once: a 500 from a dict changing
        # size during its copy), so a plan writes its parts one at a time here.
        self.extra_env.setdefault("MEDIAFLOW_PLAN_WRITERS", "1")
        self.parameter_overrides, self.pool_size, self.stack_name = parameter_overrides, pool_size, stack_name
        self.moto = MotoServer(moto_port)
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._server: GatewayServer | None = None
        self._runtime: Runtime | None = None
        self._template: Template | None = None
        self._started = False

    # ------------------------------------------------------------------ lifecycle
    def start(self) -> LocalStack:
        try:
            self._start()
        except BaseException:
            self.stop()
            raise
        return self

    def _start(self) -> None:
        self._started = True
        self.moto.start()
        log.info("moto listening on %s", self.moto.endpoint)
        template = Template.load(self.template_path, self.parameter_overrides, self.stack_name)
        self._template = template
        clients = Clients(self.moto.endpoint)
        create_resources(template, clients)
        functions = template.functions()
        layers = LayerSet(self.repo_root)
        layers.prepare(layer for fn in functions.values() for layer in fn.layers)
        base_env = function_env(self.moto.endpoint, self.extra_env)
        self._runtime = Runtime(functions, layers, base_env, self.pool_size)
        gateway = Gateway(
            template.apis(),
            template.routes(),
            self._runtime.invoke_raw,
            self.repo_root / "openapi.json",
            console_dir=self.repo_root / "console",
            edge=edge.rewrite if edge.function_code(template) else None,
        )
        self._server = GatewayServer(gateway, self.api_port)
        self._server.start()
        for route in template.routes():
            log.info("route %-6s %s -> %s", route.method, route.path, route.function_id)
        self._start_pollers(template, clients)
        log.info("API on %s", self.endpoint)

    def _start_pollers(self, template: Template, clients: Clients) -> None:
        assert self._runtime is not None
        invoke = self._runtime.invoke_raw
        normalizer = S3EventNormalizer()
        threads: list[threading.Thread] = []
        for mapping in template.sqs_mappings():
            threads.append(SqsPoller(mapping, clients, invoke, self._stop, normalizer))
            log.info(
                "SQS %s -> %s (batch %d)",
                mapping.queue_arn.rsplit(":", 1)[-1],
                mapping.function_id,
                mapping.batch_size,
            )
        for event in template.sns_events():
            queue_arn, sub_arn = subscribe_sns(event, clients, self.stack_name)
            threads.append(SnsPoller(event, queue_arn, sub_arn, clients, invoke, self._stop))
        for schedule in template.schedules():
            period = rate_seconds(schedule.expression)
            if not schedule.enabled:
                continue
            if period is None:
                log.warning(
                    "%s: schedule %r not run locally (only rate(...) is)",
                    schedule.function_id,
                    schedule.expression,
                )
                continue
            threads.append(ScheduleTimer(schedule, period, invoke, self._stop))
        for thread in threads:
            thread.start()
        self._threads = threads

    def stop(self) -> None:
        if not self._started:
            return
        self._started = False
        self._stop.set()
        if self._server is not None:
            self._server.stop()
        if self._runtime is not None:
            self._runtime.close()
        for thread in self._threads:
            thread.join(timeout=5)
        self.moto.stop()

    def __enter__(self) -> LocalStack:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    # ------------------------------------------------------------------ what tests and the CLI use
    @property
    def template(self) -> Template:
        if self._template is None:
            raise RuntimeError("the stack is not started")
        return self._template

    @property
    def endpoint(self) -> str:
        if self._server is None:
            raise RuntimeError("the stack is not started")
        return self._server.endpoint

    @property
    def aws_env(self) -> dict[str, str]:
        """AWS_* variables that point a boto3 client at this stack's moto."""
        return dict(self.moto.env)

    @property
    def physical_ids(self) -> dict[str, str]:
        """Logical id -> what Ref returns (table/bucket name, queue URL, topic ARN, ...)."""
        return {k: v for k, v in self.template.physical.refs.items() if k in self.template.resources}

    @property
    def runtime(self) -> Runtime:
        if self._runtime is None:
            raise RuntimeError("the stack is not started")
        return self._runtime

    def state(self) -> dict[str, Any]:
        """What ``python -m local invoke`` needs to run a function against this running stack."""
        return {
            "api_endpoint": self.endpoint,
            "moto_endpoint": self.moto.endpoint,
            "template": str(self.template_path.resolve()),
            "parameters": dict(self.parameter_overrides or {}),
            "stack_name": self.stack_name,
            "extra_env": dict(self.extra_env),
            "physical": {"refs": self.template.physical.refs, "attrs": self.template.physical.attrs},
        }

    def invoke(self, logical_id: str, event: Any) -> Any:
        """Invoke a function directly; raises ``local.runtime.FunctionError`` when it fails."""
        if self._runtime is None:
            raise RuntimeError("the stack is not started")
        return self._runtime.invoke(logical_id, event)

    def admin_env(self) -> dict[str, str]:
        """The functions' shared environment (Globals), without Lambda's per-function variables."""
        if self._runtime is None:
            raise RuntimeError("the stack is not started")
        env, _ = self._runtime.environment(self.template.global_function())
        return {k: v for k, v in env.items() if not k.startswith(LAMBDA_ONLY_ENV)}

    def create_project(self, name: str) -> tuple[str, str]:
        """Run ``python -m mediaflow.admin create-project NAME --json``; returns (project_id, token)."""
        doc = self.create_project_doc(name)
        return str(doc["project_id"]), str(doc["token"])

    def create_project_doc(self, name: str) -> dict[str, Any]:
        """Everything ``create-project --json`` printed (project_id, token, signing_secret...)."""
        done = subprocess.run(
            [sys.executable, "-m", "mediaflow.admin", "create-project", name, "--json"],
            env=self.admin_env(),
            cwd=self.repo_root,
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if done.returncode != 0:
            if "No module named" in done.stderr and "mediaflow" in done.stderr:
                raise AdminUnavailable(done.stderr.strip().splitlines()[-1])
            raise RuntimeError(f"create-project failed (exit {done.returncode}): {done.stderr.strip()}")
        for line in reversed(done.stdout.strip().splitlines()):
            try:
                doc = json.loads(line)
            except ValueError:
                continue
            if isinstance(doc, dict) and "project_id" in doc and "token" in doc:
                return doc
        raise RuntimeError(f"create-project printed no JSON object with project_id/token: {done.stdout!r}")
