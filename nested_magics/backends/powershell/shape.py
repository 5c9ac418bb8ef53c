"""The thin facts form: what facts.ps1's named queries returned, shaped into a host-facts document.

PowerShell only runs documented cmdlets and serialises plain records; every decision (what a record means,
what a failure leaves unknown) is made here, in Python, where every test runs it. A query that failed
becomes an ``errors`` entry with the host's own message (contracts §2 "Partial facts"); the rest still answers.
"""

from __future__ import annotations

import json
from typing import Any

from ...errors import TargetError
from . import shape_system as system

FORM = "thin/1"
# A query whose failure is itself a fact, not an error: the class or service simply is not there.
ABSENT = ("invalid class", "not found", "cannot find any service", "invalid namespace")
NOT_A_COMMAND = "is not recognized as the name of a cmdlet"


class Answers:
    """One host's query results: records, the error that stopped a query, and per-record problems."""

    def __init__(self, answers: Any, where: str):
        if not isinstance(answers, dict):
            raise TargetError(f"{where}: the facts script returned {type(answers).__name__}, not its queries")
        self.answers = answers

    def records(self, name: str) -> list[dict]:
        answer = self.answers.get(name) or {}
        records = answer.get("records") or []
        return [r for r in (records if isinstance(records, list) else [records]) if isinstance(r, dict)]

    def failure(self, name: str) -> str | None:
        """The host's message when the query failed as a whole, else None."""
        answer = self.answers.get(name)
        if not isinstance(answer, dict):
            return "the facts script did not answer this query"
        if not answer.get("ok"):
            return str(answer.get("message") or "failed without a message")
        problems = self.problems(name)
        if problems and not self.records(name):       # every record failed: the part as a whole is unread
            return str(problems[0].get("message") or "failed without a message")
        return None

    def problems(self, name: str) -> list[dict]:
        problems = (self.answers.get(name) or {}).get("problems") or []
        return [p for p in (problems if isinstance(problems, list) else [problems]) if isinstance(p, dict)]

    def first(self, name: str) -> dict:
        records = self.records(name)
        return records[0] if records else {}


def _absent(message: str | None) -> bool:
    return message is not None and any(word in message.lower() for word in ABSENT)


def _text(value: Any, what: str) -> str:
    if not isinstance(value, str):   # an enum or id serialised raw comes as a number or an object
        raise TargetError(f"the facts script returned {what} as {type(value).__name__} ({str(value)[:40]}), "
                          "not as text: is nested-magics' facts.ps1 up to date on this version?")
    return value


def _int(value: Any) -> int | None:
    try:
        return None if value is None or isinstance(value, bool) else int(value)
    except (TypeError, ValueError):
        return None


class Shaper:
    """Builds one host-facts mapping (the host, or a guest) and its ``errors``."""

    def __init__(self, answers: Answers, is_guest: bool):
        self.q = answers
        self.is_guest = is_guest
        self.errors: list[dict] = []

    def error(self, part: str, message: str) -> None:
        self.errors.append({"part": part, "message": message[:4000]})

    def build(self) -> dict:
        q = self.q
        os_record, computer = q.first("os"), q.first("computer")
        doc: dict[str, Any] = {} if self.is_guest else {"schema": "nested-magics/host-facts/v1"}
        if q.failure("os") or not os_record:
            if not self.is_guest:    # without the OS there is no report to make: the host's own words
                raise TargetError(f"the host could not read Win32_OperatingSystem: {q.failure('os') or 'no answer'}")
            self.error("os", q.failure("os") or "no answer")
        else:
            doc["os"] = {"caption": str(os_record.get("Caption") or "").strip() or None,
                         "build": _int(os_record.get("BuildNumber")),
                         "kind": "client" if _int(os_record.get("ProductType")) == 1 else "server"}
            doc["os"] = {k: v for k, v in doc["os"].items() if v is not None}
        if q.failure("computer"):
            self.error("computer", q.failure("computer"))
        name = computer.get("Name")
        if name:
            doc["name"] = str(name)
        elif not self.is_guest:
            doc["name"] = "unknown"
        self._cpu(doc, computer)
        self._memory(doc, os_record, computer)
        doc["hypervisor_present"] = bool(computer.get("HypervisorPresent"))
        self._vbs(doc)
        installed = self._hyperv(doc)
        doc["vms"] = self._vms(installed)
        if installed:
            self._versions(doc)
            doc["switches"] = [{"name": str(r.get("Name")), "type": _text(r.get("SwitchType"), "a switch type")}
                               for r in self._part("switches", "switches")]
        self._nat(doc)
        self._system(doc, computer)
        if self.errors:
            doc["errors"] = self.errors
        return doc

    def _part(self, query: str, part: str) -> list[dict]:
        failure = self.q.failure(query)
        if failure:
            self.error(part, failure)
        return self.q.records(query)

    def _cpu(self, doc: dict, computer: dict) -> None:
        processors = self.q.records("processors")
        if self.q.failure("processors") or not processors:
            self.error("cpu", self.q.failure("processors") or "Win32_Processor returned nothing")
            if not self.is_guest:
                doc["cpu"] = {"vendor": "unknown"}
            return
        first = processors[0]
        cpu: dict[str, Any] = {"vendor": str(first.get("Manufacturer") or "unknown"),
                               "model": str(first.get("Name") or "").strip(), "sockets": len(processors)}
        if _int(computer.get("NumberOfLogicalProcessors")):
            cpu["logical_processors"] = _int(computer.get("NumberOfLogicalProcessors"))
        # A flag CIM does not report stays absent: unknown, never false (contracts §2).
        for key, prop in (("vmx", "VMMonitorModeExtensions"), ("slat", "SecondLevelAddressTranslationExtensions"),
                          ("firmware_enabled", "VirtualizationFirmwareEnabled")):
            if isinstance(first.get(prop), bool):
                cpu[key] = first[prop]
        if system.architecture(first):
            cpu["architecture"] = system.architecture(first)
        doc["cpu"] = {k: v for k, v in cpu.items() if v not in (None, "")}

    def _memory(self, doc: dict, os_record: dict, computer: dict) -> None:
        total, free_kb = _int(computer.get("TotalPhysicalMemory")), _int(os_record.get("FreePhysicalMemory"))
        if total:
            doc["memory"] = {"total_bytes": total, **({"free_bytes": free_kb * 1024} if free_kb is not None else {})}
        elif not self.is_guest:
            self.error("memory", "Win32_ComputerSystem gave no TotalPhysicalMemory")

    def _vbs(self, doc: dict) -> None:
        failure = self.q.failure("device_guard")
        record = self.q.first("device_guard")
        if failure and not _absent(failure):
            self.error("vbs", failure)
        # Win32_DeviceGuard is absent before Windows 10 1607 / Server 2016: there is no VBS to be on.
        services = record.get("SecurityServicesRunning") or []
        doc["vbs"] = {"status": _int(record.get("VirtualizationBasedSecurityStatus")) or 0,
                      "services_running": [s for s in (_int(v) for v in (services if isinstance(services, list)
                                                                         else [services])) if s is not None]}

    def _hyperv(self, doc: dict) -> bool:
        """Hyper-V is installed when its management service exists; the module is what reads its VMs."""
        failure = self.q.failure("vmms")
        installed = bool(self.q.records("vmms"))
        if failure and not _absent(failure):
            self.error("hyperv", failure)
        doc["hyperv_installed"] = installed
        return installed or (failure is not None and not _absent(failure))

    def _versions(self, doc: dict) -> None:
        failure = self.q.failure("vm_versions")
        if failure and NOT_A_COMMAND in failure:     # before Windows 10 1607 / Server 2016 the cmdlet does not exist
            return
        versions = [r.get("Version") for r in self._part("vm_versions", "vm-versions")]
        doc["supported_vm_versions"] = [str(v) for v in versions if isinstance(v, str)]
        default = self.q.first("default_vm_version").get("Version")
        if isinstance(default, str):
            doc["default_vm_version"] = default

    def _vms(self, installed: bool) -> list[dict]:
        failure = self.q.failure("vms")
        if failure:
            # No Hyper-V at all is host.hyperv's to say; a host that has it but cannot list VMs is an error.
            if installed or NOT_A_COMMAND not in failure:
                self.error("vms", failure)
            return []
        vms = [self._vm(r) for r in self.q.records("vms")]
        by_id = {vm["id"]: vm for vm in vms}
        names = {vm["name"].casefold(): vm["name"] for vm in vms}
        processors = self._per_vm("vm_processors", "processor", names)
        adapters = self._per_vm("vm_adapters", "network_adapters", names)
        checkpoints = self._per_vm("vm_checkpoints", "checkpoints", names)
        for vm in vms:
            record = processors.get(vm["id"])
            if record is not None:
                vm["processor"] = {"count": _int(record.get("Count")) or vm["processor"].get("count"),
                                   "expose_virtualization_extensions": bool(record.get("ExposeVirtualizationExtensions"))}
                vm["processor"] = {k: v for k, v in vm["processor"].items() if v is not None}
            elif not self._unread(vm, "processor"):
                self.error(f"vms[{vm['name']}].processor", "Get-VMProcessor returned no settings for this VM")
        for record in adapters.get("*", []):   # one pipeline for every VM's adapters (and the host's own)
            vm = by_id.get(record.get("VMId"))
            if vm is not None and not record.get("IsManagementOs"):
                spoofing = _text(record.get("MacAddressSpoofing"), "MacAddressSpoofing")
                vm["network_adapters"].append({"name": str(record.get("Name") or "Network Adapter"),
                                               "switch": record.get("SwitchName") or None,
                                               "mac_spoofing": spoofing.casefold() == "on"})
        for record in checkpoints.get("*", []):
            vm = by_id.get(record.get("VMId"))
            if vm is not None:
                vm["checkpoints"] += 1
        return vms

    def _vm(self, record: dict) -> dict:
        vm: dict[str, Any] = {"name": str(record.get("Name")), "id": _text(record.get("Id"), "a VM id"),
                              "state": _text(record.get("State"), "a VM state"),
                              "version": _text(record.get("Version"), "a VM version")}
        if _int(record.get("Generation")):
            vm["generation"] = _int(record.get("Generation"))
        vm["processor"] = {"count": _int(record.get("ProcessorCount"))} if _int(record.get("ProcessorCount")) else {}
        vm["memory"] = {"dynamic": bool(record.get("DynamicMemoryEnabled"))}
        if _int(record.get("MemoryStartup")):
            vm["memory"]["startup_bytes"] = _int(record.get("MemoryStartup"))
        vm["network_adapters"], vm["checkpoints"], vm["guest"] = [], 0, None
        if isinstance(record.get("IsClustered"), bool):
            vm["clustered"] = record["IsClustered"]
        return vm

    def _per_vm(self, query: str, part: str, names: dict[str, str]) -> dict:
        """Records by VMId (processors) or all of them under ``*``; a problem for one VM leaves only its part unread."""
        failure = self.q.failure(query)
        if failure:
            self.error(f"vms.{part}", failure)
            return {}
        for problem in self.q.problems(query):
            target = names.get(str(problem.get("target") or "").casefold())
            self.error(f"vms[{target}].{part}" if target else f"vms.{part}", str(problem.get("message") or "failed"))
        records = self.q.records(query)
        if part == "processor":
            return {r.get("VMId"): r for r in records}
        return {"*": records}

    def _unread(self, vm: dict, part: str) -> bool:
        parts = {f"vms.{part}", f"vms[{vm['name']}].{part}"}
        return any(e["part"] in parts for e in self.errors)

    def _system(self, doc: dict, computer: dict) -> None:
        """The computer itself (shape_system): edition, boot entry, machine (its cloud, and the names Data Exchange
        gave a Hyper-V guest), optional features."""
        edition = system.edition(self.q.first("edition"))
        if self.q.failure("edition"):
            self.error("edition", self.q.failure("edition"))
        elif edition and "os" in doc:
            doc["os"]["edition"] = edition
        lines = self._part("boot", "boot")
        doc["boot"] = system.boot([]) if self.q.failure("boot") else system.boot(lines)
        records = self._part("features", "features")
        if records and not self.q.failure("features"):
            doc["features"] = system.features(records)
        elif not self.q.failure("features"):
            self.error("features", "Get-WindowsOptionalFeature listed no features")
        cloud = None
        if self.q.failure("cloud"):
            self.error("cloud", self.q.failure("cloud"))
        elif self.q.records("cloud"):
            cloud = system.cloud(self.q.first("cloud"))
        names = {}
        if self.q.failure("data_exchange"):
            self.error("data_exchange", self.q.failure("data_exchange"))
        elif self.q.records("data_exchange"):
            names = system.data_exchange(self.q.first("data_exchange"))
        machine = system.machine(computer, cloud, names)
        if machine is not None:
            doc["machine"] = machine
        elif not self.q.failure("computer"):
            self.error("machine", "Win32_ComputerSystem named neither a manufacturer nor a model")

    def _nat(self, doc: dict) -> None:
        failure = self.q.failure("nat")
        if failure and not _absent(failure) and NOT_A_COMMAND not in failure:
            self.error("nat", failure)
        doc["nat"] = [{"name": str(r.get("Name")), "prefix": str(r.get("InternalIPInterfaceAddressPrefix") or "")}
                      for r in self.q.records("nat")]


def shape_document(document: Any, host: str) -> dict:
    """The host-facts mapping for what facts.ps1 printed (its form ``thin/1``), guests included."""
    if not isinstance(document, dict) or document.get("form") != FORM:
        raise TargetError(f"{host}: the facts script's answer is not the form this version reads ({FORM}); "
                          "is nested-magics' facts.ps1 up to date on this version?")
    shaper = Shaper(Answers(document.get("host"), host), is_guest=False)
    doc = shaper.build()
    by_id = {vm.get("id"): vm for vm in doc["vms"]}
    for answer in document.get("guests") or []:
        vm = by_id.get(answer.get("id")) if isinstance(answer, dict) else None
        if vm is None:
            continue
        part = f"vms[{vm['name']}].guest"
        if answer.get("json"):
            try:
                guest = Shaper(Answers(json.loads(answer["json"]), f"{host}/{vm['name']}"), is_guest=True)
                vm["guest"] = guest.build()
            except (ValueError, TargetError) as exc:
                shaper.error(part, f"its answer could not be read: {exc}")
        elif answer.get("message"):
            shaper.error(part, str(answer["message"]))
        elif answer.get("skipped") and vm.get("state") == "Running":
            shaper.error(part, f"not looked inside: {answer['skipped']}")
    if shaper.errors:
        doc["errors"] = shaper.errors
    return doc
