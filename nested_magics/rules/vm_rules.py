"""VM rules (contracts §3): can this VM nest on this host, and what would the enable plan change?"""

from __future__ import annotations

from nested_magics import pwsh
from nested_magics.model.facts import SETTLED_STATES, VM, HostFacts
from nested_magics.model.report import FAIL, INFO, PASS, WARN, Check
from nested_magics.model.sizes import format_size
from nested_magics.rules import requirements as req
from nested_magics.rules.registry import vm_rule
from nested_magics.rules.sources import BLOG, DOCS_2016, DOCS_NOW, EDITIONS, GET_VM, L1_225, NESTED_WHAT, SCRIPT


def _vm_check(vm: VM, id_: str, status: str, fixable: bool, title: str, detail: str,
              fix: str | None, source: str) -> Check:
    return Check(id_, vm.name, status, fixable, title, detail, fix, source)


@vm_rule("vm.exists")
def check_exists(host: HostFacts, vm: VM) -> Check:
    return _vm_check(vm, "vm.exists", PASS, False, f"VM {vm.name} exists", f"Found on {host.name}.", None,
                     GET_VM)


def ambiguous_vm_check(host: HostFacts, name: str) -> Check:
    """contracts §3: a name matching more than one VM fails vm.exists, not fixable, listing their ids."""
    count = len(host.find_vms(name))
    return Check("vm.exists", name, FAIL, False, f"{count} VMs are named {name} on {host.name}",
                 f"{host.ambiguous(name)}. Nothing can act on one of them by this name.", None, GET_VM)


def missing_vm_check(host: HostFacts, name: str) -> Check:
    unread = host.unread(("vms",), name)
    if unread is not None:     # not found because it could not be read: unknown, never "does not exist"
        return Check("vm.exists", name, INFO, False, f"Unknown: VM {name} could not be read on {host.name}",
                     f"{host.name} did not give {unread.part}: {unread.message} (host.facts says the likely cause "
                     "and the next step).", None, GET_VM, data={"unknown": unread.part})
    existing = ", ".join(host.vm_names()) or "none"
    return Check("vm.exists", name, FAIL, False, f"VM {name} does not exist on {host.name}",
                 f"Hyper-V has no VM named {name!r} (names match case-insensitively). VMs on this host: {existing}.",
                 None, GET_VM)


@vm_rule("vm.version")
def check_version(host: HostFacts, vm: VM) -> Check:
    required = req.required_vm_version(host)
    if required is None:
        return _vm_check(vm, "vm.version", PASS, False, f"Configuration version {vm.version}",
                         "The 2015 preview had no version requirement (version 8.0 became required at build 14361).",
                         None, f"{DOCS_2016}")  # facts §2.2
    if req.version_meets(vm.version, required):
        return _vm_check(vm, "vm.version", PASS, False, f"Configuration version {vm.version} (needs {required})",
                         f"{'AMD' if host.cpu.is_amd else 'Intel'} hosts need VM configuration version {required} "
                         "or later to nest.", None, f"{DOCS_NOW}")  # facts §2.6
    default = host.default_vm_version
    can_update = default is not None and req.version_meets(default, required)
    settled = vm.state in SETTLED_STATES        # the plan waits while the VM changes state
    if can_update:
        detail = (f"Version {vm.version} is below {required}, which nesting needs on this host (since build 14361). "
                  f"Update-VMVersion moves it to {default}; this cannot be undone and the VM then runs only on hosts "
                  "that support that version (opt in with --update-version).")
    else:
        detail = (f"Version {vm.version} is below {required}, and this host's highest version is {default or 'unknown'}: "
                  "nesting needs a newer host (AMD needs 9.3, which exists only on Windows 11 / Server 2022 and later).")
    check = _vm_check(vm, "vm.version", FAIL, can_update and settled, f"Configuration version {vm.version} is below {required}",
                      detail, pwsh.command("Update-VMVersion", "Force", Name=vm.name) if can_update else None,
                      f"{DOCS_NOW}")  # facts §2.2, §2.6, §2.8
    if check.fixable:
        check.opt_ins = ("update-version",)
    return check


@vm_rule("vm.state")
def check_state(host: HostFacts, vm: VM) -> Check:
    if vm.state == "Off":
        return _vm_check(vm, "vm.state", PASS, False, "VM is Off", "Nesting can be switched on only while the VM is Off.",
                         None, f"{BLOG}; {DOCS_NOW}")  # facts §2.3
    if vm.nesting:
        return _vm_check(vm, "vm.state", PASS, False, f"VM is {vm.state}, nesting already on",
                         "Nothing needs the VM Off.", None, f"{DOCS_NOW}")  # facts §2.3
    if vm.state not in SETTLED_STATES:
        return _vm_check(vm, "vm.state", FAIL, False, f"VM is {vm.state}: wait for it to settle",
                         "Nesting can be switched on only while the VM is Off; it is changing state now. "
                         "Check again when it is Running, Off, Saved or Paused.", None, f"{DOCS_NOW}")  # facts §2.10
    how = {
        "Running": "The enable plan shuts it down gracefully (or turns it off with --turn-off).",
        "Saved": "Its saved state must be discarded first (opt in with --discard-saved-state): what is in its memory is lost.",
        "Paused": "A paused VM cannot shut down gracefully: turn it off (opt in with --turn-off).",
    }[vm.state]
    fix = {
        "Running": pwsh.command("Stop-VM", Name=vm.name),
        "Saved": pwsh.command("Remove-VMSavedState", VMName=vm.name),
        "Paused": pwsh.command("Stop-VM", "TurnOff", Name=vm.name),
    }[vm.state]
    check = _vm_check(vm, "vm.state", FAIL, True, f"VM is {vm.state}; it must be Off to enable nesting",
                      f"Hyper-V changes ExposeVirtualizationExtensions only while the VM is Off. {how}", fix,
                      f"{BLOG}; {DOCS_NOW}")  # facts §2.3, §2.10
    check.opt_ins = {"Saved": ("discard-saved-state",), "Paused": ("turn-off",)}.get(vm.state, ())
    return check


@vm_rule("vm.expose-extensions", needs=("vms.processor",))
def check_expose(host: HostFacts, vm: VM) -> Check:
    if vm.nesting:
        return _vm_check(vm, "vm.expose-extensions", PASS, False, "Virtualization extensions are exposed",
                         "ExposeVirtualizationExtensions is on: the guest can run its own hypervisor.", None,
                         f"{BLOG}")  # facts §2.3
    return _vm_check(vm, "vm.expose-extensions", FAIL, True, "Virtualization extensions are not exposed",
                     "Without ExposeVirtualizationExtensions the hypervisor hides VT-x from the guest, and installing "
                     "Hyper-V in it fails with \"Hyper-V cannot be installed: A hypervisor is already running.\"",
                     pwsh.command("Set-VMProcessor", VMName=vm.name, ExposeVirtualizationExtensions=True),
                     f"{BLOG}; {DOCS_NOW}")  # facts §2.3, §3


@vm_rule("vm.dynamic-memory", needs=("vms.memory",))
def check_dynamic_memory(host: HostFacts, vm: VM) -> Check:
    if not vm.dynamic_memory:
        return _vm_check(vm, "vm.dynamic-memory", PASS, False, "Dynamic memory is off",
                         "Startup memory is fixed, as nesting wants.", None, f"{BLOG}")  # facts §2.7
    fix = pwsh.command("Set-VMMemory", VMName=vm.name, DynamicMemoryEnabled=False)
    if req.profile(host.build) == "preview":
        return _vm_check(vm, "vm.dynamic-memory", FAIL, vm.state in SETTLED_STATES, "Dynamic memory is on",
                         "The blog: \"Dynamic memory must be OFF. This will prevent the VM from booting.\"", fix,
                         f"{BLOG}")  # facts §2.1
    return _vm_check(vm, "vm.dynamic-memory", WARN, req.off_changes_offered(host, vm),
                     "Dynamic memory is on (it stops working once Hyper-V runs inside)",
                     "Since 2016 a nesting VM may keep dynamic memory, but while Hyper-V runs in it the memory will not "
                     "fluctuate and runtime resize fails (in 2015 it stopped the VM from booting).", fix,
                     f"{DOCS_2016}")  # facts §2.3, §2.7


@vm_rule("vm.memory", needs=("vms.memory",))
def check_vm_memory(host: HostFacts, vm: VM) -> Check:
    startup = vm.startup_bytes
    if startup is None:
        return _vm_check(vm, "vm.memory", PASS, False, "Startup memory not reported",
                         "No startup memory was gathered.", None, SCRIPT)
    if startup < req.RECOMMENDED_VM_MEMORY:
        return _vm_check(vm, "vm.memory", WARN, req.off_changes_offered(host, vm), f"Startup memory {format_size(startup)} is below 4 GB",
                         "Enable-NestedVm.ps1: \"without 4GB or more, you may not be able to start VMs\" inside it.",
                         pwsh.command("Set-VMMemory", VMName=vm.name, StartupBytes=req.RECOMMENDED_VM_MEMORY),
                         f"{SCRIPT}; {BLOG}")  # facts §1.1
    return _vm_check(vm, "vm.memory", PASS, False, f"Startup memory {format_size(startup)}",
                     "4 GB or more: room for the guest's own VMs.", None, SCRIPT)


@vm_rule("vm.networking", needs=("vms.network_adapters",))
def check_networking(host: HostFacts, vm: VM) -> Check:
    adapters = vm.network_adapters
    source = f"{BLOG}; {DOCS_2016}"  # facts §2.3
    if not adapters:
        return _vm_check(vm, "vm.networking", WARN, False, "VM has no network adapter",
                         "Nested guests will have no network until the VM has an adapter "
                         "(then MAC spoofing, or NAT inside the guest).",
                         pwsh.command("Add-VMNetworkAdapter", VMName=vm.name), source)
    in_cloud = host.machine is not None and host.machine.cloud is not None
    if all(a.mac_spoofing for a in adapters) and not in_cloud:
        return _vm_check(vm, "vm.networking", PASS, False, "MAC address spoofing is on",
                         "Nested guests can reach the network through this VM's adapter.", None, source)
    if req.profile(host.build) == "current" and vm.guest is not None and vm.guest.nat:
        return _vm_check(vm, "vm.networking", PASS, False, "Nested guests use NAT inside the VM",
                         f"The guest has a NAT network ({vm.guest.nat[0].name}); since 2016 that works without MAC spoofing.",
                         None, source)
    if in_cloud:
        return _cloud_networking(host, vm)
    detail = ("MAC spoofing is off, so nested guests won't have network. The blog required MAC spoofing; since 2016 "
              "a NAT network inside the VM works too (best where spoofing is not allowed, as in a public cloud).")
    if req.profile(host.build) == "preview":
        detail = "The blog: \"MAC spoofing must be enabled for networking to work in its guests.\""
    return _vm_check(vm, "vm.networking", WARN, True, "Nested guests won't have network (MAC spoofing off)", detail,
                     pwsh.mac_spoofing(vm.name),
                     source)


_CLOUD_VM = {"azure": "an Azure VM"}     # machine.cloud.provider -> how the detail names it


def _cloud_networking(host: HostFacts, vm: VM) -> Check:
    """contracts §3: on a cloud VM host MAC spoofing does not count (it is a setting of this host's own vNIC on
    the provider's host, which tenants cannot change); only a NAT inside the VM gives nested guests a network."""
    spoofing = "MAC spoofing is on, but it" if all(a.mac_spoofing for a in vm.network_adapters) else "MAC spoofing"
    where = f"{host.name} is {_CLOUD_VM.get(host.machine.cloud.provider, 'a cloud VM')}: {spoofing} does not reach a cloud network"
    if req.profile(host.build) == "preview":    # the 2015 preview had no NAT way (it came in 2016)
        return _vm_check(vm, "vm.networking", WARN, False, "Nested guests won't have network (a cloud VM host)",
                         f"{where}, and on build {host.build} nested guests needed MAC spoofing (NAT inside the VM "
                         "works from build 14361 on).", None, f"{BLOG}; {DOCS_NOW}")
    return _vm_check(vm, "vm.networking", WARN, True, "Nested guests need a NAT here (a cloud VM host)",
                     f"{where}, so nested guests need a NAT network inside this VM (Microsoft: NAT \"is best suited for "
                     "cases where MAC address spoofing isn't possible, like in a public cloud environment\"). "
                     "Plan it with --networking nat.", None, f"{DOCS_NOW}")  # real-hosts §6, §7


@vm_rule("vm.checkpoints", needs=("vms.checkpoints",))
def check_checkpoints(host: HostFacts, vm: VM) -> Check:
    if req.profile(host.build) == "preview" and vm.checkpoints:
        return _vm_check(vm, "vm.checkpoints", WARN, False, f"VM has {vm.checkpoints} checkpoint(s)",
                         "The blog: \"Applying checkpoints to a running VM will fail\" once nesting is on "
                         "(fixed in build 14361).",
                         f"Get-VMCheckpoint -VMName {pwsh.quote(vm.name)} | Remove-VMCheckpoint", f"{BLOG}")  # facts §2.1
    detail = ("Checkpoints work with nesting since build 14361." if req.profile(host.build) == "current"
              else "No checkpoints.")
    return _vm_check(vm, "vm.checkpoints", PASS, False, "Checkpoints are no obstacle", detail, None,
                     f"{DOCS_2016}")  # facts §2.2


@vm_rule("vm.processors", needs=("vms.processor",))
def check_processors(host: HostFacts, vm: VM) -> Check:
    count = vm.processor_count
    if count == 1:
        return _vm_check(vm, "vm.processors", WARN, False, "Only 1 virtual processor",
                         "A nested hypervisor wants 2 or more; Microsoft's 2016 example set -Count 2.",
                         pwsh.command("Set-VMProcessor", VMName=vm.name, Count=2), f"{DOCS_2016}")  # facts §2.1
    guest = vm.guest
    old_server = (guest is not None and guest.os.kind == "server" and guest.build is not None
                  and guest.build <= req.OLD_SERVER_LAST_BUILD)
    if count is not None and count > req.MAX_VCPUS_OLD_SERVER_L1 and old_server:
        return _vm_check(vm, "vm.processors", WARN, False, f"{count} virtual processors: too many for this guest",
                         f"The guest runs Windows Server build {guest.build} (2019 or earlier): as a first-level VM "
                         "it should have 225 vCPUs or fewer.",
                         pwsh.command("Set-VMProcessor", VMName=vm.name, Count=req.MAX_VCPUS_OLD_SERVER_L1),
                         f"{L1_225}")  # facts §2.4
    shown = "unknown number of" if count is None else str(count)
    return _vm_check(vm, "vm.processors", PASS, False, f"{shown} virtual processors",
                     "Enough for a nested hypervisor.", None, f"{DOCS_2016}; {L1_225}")


@vm_rule("vm.guest-hyperv")
def check_guest_hyperv(host: HostFacts, vm: VM) -> Check:
    guest = vm.guest
    source = BLOG  # blog step 3 (facts §2.6)
    if guest is None:           # unknown is never pass (contracts §3)
        unread = host.unread(("vms.guest",), vm.name)
        why = (f"Looking inside failed: {unread.message}" if unread else
               "A real host is looked inside through PowerShell Direct only for a running VM that is named in "
               "the check, with guest credentials (--guest-user); a VM that is off cannot be looked inside.")
        # --install-hyperv installs it when it is not known to be there, so the plan offers a change for it.
        return _vm_check(vm, "vm.guest-hyperv", INFO, True, "Hyper-V in the guest: unknown",
                         f"Whether Hyper-V is installed inside is unknown. {why}", None, source)
    if guest.hyperv_installed:
        return _vm_check(vm, "vm.guest-hyperv", PASS, False, "Hyper-V is installed in the guest",
                         "The guest can create its own VMs (blog step 4).", None, source)
    if req.edition_lacks_hyperv(guest):     # --install-hyperv cannot work there ("Feature name ... is unknown")
        return _vm_check(vm, "vm.guest-hyperv", INFO, False, "The guest's edition has no Hyper-V",
                         f"{req.edition_name(guest)}: Windows Home has no Hyper-V, so it cannot be installed in this guest. "
                         f"Upgrade the guest to {req.HYPERV_EDITIONS}, or install such an edition in the VM.", None,
                         f"{source}; {EDITIONS}")
    return _vm_check(vm, "vm.guest-hyperv", INFO, True, "Hyper-V is not installed in the guest yet",
                     "Blog step 3: install Hyper-V in the guest once nesting is on (--install-hyperv).",
                     pwsh.install_hyperv_in_guest(vm.name, guest.os.kind), source)


@vm_rule("vm.known-issues", needs=("vms.processor",))
def check_known_issues(host: HostFacts, vm: VM) -> Check:
    if req.profile(host.build) == "preview" and vm.nesting:
        return _vm_check(vm, "vm.known-issues", WARN, False, "Preview limits apply to this nesting VM",
                         "On the 2015 preview these fail for a VM hosting VMs: runtime memory resize, live migration, "
                         "save/restore (and applying checkpoints while it runs). They still work in the innermost "
                         "guest. Build 14361 and later lifted most of them.", None, f"{BLOG}")  # facts §2.1, §2.7
    detail = ("Nesting is off, so the preview's limits do not apply yet." if not vm.nesting else
              "Since build 14361 save/restore and checkpoints work; runtime memory resize still fails while Hyper-V "
              "runs inside, and Microsoft's current docs do not say whether live migration is supported (uncertain).")
    return _vm_check(vm, "vm.known-issues", PASS, False, "No known-issue warnings", detail, None,
                     f"{BLOG}; {DOCS_2016}")  # facts §2.7


@vm_rule("vm.clustered")
def check_clustered(host: HostFacts, vm: VM) -> Check:
    if vm.clustered:
        preview = req.profile(host.build) == "preview"
        migration = ("on this preview build live migration of a VM hosting VMs fails (the blog)" if preview else
                     "live migration of a VM hosting VMs is not documented as supported")
        return _vm_check(vm, "vm.clustered", WARN, False, "This VM is clustered (a failover-cluster role)",
                         "Microsoft: nested virtualization \"isn't suitable for Windows Server Failover Clustering\"; "
                         "changes made here on one node bypass the cluster (another node may start the VM without "
                         f"them), and {migration}.", None, f"{NESTED_WHAT}; {BLOG}" if preview else NESTED_WHAT)
    if host.os.kind != "server":
        return _vm_check(vm, "vm.clustered", PASS, False, "Not clustered (client Windows)",
                         "Failover clustering exists only on Windows Server.", None, GET_VM)
    if vm.clustered is False:
        return _vm_check(vm, "vm.clustered", PASS, False, "Not clustered", "VM.IsClustered is false.", None, GET_VM)
    unread = host.unread(("vms.clustered",), vm.name)
    why = f": {unread.message}" if unread else ""
    return _vm_check(vm, "vm.clustered", INFO, False, "Unknown whether this VM is clustered",
                     f"IsClustered was not reported{why}. To see it on the host: "
                     f"Get-VM -Name {pwsh.quote(vm.name)} | Select-Object Name, IsClustered", None, GET_VM)
