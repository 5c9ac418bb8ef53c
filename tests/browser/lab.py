"""Drive a real JupyterLab in headless Chromium (Playwright, Debian's browser).

Used by ``tests/browser/conftest.py``; importable by any browser test as
``from lab import ...`` (pytest puts this folder on ``sys.path``).

Nothing here downloads a browser: Chromium comes from Debian's ``chromium``
package (``apt-get install chromium``); ``playwright install`` is never run.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path

HERE = Path(__file__).resolve().parent
ARTIFACTS_DIR = HERE / "artifacts"

CHROMIUM = os.environ.get("NESTED_MAGICS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
    "--disable-dev-shm-usage",
]
VIEWPORT = {"width": 1280, "height": 900}

# JupyterLab *user* settings, written in the temporary Jupyter config dir (so
# nothing is written into the venv): plugin id -> settings.
USER_SETTINGS = {
    # no "get notified about official Jupyter news?" toast, no update checks
    "@jupyterlab/apputils-extension:notification": {"fetchNews": "false", "checkForUpdates": False},
    # a notebook without kernelspec metadata starts python3 instead of
    # waiting on the "Select Kernel" dialog
    # windowingMode none: every cell stays in the DOM, so tests can read outputs off screen
    "@jupyterlab/notebook-extension:tracker": {"autoStartDefaultKernel": True, "windowingMode": "none"},
}

# Output areas JupyterLab renders for stderr streams and for `error` outputs.
STDERR_OUTPUT = '.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]'


def browser_unavailable_reason() -> str | None:
    """Why browser tests cannot run here, or None when they can."""
    missing = []
    if not (os.path.isfile(CHROMIUM) and os.access(CHROMIUM, os.X_OK)):
        missing.append(f"{CHROMIUM} not found (apt-get install chromium)")
    for module in ("playwright", "jupyterlab"):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"Python package {module!r} not installed (pip install -e '.[test]')")
    return "; ".join(missing) or None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class LabServer:
    """A JupyterLab server process with all its Jupyter dirs under ``base_dir``."""

    root_dir: Path
    base_dir: Path
    port: int = 0
    process: subprocess.Popen | None = None
    log_path: Path | None = None
    startup_seconds: float = 0.0
    env: dict = field(default_factory=dict)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def notebook_url(self, name: str) -> str:
        # `?reset` drops the saved workspace, so notebooks opened by earlier
        # tests are not restored next to this one.
        return f"{self.url}/lab/tree/{name}?reset"

    def start(self, timeout: float = 60.0) -> "LabServer":
        cfg = self.base_dir / "jupyter-config"
        settings = cfg / "lab" / "user-settings"
        for plugin, values in USER_SETTINGS.items():
            package, _, name = plugin.partition(":")
            path = settings / package / f"{name}.jupyterlab-settings"
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(values))
        workspaces = cfg / "lab" / "workspaces"
        data, runtime = self.base_dir / "jupyter-data", self.base_dir / "jupyter-runtime"
        for d in (workspaces, data, runtime):
            d.mkdir(parents=True, exist_ok=True)
        self.env = {
            **os.environ,
            "JUPYTER_CONFIG_DIR": str(cfg),
            "JUPYTER_DATA_DIR": str(data),
            "JUPYTER_RUNTIME_DIR": str(runtime),
            "JUPYTERLAB_SETTINGS_DIR": str(settings),
            "JUPYTERLAB_WORKSPACES_DIR": str(workspaces),
            "NESTED_MAGICS_TARGET": os.environ.get("NESTED_MAGICS_TARGET", "mock"),
            "PYTHONUNBUFFERED": "1",
        }
        self.log_path = self.base_dir / "jupyterlab.log"
        last_error = ""
        for _attempt in range(3):  # the free port can be taken before the server binds it
            self.port = free_port()
            cmd = [
                sys.executable, "-m", "jupyterlab",
                "--no-browser", "--allow-root",
                "--ip=127.0.0.1", f"--port={self.port}", "--ServerApp.port_retries=0",
                "--IdentityProvider.token=", "--ServerApp.password=",
                f"--ServerApp.root_dir={self.root_dir}",
                f"--LabApp.user_settings_dir={settings}",
                f"--LabApp.workspaces_dir={workspaces}",
                "--LabApp.news_url=None",
                "--LabApp.check_for_updates_class=jupyterlab.NeverCheckForUpdate",
                "--LabApp.expose_app_in_browser=True",
            ]
            t0 = time.monotonic()
            log = open(self.log_path, "ab")
            self.process = subprocess.Popen(
                cmd, cwd=self.root_dir, env=self.env, stdin=subprocess.DEVNULL,
                stdout=log, stderr=subprocess.STDOUT, start_new_session=True,
            )
            log.close()
            while time.monotonic() - t0 < timeout:
                if self.process.poll() is not None:
                    last_error = f"jupyter lab exited with {self.process.returncode}"
                    break
                try:
                    with urllib.request.urlopen(f"{self.url}/api/status", timeout=2) as r:
                        if r.status == 200:
                            self.startup_seconds = time.monotonic() - t0
                            return self
                except (urllib.error.URLError, ConnectionError, OSError):
                    pass
                time.sleep(0.2)
            else:
                last_error = f"/api/status not answering after {timeout:.0f} s"
            self.stop()
        raise RuntimeError(f"JupyterLab did not start: {last_error}\n{self.log_tail()}")

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (the server shuts its kernels down), then SIGKILL its process group."""
        proc, self.process = self.process, None
        if proc is None or proc.poll() is not None:
            return
        proc.send_signal(signal.SIGTERM)
        try:
            proc.wait(timeout)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, signal.SIGKILL)  # our own session: server + its kernels
            proc.wait(5)

    def log_tail(self, lines: int = 40) -> str:
        if not self.log_path or not self.log_path.exists():
            return ""
        text = self.log_path.read_text(errors="replace").splitlines()
        return "\n".join(["--- jupyterlab.log (tail) ---", *text[-lines:]])


def copy_notebooks(src: Path, dest: Path) -> Path:
    """Copy the repo's ``notebooks/`` folder (possibly empty or missing) to ``dest``."""
    if src.is_dir():
        shutil.copytree(src, dest, ignore=shutil.ignore_patterns(".ipynb_checkpoints"))
    else:
        dest.mkdir(parents=True)
    return dest


def launch_chromium(playwright):
    """Debian's Chromium through Playwright; never a downloaded browser."""
    return playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)


# --- page helpers -----------------------------------------------------------

_KERNEL_IDLE_JS = """(name) => {
    const app = window.jupyterapp;
    if (!app) return false;
    for (const w of app.shell.widgets('main')) {
        if (w.context && w.context.path === name && w.sessionContext) {
            const k = w.sessionContext.session && w.sessionContext.session.kernel;
            return !!k && k.status === 'idle' && k.connectionStatus === 'connected';
        }
    }
    return false;
}"""

_RUN_ALL_JS = """async ([name, timeout]) => {
    const app = window.jupyterapp;
    let panel = null;
    for (const w of app.shell.widgets('main')) {
        if (w.context && w.context.path === name) panel = w;
    }
    if (!panel) throw new Error('notebook ' + name + ' is not open');
    app.shell.activateById(panel.id);
    const run = app.commands.execute('notebook:run-all-cells');
    const late = new Promise((_, reject) =>
        setTimeout(() => reject(new Error('run-all still running after ' + timeout + ' ms')), timeout));
    return await Promise.race([run, late]);
}"""

# True once no code cell is running or queued: every non-empty code cell has an
# execution count, or the run stopped at an error (later cells are left unrun).
_EXECUTION_DONE_JS = """(name) => {
    const app = window.jupyterapp;
    for (const w of app.shell.widgets('main')) {
        if (!(w.context && w.context.path === name)) continue;
        const cells = w.content.model.cells;
        for (let i = 0; i < cells.length; i++) {
            const c = cells.get(i);
            if (c.type === 'code' && c.executionState === 'running') return false;
        }
        return true;
    }
    return false;
}"""


def wait_kernel_idle(page, notebook_name: str, timeout: float = 60_000) -> None:
    """Wait for the kernel to be idle, as both the toolbar and the status bar show it."""
    page.wait_for_selector(".jp-NotebookPanel .jp-Cell", timeout=timeout)
    page.wait_for_selector(".jp-Notebook-ExecutionIndicator[data-status='idle']", timeout=timeout)
    page.wait_for_selector(".jp-StatusBar-Widget:has-text('| Idle')", timeout=timeout)
    page.wait_for_function(_KERNEL_IDLE_JS, arg=notebook_name, timeout=timeout)


def open_and_run_all(page, notebook_name: str, timeout: float = 120_000, base_url: str | None = None) -> bool:
    """Open ``/lab/tree/<notebook_name>``, run all cells, wait until execution is over.

    ``timeout`` is in milliseconds and applies to each waiting step. ``base_url``
    defaults to the one the ``lab_page`` fixture stored on the page. Returns
    JupyterLab's own verdict: True when every cell ran without error. Use
    ``collect_errors`` to see what went wrong.
    """
    base_url = base_url or page._nested_magics_base_url
    page.goto(f"{base_url}/lab/tree/{notebook_name}?reset", timeout=timeout)
    page.wait_for_function("() => !!window.jupyterapp", timeout=timeout)
    wait_kernel_idle(page, notebook_name, timeout)
    ok = page.evaluate(_RUN_ALL_JS, [notebook_name, timeout])
    page.wait_for_function(_EXECUTION_DONE_JS, arg=notebook_name, timeout=timeout)
    page.wait_for_function(
        "() => ![...document.querySelectorAll('.jp-InputArea-prompt')]"
        ".some(p => p.textContent.includes('[*]'))",
        timeout=timeout,
    )
    wait_kernel_idle(page, notebook_name, timeout)
    return bool(ok)


def collect_errors(page, console_errors: list[str] | None = None) -> list[str]:
    """Error outputs shown in the page (tracebacks, widget render errors) plus console errors."""
    found = page.evaluate(
        """(stderrSel) => {
            const out = [];
            for (const el of document.querySelectorAll(stderrSel)) {
                const t = el.innerText;
                if (/Traceback|\\w+Error\\b/.test(t)) out.push('output: ' + t.trim());
            }
            for (const el of document.querySelectorAll('.jp-OutputArea-output')) {
                const t = el.innerText;
                if (t.includes('Error displaying widget')) out.push('widget: ' + t.trim());
                if (t.includes('is not an IPython extension')) out.push('load_ext: ' + t.trim());
            }
            return out;
        }""",
        STDERR_OUTPUT,
    )
    if console_errors is None:
        console_errors = getattr(page, "_nested_magics_console_errors", [])
    return found + [f"console: {m}" for m in console_errors]


def screenshot(page, name: str) -> Path:
    """Save a full-window PNG as ``tests/browser/artifacts/<name>.png``."""
    ARTIFACTS_DIR.mkdir(parents=True, exist_ok=True)
    path = ARTIFACTS_DIR / f"{name}.png"
    page.screenshot(path=str(path))
    return path


def shutdown_all_sessions(page) -> int:
    """Delete every kernel session through the REST API; returns how many.

    With an empty token, REST writes need the ``_xsrf`` cookie echoed as
    ``X-XSRFToken``: a ``fetch`` from inside the page does that.
    """
    return page.evaluate(
        """async () => {
            const m = document.cookie.match(/(?:^|;\\s*)_xsrf=([^;]*)/);
            const headers = m ? {'X-XSRFToken': decodeURIComponent(m[1])} : {};
            const sessions = await (await fetch('/api/sessions', {headers})).json();
            for (const s of sessions) {
                const r = await fetch('/api/sessions/' + s.id, {method: 'DELETE', headers});
                if (!r.ok) throw new Error('DELETE session ' + s.id + ': ' + r.status);
            }
            return sessions.length;
        }"""
    )
