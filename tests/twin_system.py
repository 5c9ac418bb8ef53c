"""The Windows twin's models of the facts about the computer itself, for facts.ps1's queries: the registry's
CurrentVersion key and a Hyper-V guest's Data Exchange key (Guest\\Parameters, with ``Test-Path``), ``bcdedit``,
``Get-WindowsOptionalFeature``, ``Win32_SystemEnclosure`` and Azure's instance metadata service, each played from
the facts document (``os.edition``, ``boot``, ``features``, ``machine`` with its ``vm_name`` and ``physical_host``).

A query that is more than one plain pipeline of modelled cmdlets (statements, ``if``/``throw``, script blocks
that filter or call, a native command) runs in twin_pwsh's small PowerShell with these cmdlets, so what it
answers depends on what the text asks:
- ``bcdedit`` without an administrator exits 1 with the two lines below; whether it writes them to stdout or
  stderr is not documented, so the twin writes them to stderr (what ``2>&1`` brings into the pipeline) and
  sets ``$LASTEXITCODE``; a ``{current}`` left unquoted reaches bcdedit as a script block, which the twin refuses;
- ``Invoke-RestMethod`` reaches the metadata address only on a machine whose facts say it is an Azure VM: on any
  other machine the twin fails the test (the script must not ask). It needs the ``Metadata: true`` header and an
  ``api-version`` (else the service's 400), a short ``-TimeoutSec``, and gives ``securityProfile.securityType``
  only from api-version 2021-12-13 (Microsoft Learn, "Azure Instance Metadata Service").
"""

from __future__ import annotations

import re

from nested_magics.load import load_facts
from nested_magics.model.facts import NESTING_FEATURES

from twin_pwsh import Cmdlet, Enum, ScriptBlock, Shell, Thrown, as_text, member, truthy

BCD_DENIED = ("The boot configuration data store could not be opened.", "Access is denied.")
NEEDS_ELEVATION = "The requested operation requires elevation."
CURRENT_VERSION = r"hklm:\software\microsoft\windows nt\currentversion"
GUEST_PARAMETERS = r"hklm:\software\microsoft\virtual machine\guest\parameters"
# The Azure chassis asset tag (SMBIOS); a Hyper-V guest that is not on Azure has a per-VM tag of the same form.
AZURE_ASSET_TAG = "7783-7084-3265-9085-8269-3286-77"
HYPERV_ASSET_TAG = "4527-9311-0865-5125-2734-9130-61"
IMDS = "http://169.254.169.254/metadata/instance"
NO_HEADER = "The remote server returned an error: (400) Bad Request."
UNREACHABLE = "Unable to connect to the remote server"
# Microsoft.Dism.Commands.FeatureState by name (DismPackageFeatureState numbers; believed).
FEATURE_STATES = {"DisablePending": 1, "Disabled": 2, "DisabledWithPayloadRemoved": 3, "Enabled": 4,
                  "EnablePending": 5}
# Features every Windows lists besides the four nesting users need (the query must pick its own out).
OTHER_FEATURES = {"SMB1Protocol": "Disabled", "TelnetClient": "Disabled", "NetFx4-AdvSrvs": "Enabled"}


class Redirect:
    """``2>&1`` among a command's elements."""

    def __init__(self, text: str):
        self.text = text


class FactsShell(Shell):
    """twin_pwsh's Shell with what facts queries use beyond it: redirections and ``-join``."""

    def value(self, node):
        if node.type == "redirection":
            return Redirect(node.text.decode())
        if node.type == "bareword_argument_list":      # -Property Name, @{...}
            return [c.text.decode() if c.type == "generic_token" else self.value(c) for c in node.named_children]
        if node.type == "comparison_expression" and node.named_children[1].text.decode().lower() == "-join":
            left = self.value(node.named_children[0])
            parts = left if isinstance(left, list) else [left]
            return as_text(self.value(node.named_children[2])).join(as_text(p) for p in parts)
        return super().value(node)


def registry_key(host, path: str) -> dict:
    """Get-ItemProperty of one key: CurrentVersion, or a Hyper-V guest's Guest\\Parameters where Data Exchange
    filled it; any other key is absent (PowerShell's own words, a non-terminating error naming the path)."""
    path = path.strip("'\"")
    if path.lower() == CURRENT_VERSION:
        return {"EditionID": edition_of(host), "InstallationType": "Client" if host.os.kind == "client" else "Server",
                "CurrentBuild": str(host.build or ""), "ProductName": host.os.caption or "Windows"}
    record = guest_parameters(host) if path.lower() == GUEST_PARAMETERS else None
    if record is None:
        raise LookupError(f"Cannot find path '{path}' because it does not exist.")
    return record


def guest_parameters(host) -> dict | None:
    """The values Hyper-V's Data Exchange writes into a guest's Guest\\Parameters key (Microsoft Learn,
    IVMGuestOS::GetParameter; eflow#207), from ``machine.vm_name`` and ``machine.physical_host``; None (the key is
    absent) on a physical machine or a guest whose document names neither (Data Exchange off)."""
    machine = host.machine
    if machine is None or not (machine.vm_name or machine.physical_host):
        return None
    fqdn = machine.physical_host or ""
    short = fqdn.split(".")[0]
    return {"HostName": short, "PhysicalHostName": short, "PhysicalHostNameFullyQualified": fqdn,
            "VirtualMachineName": machine.vm_name or "", "PSChildName": "Parameters",
            "PSPath": r"Microsoft.PowerShell.Core\Registry::HKEY_LOCAL_MACHINE\SOFTWARE\Microsoft\Virtual Machine"
                      r"\Guest\Parameters"}


def registry_exists(host, path: str) -> bool:
    try:
        registry_key(host, path)
    except LookupError:
        return False
    return True


def item_property(host, path: str) -> list[dict]:
    """Get-ItemProperty's answer: the key's record, or its non-terminating error (the query's problem, its
    target the path)."""
    try:
        return [registry_key(host, path)]
    except LookupError as exc:
        return [{"__problem__": str(exc), "target": path.strip("'\"")}]


def features(host, not_admin: bool) -> list[dict]:
    if not_admin:
        raise PermissionError(NEEDS_ELEVATION)
    return [{"FeatureName": name, "State": Enum(state, FEATURE_STATES[state]), "Online": True}
            for name, state in {**OTHER_FEATURES, **feature_states(host)}.items() if state != "NotPresent"]


# -- what this Windows says where the document it plays does not (one home: the twin and ``played``) ----------


def edition_of(host) -> str:
    return host.os.edition or ("Professional" if host.os.kind == "client" else "ServerDatacenter")


def feature_states(host) -> dict[str, str]:
    return {"Microsoft-Hyper-V": "Enabled" if host.hyperv_installed else "Disabled",
            "VirtualMachinePlatform": "Disabled", "Microsoft-Windows-Subsystem-Linux": "Disabled",
            "Containers-DisposableClientVM": "Disabled", **host.features}


def launch_type(host) -> str | None:
    """Enabling Hyper-V writes hypervisorlaunchtype Auto; a host without it never had the element."""
    return host.boot.hypervisor_launch_type if host.boot is not None else ("Auto" if host.hyperv_installed else None)


def played(facts):
    """``facts`` as this twin reports them: the document's own facts, and Windows' answer where it says nothing
    (an edition, x64, the boot entry, a maker and model, the features), guests included. The report over WinRM
    or ``local`` equals the mock's report of this document."""
    doc = facts.to_dict()
    _fill(doc, facts)
    return load_facts(doc)


def _fill(doc: dict, host) -> None:
    doc.setdefault("os", {})["edition"] = edition_of(host)
    doc.setdefault("cpu", {}).setdefault("architecture", host.cpu.architecture or "x64")
    doc["boot"] = {"hypervisor_launch_type": launch_type(host),
                   "nested_virt_offered": False if host.boot is not None and host.boot.nested_virt_offered is False
                   else None}
    record = machine_record(host)
    cloud = host.machine.cloud.to_dict() if is_azure(host) else None
    if cloud is not None and cloud["security_type"] is None:
        cloud["security_type"] = "Standard"       # the service's "" (real-hosts.md §6, believed)
    doc["machine"] = {"virtual": record["Model"] == "Virtual Machine" or cloud is not None,
                      "manufacturer": record["Manufacturer"], "model": record["Model"], "cloud": cloud}
    names = guest_parameters(host) or {}
    doc["machine"].update({key: names[value] for key, value in (("vm_name", "VirtualMachineName"),
                                                                 ("physical_host", "PhysicalHostNameFullyQualified"))
                           if names.get(value)})
    doc["features"] = {name: feature_states(host)[name] for name in NESTING_FEATURES}
    for vm_doc, vm in zip(doc.get("vms") or [], host.vms):
        vm_doc["clustered"] = bool(vm.clustered)          # VM.IsClustered is always a boolean
        if vm.guest is not None:
            _fill(vm_doc["guest"], vm.guest)


def machine_record(host) -> dict:
    machine = host.machine
    virtual = host.is_guest or bool(machine and (machine.virtual or machine.cloud))
    if virtual:
        maker, model = "Microsoft Corporation", "Virtual Machine"
    else:                     # a physical machine the document does not describe: one a lab might have
        maker, model = "Dell Inc.", "OptiPlex 7020" if host.os.kind == "client" else "PowerEdge R750"
    return {"Manufacturer": (machine and machine.manufacturer) or maker, "Model": (machine and machine.model) or model}


def is_azure(host) -> bool:
    return bool(host.machine and host.machine.cloud and host.machine.cloud.provider == "azure")


def enclosure(host) -> dict:
    virtual = machine_record(host)["Model"] == "Virtual Machine"
    tag = AZURE_ASSET_TAG if is_azure(host) else HYPERV_ASSET_TAG if virtual else "Default string"
    return {"SMBIOSAssetTag": tag, "ChassisTypes": [1]}


def bcd_lines(host) -> list[str]:
    boot, launch = host.boot, launch_type(host)
    lines = ["Windows Boot Loader", "-------------------", "identifier              {current}",
             "device                  partition=C:", r"path                    \WINDOWS\system32\winload.efi",
             f"description             {host.os.caption or 'Windows'}", "locale                  en-US",
             "osdevice                partition=C:", r"systemroot              \WINDOWS"]
    if launch:
        lines.append(f"hypervisorlaunchtype    {launch}")
    if boot is not None and boot.nested_virt_offered is False:
        lines.append("hypervisorloadoptions   OFFERNESTEDVIRT=FALSE")
    return lines


class SystemQueries:
    """Runs one query's text in the small PowerShell against ``host``; ``calls`` counts the cmdlets it ran."""

    def __init__(self, host, when, cim):
        self.host, self.when, self.cim = host, when, cim
        self.calls = 0
        self.imds_requests: list[str] = []

    def run(self, text: str) -> list:
        shell = FactsShell({name: Cmdlet(self._counted(run), params, switches)
                            for name, (run, params, switches) in self._cmdlets().items()})
        return shell.run(text)

    def _counted(self, run):
        def counted(shell, args, flow):
            self.calls += 1
            return run(shell, args, flow)
        return counted

    def _cmdlets(self) -> dict:
        return {
            "Get-CimInstance": (self._get_cim, ("ClassName", "Namespace"), ()),
            "Get-ItemProperty": (lambda s, a, f: item_property(self.host, _path(a)), ("Path", "LiteralPath"), ()),
            "Test-Path": (lambda s, a, f: [registry_exists(self.host, _path(a))], ("Path", "LiteralPath"), ()),
            "Get-WindowsOptionalFeature": (self._get_features, ("FeatureName",), ("Online",)),
            "bcdedit": (self._bcdedit, (), ()),
            "Invoke-RestMethod": (self._invoke_rest, ("Uri", "Headers", "TimeoutSec", "Method"), ("UseBasicParsing",)),
            "Where-Object": (lambda s, a, f: [x for x in f or [] if truthy(s.invoke(_block(a, "FilterScript"), x))],
                             ("FilterScript",), ()),
            "ForEach-Object": (lambda s, a, f: [o for x in f or [] for o in s.invoke(_block(a, "Process"), x)],
                               ("Process",), ()),
            "Select-Object": (_select, ("Property",), ()),
        }

    def _get_cim(self, shell, args, flow):
        return self.cim(args.get("ClassName") or args.positional[0], as_text(args.get("Namespace")))

    def _get_features(self, shell, args, flow):
        if not args.get("Online"):
            raise Thrown("Get-WindowsOptionalFeature: name an image (-Path) or the running Windows (-Online).")
        return modelled(features, self.host, self.when.not_admin)

    def _bcdedit(self, shell, args, flow):
        words = [a for a in args.positional if not isinstance(a, Redirect)]
        if any(isinstance(w, ScriptBlock) for w in words):
            raise AssertionError("twin: bcdedit was given a script block: quote '{current}' for PowerShell")
        if [as_text(w).lower() for w in words] != ["/enum", "{current}"]:
            raise AssertionError(f"twin: no model of bcdedit {' '.join(as_text(w) for w in words)}")
        merged = any(r.text.replace(" ", "") == "2>&1" for r in args.positional if isinstance(r, Redirect))
        if self.when.not_admin:
            shell.variables["lastexitcode"] = 1
            return list(BCD_DENIED) if merged else []      # stderr reaches the pipeline only through 2>&1
        shell.variables["lastexitcode"] = 0
        return bcd_lines(self.host)

    def _invoke_rest(self, shell, args, flow):
        uri = as_text(args.get("Uri") or (args.positional[0] if args.positional else ""))
        if not uri.lower().startswith(IMDS):
            raise AssertionError(f"twin: facts.ps1 asked {uri}: tests never contact any address but the twin's")
        if not is_azure(self.host):
            raise AssertionError(f"twin: facts.ps1 asked the Azure metadata service on {self.host.name}, which "
                                 "is not an Azure VM (it must ask only when the machine says it is one)")
        self.imds_requests.append(uri)
        timeout = args.get("TimeoutSec")
        if timeout is None or int(timeout) > 5:
            raise AssertionError("twin: the metadata request has no short -TimeoutSec (off Azure nothing answers)")
        headers = args.get("Headers") or {}
        version = re.search(r"[?&]api-version=([\d-]+)", uri)
        if as_text(member(headers, "Metadata")).lower() != "true" or version is None:
            raise Thrown(NO_HEADER)
        if self.when.imds_unreachable:
            raise Thrown(UNREACHABLE)
        compute = _compute(self.host, version[1])
        path = uri.split("?")[0].lower().rstrip("/")
        if path == IMDS:
            return [{"compute": compute, "network": {"interface": []}}]
        if path == IMDS + "/compute":
            return [compute]
        raise AssertionError(f"twin: no model of the metadata path {path}")


def _compute(host, version: str) -> dict:
    """compute, as the service answers it (strings throughout; "" where a value does not apply)."""
    cloud = host.machine.cloud
    compute = {"azEnvironment": "AzurePublicCloud", "location": "westeurope", "name": host.name or "vm",
               "osType": "Windows", "vmId": "8d7a2b4c-1e2f-4a3b-9c8d-7e6f5a4b3c2d", "vmSize": cloud.vm_size or "",
               "zone": "1", "priority": "", "provider": "Microsoft.Compute"}
    if version >= "2021-12-13":
        security = cloud.security_type or ""
        compute["securityProfile"] = {"secureBootEnabled": "true" if security == "TrustedLaunch" else "false",
                                      "virtualTpmEnabled": "true" if security == "TrustedLaunch" else "false",
                                      "encryptionAtHost": "false",
                                      "securityType": "" if security == "Standard" else security}
    return compute


def modelled(model, *arguments):
    """What a model gives, its refusal a terminating error with Windows' words."""
    try:
        return model(*arguments)
    except (LookupError, PermissionError) as exc:
        raise Thrown(str(exc)) from None


def _block(args, name: str) -> ScriptBlock:
    block = args.get(name) or next((p for p in args.positional if isinstance(p, ScriptBlock)), None)
    if block is None:
        raise AssertionError(f"twin: no script block for -{name}")
    return block


def _path(args) -> str:
    path = args.get("LiteralPath") or args.get("Path") or (args.positional[0] if args.positional else None)
    if path is None:
        raise AssertionError("twin: a registry cmdlet without a path")
    return as_text(path)


def _select(shell, args, flow):
    spec = args.get("Property") or args.positional
    spec = spec if isinstance(spec, list) else [spec]
    out = []
    for item in flow or []:
        if isinstance(item, dict) and "__problem__" in item:     # an error record: the error stream, not selected
            out.append(item)
            continue
        record = {}
        for prop in spec:
            if isinstance(prop, dict):
                record[as_text(member(prop, "Name"))] = _single(shell.invoke(member(prop, "Expression"), item))
            else:
                record[as_text(prop)] = member(item, as_text(prop))
        out.append(record)
    return out


def _single(outputs: list):
    return None if not outputs else outputs[0] if len(outputs) == 1 else outputs


def played_target(scenario: str, directory) -> str:
    """A mock target for the bundled ``scenario`` as this twin reports it (``played``), written in ``directory``."""
    import json

    from nested_magics.backends.mock import load_scenario

    path = directory / f"{scenario}-as-played.json"
    path.write_text(json.dumps(played(load_scenario(scenario)).to_dict()), encoding="utf-8")
    return f"mock:{path}"
