"""The host → VMs → nested VMs tree (any depth), as data every view draws from."""

from __future__ import annotations

from dataclasses import dataclass, field

from nested_magics.model.facts import HostFacts


@dataclass
class TreeNode:
    name: str
    level: int                 # 0: the physical host (L0), 1: its VMs, 2: VMs inside them, ...
    kind: str                  # "host" or "vm"
    state: str | None = None   # VMs only
    nesting: bool = False      # VMs: ExposeVirtualizationExtensions; host: the hypervisor runs
    hyperv: bool | None = None  # Hyper-V installed (host), or in the VM's guest (None: unknown)
    build: int | None = None
    children: list["TreeNode"] = field(default_factory=list)

    def walk(self):
        yield self
        for child in self.children:
            yield from child.walk()

    @property
    def depth(self) -> int:
        """The deepest level below (and including) this node."""
        return max(node.level for node in self.walk())

    def to_dict(self) -> dict:
        out = {"name": self.name, "level": f"L{self.level}", "kind": self.kind}
        if self.kind == "vm":
            out.update(state=self.state, nesting=self.nesting)
        out.update(hyperv=self.hyperv, build=self.build, children=[c.to_dict() for c in self.children])
        return out

    def __repr__(self) -> str:
        return f"<Tree {self.name}: {sum(1 for n in self.walk() if n.kind == 'vm')} VM(s), {self.depth + 1} level(s)>"


def build_tree(host: HostFacts) -> TreeNode:
    root = TreeNode(host.name or "host", 0, "host", nesting=host.hypervisor_present, hyperv=host.hyperv_installed,
                    build=host.build)
    root.children = [_vm_node(vm, 1) for vm in host.vms]
    return root


def _vm_node(vm, level: int) -> TreeNode:
    guest = vm.guest
    node = TreeNode(vm.name, level, "vm", state=vm.state, nesting=vm.nesting,
                    hyperv=None if guest is None else guest.hyperv_installed,
                    build=None if guest is None else guest.build)
    if guest is not None:
        node.children = [_vm_node(inner, level + 1) for inner in guest.vms]
    return node
