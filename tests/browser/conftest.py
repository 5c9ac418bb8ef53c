"""Fixtures for browser tests: a JupyterLab server and Debian's headless Chromium.

Skipping policy: without /usr/bin/chromium, playwright or jupyterlab, browser
tests SKIP locally with the reason, but FAIL when the CI environment variable
is set, so they never silently skip in CI.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

import lab  # noqa: E402

REPO_ROOT = Path(__file__).resolve().parents[2]


def in_ci() -> bool:
    return os.environ.get("CI", "").strip().lower() not in ("", "0", "false", "no")


def require_browser() -> None:
    reason = lab.browser_unavailable_reason()
    if reason is None:
        return
    if in_ci():
        pytest.fail(f"browser tests cannot run in CI: {reason}", pytrace=False)
    pytest.skip(f"browser tests need a browser: {reason}")


def pytest_collection_modifyitems(config, items):
    here = Path(__file__).resolve().parent
    for item in items:
        if here in Path(str(item.fspath)).resolve().parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(wrapper=True, tryfirst=True)
def pytest_runtest_makereport(item, call):
    report = yield
    setattr(item, f"_nested_magics_rep_{report.when}", report)
    return report


@pytest.fixture(scope="session")
def lab_notebook_dir(tmp_path_factory) -> Path:
    """The server's root_dir: a copy of the repo's notebooks/; tests may write more notebooks here."""
    return lab.copy_notebooks(REPO_ROOT / "notebooks", tmp_path_factory.mktemp("lab") / "notebooks")


@pytest.fixture(scope="session")
def lab_server(lab_notebook_dir, tmp_path_factory):
    """JupyterLab on 127.0.0.1:<free port>, token '', Jupyter dirs in a tmp dir; stopped at the end."""
    require_browser()
    server = lab.LabServer(root_dir=lab_notebook_dir, base_dir=tmp_path_factory.mktemp("jupyter"))
    server.start()
    print(f"\nJupyterLab up at {server.url} in {server.startup_seconds:.1f} s")
    yield server
    server.stop()


@pytest.fixture(scope="session")
def chromium_browser():
    """Headless /usr/bin/chromium driven by Playwright (never a downloaded browser)."""
    require_browser()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        browser = lab.launch_chromium(pw)
    except Exception:
        pw.stop()
        raise
    yield browser
    browser.close()
    pw.stop()


@pytest.fixture
def lab_page(request, lab_server, chromium_browser):
    """A fresh 1280x900 page on the lab server. Console errors are collected
    (see ``lab.collect_errors``); on failure a screenshot ``failed-<test>.png``
    is saved; all kernel sessions are shut down afterwards."""
    context = chromium_browser.new_context(viewport=lab.VIEWPORT)
    page = context.new_page()
    page.set_default_timeout(60_000)
    page._nested_magics_base_url = lab_server.url
    page._nested_magics_console_errors = errors = []
    page.on("console", lambda msg: errors.append(msg.text) if msg.type == "error" else None)
    page.on("pageerror", lambda exc: errors.append(f"pageerror: {exc}"))
    yield page
    try:
        rep = getattr(request.node, "_nested_magics_rep_call", None)
        if rep is not None and rep.failed:
            lab.screenshot(page, f"failed-{request.node.name}")
        if page.url.startswith(lab_server.url):
            lab.shutdown_all_sessions(page)
    finally:
        context.close()


@pytest.fixture
def console_errors(lab_page) -> list[str]:
    """Console errors and uncaught page errors seen by ``lab_page`` so far (live list)."""
    return lab_page._nested_magics_console_errors
