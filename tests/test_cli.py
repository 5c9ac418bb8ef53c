"""The command line (contracts §6): output, exit statuses (0 / 1 / 2), --json documents, and bad input as one
clear line on stderr with no traceback and nothing changed. In-process through cli.main, and a few runs
through `python -m nested_magics` to prove what a shell sees."""

from __future__ import annotations

import io
import json
import subprocess
import sys

import pytest

import nested_magics as nm
from nested_magics.front import cli
from nested_magics.backends.mock import bundled_names
from nested_magics.vocabulary import VM_ACTION_LIST


class Run:
    def __init__(self, status: int, out: str, err: str):
        self.status, self.out, self.err = status, out, err

    @property
    def json(self):
        return json.loads(self.out)

    def __repr__(self) -> str:
        return f"<exit {self.status}\nstdout: {self.out}\nstderr: {self.err}>"


@pytest.fixture
def run(capsys, monkeypatch):
    """``run(*argv, stdin=None)``: cli.main in this process (so mock state persists between runs, as within one
    kernel), with no terminal on stdin unless ``stdin`` says otherwise."""
    def go(*argv: str, stdin=None) -> Run:
        monkeypatch.setattr(sys, "stdin", stdin if stdin is not None else io.StringIO(""))
        capsys.readouterr()
        status = cli.main(list(argv))
        out, err = capsys.readouterr()
        return Run(status, out, err)

    return go


def one_error_line(r: Run, *fragments: str) -> str:
    """A user's mistake: exactly one line on stderr, led by the program name, naming the problem."""
    assert "Traceback" not in r.err and "Traceback" not in r.out
    lines = r.err.splitlines()
    assert len(lines) == 1, r
    assert lines[0].startswith("nested-magics: ")
    for fragment in fragments:
        assert fragment in lines[0], r
    return lines[0]


def blog_vm():
    return nm.connect("mock").facts().to_dict()["vms"][0]


# ---------------------------------------------------------------- check


def test_check_on_the_default_target_shows_what_the_blogs_reader_faced(run):
    r = run("check")
    assert r.status == 1 and r.err == ""
    lines = r.out.splitlines()
    assert "profile preview" in lines[0] and "build 10565" in lines[0]
    labelled = [line for line in lines if line[:4] in ("PASS", "INFO", "WARN", "FAIL")]
    assert [line.split()[1] for line in labelled] == [
        "host.os-build", "host.hyperv", "host.cpu", "host.vbs", "host.memory", "host.facts", "host.edition", "host.boot",
        "host.virtual", "vm.exists", "vm.version", "vm.state", "vm.expose-extensions", "vm.dynamic-memory", "vm.memory",
        "vm.networking", "vm.checkpoints", "vm.processors", "vm.guest-hyperv", "vm.known-issues", "vm.clustered"]
    assert "Verdict: FIXABLE (myVM fixable)" in lines
    assert any(line.startswith("Next: ") and "enable myVM" in line for line in lines)
    assert "fix: Set-VMProcessor -VMName 'myVM' -ExposeVirtualizationExtensions $true" in r.out


def test_check_json_is_the_contract_document(run):
    r = run("check", "--json")
    doc = r.json
    assert r.status == 1
    assert list(doc) == ["target", "host", "verdict", "profile", "checks", "vms"]
    assert (doc["target"], doc["host"], doc["verdict"], doc["profile"]) == ("mock", "TH2-DESKTOP", "fixable",
                                                                            "preview")
    assert doc["vms"] == [{"name": "myVM", "verdict": "fixable"}]
    assert all(list(c) == ["id", "vm", "status", "fixable", "title", "detail", "fix", "source"] for c in doc["checks"])


@pytest.mark.parametrize("args, status", [
    (("-t", "mock:three-levels"), 0),                     # ready, with warnings
    (("-t", "mock:three-levels", "--strict"), 1),         # --strict: warnings give 1
    (("-t", "mock:windows10-amd"), 1),                    # blocked
    (("-t", "mock:blog-2015"), 1),                        # fixable
    (("ghost",), 1),                                      # not an error: vm.exists fails
])
def test_check_exit_statuses(run, args, status):
    assert run("check", *args).status == status


def test_check_strict_is_0_without_warnings(run, scenario, make_vm):
    target = scenario(vms=[make_vm(nesting=True, startup="4GB", mac_spoofing=True, cpus=2)])
    assert run("check", "-t", target, "--strict").status == 0


def test_check_quiet_prints_only_the_verdict_and_next_step(run):
    r = run("check", "--quiet")
    assert not [line for line in r.out.splitlines() if line[:4] in ("PASS", "WARN", "FAIL", "INFO")]
    assert "Verdict: FIXABLE" in r.out


def test_check_details_prints_why_and_source(run):
    r = run("check", "--details")
    assert "why: " in r.out and "source: The blog" in r.out


def test_checking_a_vm_that_does_not_exist_fails_vm_exists_listing_the_vms(run):
    r = run("check", "ghost", "--json")
    assert r.status == 1 and r.err == ""
    vm_checks = [c for c in r.json["checks"] if c["vm"]]
    assert [(c["id"], c["status"]) for c in vm_checks] == [("vm.exists", "fail")]
    assert "myVM" in vm_checks[0]["detail"]


def test_the_default_target_comes_from_the_environment(run, monkeypatch):
    monkeypatch.setenv("NESTED_MAGICS_TARGET", "mock:windows10-amd")
    assert run("check", "--json").json["host"] == "RYZEN-DESKTOP"


# ---------------------------------------------------------------- bad targets and scenarios


def test_an_unknown_scenario_names_the_bundled_ones(run):
    r = run("check", "-t", "mock:nope")
    line = one_error_line(r, "mock:nope", "no bundled scenario")
    for name in bundled_names():
        assert name in line
    assert r.status == 2 and r.out == ""


def test_an_unknown_scenario_with_json_prints_the_error_document(run):
    r = run("check", "-t", "mock:nope", "--json")
    assert r.status == 2
    line = one_error_line(r)
    assert r.json == {"target": "mock:nope", "verdict": "error", "error": line[len("nested-magics: "):]}


def _closed_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.mark.parametrize("target, says", [
    ("ftp://hv01/wsman", "only http:// and https://"),
    (f"https://127.0.0.1:{_closed_port()}/wsman", "cannot reach 127.0.0.1"),
])
def test_a_wrong_or_unreachable_winrm_target_is_one_line_exit_2(run, monkeypatch, target, says):
    monkeypatch.setenv("NESTED_MAGICS_PASSWORD", "not-a-secret")
    r = run("check", "-t", target, "--user", "lab\\admin", "--timeout", "5")
    assert r.status == 2
    one_error_line(r, says)
    assert "not-a-secret" not in r.err + r.out
    doc = run("check", "-t", target, "--user", "lab\\admin", "--timeout", "5", "--json").json
    assert doc["target"] == target and doc["verdict"] == "error" and says in doc["error"]


def _broken(make_doc, make_vm, kind):
    doc = make_doc()
    if kind == "unknown-key":
        doc["vms"][0]["memroy"] = {}
    elif kind == "negative":
        doc["vms"] = [make_vm(startup="-2GB")]
    elif kind == "unparsable":
        doc["vms"] = [make_vm(startup="two gigs")]
    elif kind == "missing-key":
        del doc["vms"][0]["state"]
    return json.dumps(doc)


@pytest.mark.parametrize("kind, says", [
    ("unknown-key", "vms[0].memroy: unknown key"),
    ("negative", "vms[0].memory.startup_bytes: a size cannot be negative"),
    ("unparsable", "vms[0].memory.startup_bytes: "),
    ("missing-key", "vms[0].state: required key is missing"),
])
@pytest.mark.parametrize("command", [("check",), ("check", "--json"), ("tree",), ("enable", "myVM", "--yes"),
                                     ("vm", "start", "myVM")])
def test_an_invalid_scenario_is_one_line_naming_the_key_path(run, scenario, make_doc, make_vm, kind, says, command):
    target = scenario(text=_broken(make_doc, make_vm, kind))
    r = run(*command, "-t", target)
    assert r.status == 2
    one_error_line(r, target, says)


@pytest.mark.parametrize("make_target, says", [
    (lambda tmp: f"mock:{tmp / 'missing.json'}", "no such scenario file"),
    (lambda tmp: f"mock:{tmp}/", "is a folder"),
    (lambda tmp: (tmp / "bad.json").write_text('{"schema": ') and f"mock:{tmp / 'bad.json'}", "not valid JSON"),
    (lambda tmp: (tmp / "bad.yaml").write_text("vms: [") and f"mock:{tmp / 'bad.yaml'}", "not valid YAML"),
])
def test_a_missing_or_malformed_scenario_file_is_one_line(run, tmp_path, make_target, says):
    target = make_target(tmp_path)
    for command in (("check",), ("enable", "myVM", "--yes"), ("tree",)):
        r = run(*command, "-t", target)
        assert r.status == 2
        one_error_line(r, target, says)


# ---------------------------------------------------------------- bad options


@pytest.mark.parametrize("argv, says", [
    (("check", "--bogus"), "unrecognized arguments: --bogus"),
    (("frobnicate",), "invalid choice: 'frobnicate'"),
    (("enable",), "the following arguments are required: VM"),
    (("enable", "myVM", "--memory=-4GB", "--yes"), "negative"),
    (("enable", "myVM", "--memory", "lots", "--yes"), "--memory 'lots'"),
    (("enable", "myVM", "--memory", "16MB", "--yes"), "at least 32 MB"),
    (("enable", "myVM", "--networking", "bridge", "--yes"), "invalid choice: 'bridge'"),
    (("vm", "reboot", "myVM"), "invalid choice: 'reboot'"),
    (("vm", "start", "myVM", "4GB"), "takes no size"),
    (("vm", "resize-memory", "myVM"), "needs a size"),
    (("vm", "resize-memory", "myVM", "huge"), "size 'huge'"),
    (("vm", "resize-memory", "myVM", "--", "-1GB"), "negative"),
    (("vm", "new", "myVM/inner"), "start it first"),
    (("check", "--timeout", "soon"), "invalid float value: 'soon'"),
])
def test_bad_options_are_one_line_exit_2_and_change_nothing(run, argv, says):
    before = blog_vm()
    r = run(*argv)
    assert r.status == 2
    one_error_line(r, says)
    assert blog_vm() == before


def test_no_command_prints_help_and_exits_2(run):
    r = run()
    assert r.status == 2 and "usage: nested-magics" in r.out


def test_help_exits_0(run):
    """main() returns the status (python -m nested_magics raises SystemExit with it): help is 0."""
    r = run("check", "--help")
    assert r.status == 0 and "usage: nested-magics check" in r.out and r.err == ""


def test_help_names_every_vm_action(run, capsys):
    """The vocabulary's actions, all of them, in the top-level help and in vm --help."""
    vm_row = " ".join(run().out.split()).split(" vm one VM action: ", 1)[1]    # argparse wraps lines
    named = [word.strip(",") for word in vm_row.split(" options:")[0].split()]
    vm_help = " ".join(run("vm", "--help").out.split())
    assert named == [action.name for action in VM_ACTION_LIST]
    for action in VM_ACTION_LIST:
        assert f"{action.name}: {' '.join(action.help.split())}" in vm_help, action.name


# ---------------------------------------------------------------- enable


def test_enable_yes_reaches_ready_and_shows_before_to_after(run):
    r = run("enable", "myVM", "--yes")
    assert r.status == 0 and r.err == ""
    assert "Verdict: fixable → ready" in r.out
    for line in ("applied  expose-extensions: off → on", "applied  disable-dynamic-memory: on → off",
                 "applied  set-startup-memory: 2 GB → 4 GB", "applied  enable-mac-spoofing: off → on"):
        assert line in r.out
    assert run("check").status == 0                 # the same mock host, as within one kernel (contracts §1)


def test_enable_json_is_the_contract_document(run):
    r = run("enable", "myVM", "--yes", "--json")
    doc = r.json
    assert r.status == 0
    assert list(doc) == ["target", "vm", "plan", "applied", "failed", "after"]
    assert (doc["target"], doc["vm"], doc["failed"]) == ("mock", "myVM", None)
    assert doc["applied"] == [c["id"] for c in doc["plan"]] == ["expose-extensions", "disable-dynamic-memory",
                                                                "set-startup-memory", "enable-mac-spoofing"]
    assert all(list(c) == ["id", "target", "setting", "before", "after", "powershell", "reversible"]
               for c in doc["plan"])
    assert doc["after"]["verdict"] == "ready" and doc["after"]["vms"] == [{"name": "myVM", "verdict": "ready"}]


def test_enable_without_yes_and_without_a_terminal_refuses_and_changes_nothing(run):
    before = blog_vm()
    r = run("enable", "myVM", "--json")
    assert r.status == 1
    assert r.json["failed"]["id"] == "consent" and r.json["applied"] == []
    message = "no terminal to ask for consent and no --yes: nothing was changed; review the plan with --dry-run"
    assert r.json["failed"]["message"].startswith(message)
    one_error_line(r, message)
    assert blog_vm() == before


class _Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("answer, status, applied", [("y", 0, True), ("yes", 0, True), ("n", 1, False),
                                                      ("", 1, False)])
def test_enable_asks_at_a_terminal(run, monkeypatch, answer, status, applied):
    asked = []
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or answer)
    r = run("enable", "myVM", stdin=_Terminal())
    assert asked and "Apply these 4 change(s) to myVM on TH2-DESKTOP?" in asked[0]
    assert r.status == status
    assert blog_vm()["processor"]["expose_virtualization_extensions"] is applied


def test_enable_at_a_terminal_that_closes_changes_nothing(run, monkeypatch):
    def eof(prompt):
        raise EOFError

    monkeypatch.setattr("builtins.input", eof)
    assert run("enable", "myVM", stdin=_Terminal()).status == 1
    assert blog_vm()["processor"]["expose_virtualization_extensions"] is False


def test_enable_dry_run_only_plans(run):
    before = blog_vm()
    r = run("enable", "myVM", "--dry-run")
    assert r.status == 0 and "1. expose-extensions" in r.out
    assert "PS> Get-VM -Id '230a8a2d-46be-5866-852f-387e8d58fb03' | Set-VMProcessor -ExposeVirtualizationExtensions $true" in r.out
    doc = run("enable", "myVM", "--dry-run", "--json").json
    assert doc["applied"] == [] and doc["failed"] is None and len(doc["plan"]) == 4
    assert doc["after"]["verdict"] == "fixable"
    assert blog_vm() == before
    assert r.out.rstrip().endswith("Dry run: nothing was changed. To apply, run the same command without "
                                   "--dry-run (it asks first), or with --yes instead of --dry-run")


def test_dry_run_wins_over_yes_and_says_so(run):
    before = blog_vm()
    r = run("enable", "myVM", "--dry-run", "--yes")
    assert r.status == 0 and "Dry run: nothing was changed" in r.out and "(--dry-run wins over --yes)" in r.out
    assert blog_vm() == before


def test_enable_dry_run_of_a_refused_plan_exits_1(run):
    r = run("enable", "docker-vm", "-t", "mock:windows10-amd", "--dry-run", "--json")
    assert r.status == 1 and r.json["failed"]["id"] == "host"


def test_enabling_on_windows10_amd_is_refused_for_the_host_with_the_reason(run):
    """facts §2.5: AMD nesting needs Windows 11 / Server 2022."""
    r = run("enable", "docker-vm", "-t", "mock:windows10-amd", "--yes")
    assert r.status == 1
    one_error_line(r, "RYZEN-DESKTOP cannot run nested VMs", "AMD processors need Windows 11 (build 22000)")
    assert "Nothing was changed" in r.out
    doc = run("enable", "docker-vm", "-t", "mock:windows10-amd", "--yes", "--json").json
    assert doc["failed"]["id"] == "host" and doc["applied"] == [] and doc["after"]["verdict"] == "blocked"


def test_enabling_a_vm_that_does_not_exist_is_a_usage_error_listing_the_vms(run):
    before = blog_vm()
    r = run("enable", "ghost", "--yes")
    assert r.status == 2 and r.out == ""
    one_error_line(r, "'ghost' does not exist on TH2-DESKTOP", "VMs there are myVM")
    assert blog_vm() == before


@pytest.mark.parametrize("state, needs", [("Saved", "--discard-saved-state"), ("Paused", "--turn-off")])
def test_enable_names_the_missing_opt_in(run, scenario, make_vm, state, needs):
    target = scenario(vms=[make_vm(state=state)])
    r = run("enable", "myVM", "-t", target, "--yes")
    assert r.status == 1
    one_error_line(r, needs)
    assert run("enable", "myVM", "-t", target, "--yes", needs).status == 0


def test_enable_failing_halfway_says_what_was_applied_and_a_rerun_finishes(run, scenario, make_vm):
    target = scenario(vms=[make_vm(dynamic=True, startup="2GB")],
                      faults=[{"operation": "disable-dynamic-memory", "vm": "myVM", "message": "Injected failure",
                               "times": 1}])
    r = run("enable", "myVM", "-t", target, "--yes")
    assert r.status == 1
    one_error_line(r, "Injected failure", "applied before it: expose-extensions")
    assert "FAILED   disable-dynamic-memory" in r.out
    again = run("enable", "myVM", "-t", target, "--yes", "--json")
    assert again.status == 0 and again.json["applied"] == ["disable-dynamic-memory", "set-startup-memory"]


def test_enable_of_a_ready_vm_changes_nothing_and_exits_0(run):
    assert run("enable", "myVM", "--yes").status == 0
    r = run("enable", "myVM", "--json")               # no --yes needed when there is nothing to change
    assert r.status == 0 and r.json["plan"] == [] and r.json["failed"] is None


# ---------------------------------------------------------------- tree and vm


def test_tree_text_and_json(run):
    r = run("tree", "-t", "mock:three-levels")
    assert r.status == 0
    assert r.out.splitlines() == [
        "L0 TH2-DESKTOP (host, build 10565; Hyper-V running)",
        "└── L1 myVM [Running; nesting on; Hyper-V inside]",
        "    └── L2 nestedVM [Running; nesting off; no Hyper-V inside]",
    ]
    doc = run("tree", "-t", "mock:three-levels", "--json").json
    assert doc["children"][0]["children"][0]["level"] == "L2"


def test_vm_actions_exit_0_done_1_refused_by_hyper_v(run):
    r = run("vm", "start", "myVM", "-t", "mock:three-levels")
    assert r.status == 0 and "The virtual machine is already in the specified state." in r.out
    r = run("vm", "save", "myVM")
    assert r.status == 1
    one_error_line(r, "The operation cannot be performed while the virtual machine is in its current state.")
    doc = run("vm", "start", "myVM", "--json").json
    assert doc == {"target": "mock", "action": "start", "vm": "myVM", "ok": True, "message": "myVM is Running"}


def test_vm_actions_build_nesting_step_by_step(run):
    assert run("enable", "myVM", "--yes", "--install-hyperv").status == 0
    assert run("vm", "new", "myVM/nestedVM", "--memory", "2GB", "--start").status == 0
    assert run("vm", "checkpoint", "myVM").status == 1           # preview: a running nesting VM (facts §2.1)
    assert run("vm", "stop", "myVM/nestedVM", "--turn-off").status == 0
    assert run("vm", "resize-memory", "myVM/nestedVM", "3GB").status == 0
    r = run("vm", "live-migrate", "myVM", "--json")
    assert r.status == 1 and "(simulated" in r.json["message"]
    assert "L2 nestedVM [Off" in run("tree").out


def test_vm_on_a_vm_that_does_not_exist_is_a_usage_error(run):
    r = run("vm", "start", "ghost")
    assert r.status == 2
    one_error_line(r, "'ghost' does not exist", "VMs there are myVM")


# ---------------------------------------------------------------- fleets


def test_a_fleet_json_in_the_order_given_with_the_worst_verdict(run):
    r = run("check", "-t", "mock:classroom-12", "-t", "mock:nope", "-t", "mock:blog-2015", "--json")
    doc = r.json
    assert r.status == 2
    assert doc["verdict"] == "error"
    assert [h["target"] for h in doc["hosts"]] == ["mock:classroom-12", "mock:nope", "mock:blog-2015"]
    assert [h["verdict"] for h in doc["hosts"]] == ["ready", "error", "fixable"]
    one_error_line(r, "mock:nope")


@pytest.mark.parametrize("targets, status", [
    (("mock:classroom-01", "mock:classroom-12"), 0),
    (("mock:classroom-01", "mock:blog-2015"), 1),
    (("mock:classroom-*",), 1),
])
def test_a_fleet_exits_with_the_worst_hosts_status(run, targets, status):
    argv = [a for t in targets for a in ("-t", t)]
    r = run("check", *argv)
    assert r.status == status and r.out.startswith("Fleet of ")


# ---------------------------------------------------------------- through a real process


def _python_m(*argv: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "nested_magics", *argv], capture_output=True, text=True,
                          stdin=subprocess.DEVNULL, timeout=60, env={**__import__("os").environ,
                                                                    "NESTED_MAGICS_TARGET": ""})


@pytest.mark.parametrize("argv, status, stdout_has, stderr_has", [
    (("check",), 1, "Verdict: FIXABLE", None),
    (("check", "-t", "mock:nope", "--json"), 2, '"verdict": "error"', "no bundled scenario"),
    (("enable", "ghost", "--yes"), 2, None, "VMs there are myVM"),
    (("check", "--bogus"), 2, None, "unrecognized arguments"),
])
def test_python_m_exit_statuses_and_no_traceback(argv, status, stdout_has, stderr_has):
    proc = _python_m(*argv)
    assert proc.returncode == status, proc
    assert "Traceback" not in proc.stderr
    if stdout_has:
        assert stdout_has in proc.stdout
    if stderr_has:
        assert len(proc.stderr.splitlines()) == 1 and stderr_has in proc.stderr
    else:
        assert proc.stderr == ""


def test_enable_on_a_mock_says_its_changes_last_for_this_command_only(capsys):
    from nested_magics.front.cli import main

    assert main(["enable", "myVM", "--yes"]) == 0
    assert "changes last for this command only" in capsys.readouterr().out
    assert main(["enable", "myVM", "--dry-run"]) == 0
    assert "changes last" not in capsys.readouterr().out


def test_a_glob_target_where_one_host_is_needed_is_one_usage_line(capsys):
    from nested_magics.front.cli import main

    assert main(["tree", "-t", "mock:classroom-*"]) == 2
    err = capsys.readouterr().err.strip()
    assert err == ("nested-magics: mock:classroom-* names 12 hosts, but this takes one (e.g. mock:classroom-01); "
                   "several hosts are checked by nm.check_fleet('mock:classroom-*'), nested-magics check or "
                   "%nested_check")


def test_a_refusal_is_said_once_on_stderr(capsys):
    """contracts §6: Hyper-V's message on stderr, once; nothing changed is not followed by a report."""
    from nested_magics.front.cli import main

    assert main(["vm", "save", "myVM", "-t", "mock:three-levels"]) == 1
    out, err = capsys.readouterr()
    assert out == "" and err.count("could not be saved") == 1
    assert main(["enable", "myVM"]) == 1          # pytest's stdin is no terminal: no consent
    out, err = capsys.readouterr()
    assert out.rstrip().endswith("Nothing was changed.") and "After:" not in out
    assert err.count("nothing was changed") == 1 and len(err.strip().splitlines()) == 1


def test_a_refused_plan_on_a_blocked_host_is_said_once(capsys):
    """Found (issue 11): the host refusal was printed twice, in the plan on stdout and on stderr."""
    from nested_magics.front.cli import main

    assert main(["enable", "docker-vm", "-t", "mock:windows10-amd", "--yes"]) == 1
    out, err = capsys.readouterr()
    assert (out + err).count("cannot run nested VMs") == 1 and "REFUSED (host)" in out


def test_a_reader_that_leaves_early_keeps_the_exit_status_and_gets_no_traceback(tmp_path):
    """`nested-magics check ... | head -1`: the verdict's status, not 0, and nothing on stderr."""
    import json
    import subprocess
    import sys

    from nested_magics.backends.mock import load_scenario

    doc = load_scenario("blog-2015").to_dict()
    doc["vms"] = [dict(doc["vms"][0], name=f"vm-{i:04d}") for i in range(2000)]   # far more than a pipe holds
    path = tmp_path / "big.json"
    path.write_text(json.dumps(doc))
    script = (f'"{sys.executable}" -m nested_magics check -t "mock:{path}" | head -1; '
              'echo "status=${PIPESTATUS[0]}" >&2')
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=120)
    assert done.stdout.startswith("TH2-DESKTOP")
    assert done.stderr.strip().splitlines()[-1] == "status=1", done.stderr[-500:]
    assert "Traceback" not in done.stderr and "BrokenPipe" not in done.stderr


# ---------------------------------------------------------------- bad input, one line; --json always (issue 11)


@pytest.mark.parametrize("argv", [
    ("enable", "noSuchVM", "--json"),
    ("enable", "myVM", "-t", "mock:nope", "--json"),
    ("enable", "myVM", "--memory", "lots", "--json"),
    ("tree", "-t", "mock:nope", "--json"),
    ("vm", "start", "noSuchVM", "--json"),
    ("vm", "frobnicate", "myVM", "--json"),
    ("vm", "start", "myVM", "6GB", "--json"),
    ("check", "--colour", "--json"),
    ("check", "-t", "mock:nope", "--json"),
    ("enable", "--json"),
])
def test_json_prints_one_document_on_every_error_path(run, argv):
    """issue 11: `enable noSuchVM --json` printed nothing on stdout while `check --json` printed an error
    document. Every --json run prints one JSON document, the error line goes to stderr, exit 2."""
    r = run(*argv)
    assert r.status == 2, r
    line = one_error_line(r)
    doc = r.json
    assert doc["verdict"] == "error" and doc["error"] == line[len("nested-magics: "):], r
    assert doc["target"], r


def test_json_error_documents_keep_each_commands_keys(run):
    doc = run("vm", "start", "noSuchVM", "--json").json
    assert doc["action"] == "start" and doc["vm"] == "noSuchVM" and doc["ok"] is False and doc["message"]
    doc = run("enable", "noSuchVM", "-t", "mock:three-levels", "--json").json
    assert doc["target"] == "mock:three-levels" and doc["vm"] == "noSuchVM" and doc["applied"] == []


def test_quiet_strict_never_prints_ready_while_exiting_1(run):
    """issue 11: `check --quiet --strict` exited 1 while printing READY."""
    for quiet in (("--quiet",), ()):
        r = run("check", "-t", "mock:three-levels", "--strict", *quiet)
        assert r.status == 1, r
        verdict = [line for line in r.out.splitlines() if line.startswith("Verdict:")]
        assert len(verdict) == 1 and "--strict" in verdict[0] and "warning" in verdict[0], r
    r = run("check", "-t", "mock:three-levels", "--quiet")
    assert r.status == 0 and "Verdict: READY (myVM ready)" in r.out.splitlines(), r
    r = run("check", "-t", "mock:classroom-01", "--quiet", "--strict")   # no warnings: plain READY, exit 0
    assert r.status == 0 and "Verdict: READY (lab-vm ready)" in r.out.splitlines(), r
    r = run("check", "-t", "mock:three-levels", "-t", "mock:classroom-01", "--quiet", "--strict")
    assert r.status == 1 and any("--strict" in line for line in r.out.splitlines()), r


@pytest.mark.parametrize("argv", [
    ("enable", "myVM", "--memory", "-4GB"),
    ("enable", "myVM", "--memory", "-4GB", "--yes"),
    ("vm", "new", "fresh", "--memory", "-1GB"),
    ("vm", "resize-memory", "myVM", "-4GB"),
])
def test_a_negative_size_is_the_size_error(run, argv):
    """issue 11: `--memory -4GB` said "expected one argument"."""
    before = nm.connect("mock").facts().to_dict()
    r = run(*argv)
    assert r.status == 2, r
    assert "cannot be negative" in one_error_line(r), r
    assert nm.connect("mock").facts().to_dict() == before


@pytest.mark.parametrize("argv", [
    ("enable", "myVM", "-t", "mock", "-t", "mock:three-levels", "--yes"),
    ("tree", "-t", "mock", "-t", "mock:three-levels"),
    ("vm", "stop", "myVM", "-t", "mock", "--target", "mock:three-levels"),
])
def test_a_command_that_takes_one_target_refuses_several(run, argv):
    """issue 11: the last -t silently won."""
    before = nm.connect("mock:three-levels").facts().to_dict()
    r = run(*argv)
    assert r.status == 2 and r.out == "", r
    assert "one target" in one_error_line(r, "-t"), r
    assert nm.connect("mock:three-levels").facts().to_dict() == before
