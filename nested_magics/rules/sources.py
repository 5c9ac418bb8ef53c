"""Where each rule comes from, as users see it: the blog and Microsoft's documents, each ending with its public
address (the HTML view makes it a link), never our fact sheet."""

BLOG = ("The blog (Windows Insider Preview: Nested Virtualization, 2015-10-13), "
        "https://blogs.technet.microsoft.com/virtualization/2015/10/13/windows-insider-preview-nested-virtualization/")
# The address the blog itself gives for the nesting docs, which build 14361 (June 2016) and GA (Sept 2016) updated.
DOCS_2016 = ("Microsoft, nesting docs for build 14361 (June 2016) and GA (Sept 2016), "
             "https://msdn.microsoft.com/en-us/virtualization/hyperv_on_windows/user_guide/nesting")
DOCS_NOW = ("Microsoft, Windows Server docs: Enable nested virtualization (2025), "
            "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/enable-nested-virtualization")
AMD_DOCS = ("Microsoft, Virtualization-Documentation PR #1915 (2023): AMD needs WS2022 / Windows 11, "
            "https://github.com/MicrosoftDocs/Virtualization-Documentation/pull/1915")
HW_DOCS = ("Microsoft, System requirements for Hyper-V (SLAT, VT-x, firmware), "
           "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/system-requirements-for-hyper-v-on-windows")
VBS_NOTE = ("Ben Armstrong (Hyper-V PM), Virtualization-Documentation PR #1059 (2019): nesting works with VBS, "
            "https://github.com/MicrosoftDocs/Virtualization-Documentation/pull/1059")
SCRIPT = ("Microsoft's Enable-NestedVm.ps1 (2015-2016), which offers 4 GB, "
          "https://github.com/MicrosoftDocs/Virtualization-Documentation/blob/main/hyperv-tools/Nested/Enable-NestedVm.ps1")
# The 225-vCPU note was added to the nesting docs in April 2023; they now live in the Windows Server docs.
L1_225 = ("Microsoft nesting docs (April 2023): WS2019 or earlier as L1: 225 vCPUs or fewer, "
          "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/enable-nested-virtualization")

ALL = (BLOG, DOCS_2016, DOCS_NOW, AMD_DOCS, HW_DOCS, VBS_NOTE, SCRIPT, L1_225)


# Issue 13: the checks for today's machines (editions, boot, VMs that are hosts, ARM64, clusters, Azure).
EDITIONS = ("Microsoft, Install Hyper-V (Windows Server docs, 2025): not on Windows 10 or 11 Home, "
            "https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/get-started/install-hyper-v")
BCDEDIT = ("Microsoft, BCDEdit /set: hypervisorlaunchtype Off | Auto (Windows driver docs), "
           "https://learn.microsoft.com/en-us/windows-hardware/drivers/devtest/bcdedit--set")
WSL_TROUBLESHOOTING = ("Microsoft, Troubleshooting WSL (2024): bcdedit /set hypervisorlaunchtype auto, "
                       "https://learn.microsoft.com/en-us/windows/wsl/troubleshooting")
NESTED_STATUS = ("Microsoft's Get-NestedVirtStatus.ps1 (2016): OFFERNESTEDVIRT=FALSE in hypervisorloadoptions, "
                 "https://github.com/MicrosoftDocs/Virtualization-Documentation/blob/main/hyperv-tools/Nested/"
                 "Get-NestedVirtStatus.ps1")
TLFS_NESTED = ("Microsoft, Hypervisor Top Level Functional Specification: Nested Virtualization (x64 only), "
               "https://learn.microsoft.com/en-us/virtualization/hyper-v-on-windows/tlfs/nested-virtualization")
ARM64_NOTE = ("Microsoft in microsoft/WSL#13796 (2025-12-04): \"a hardware limitation of most ARM64 chips\", "
              "https://github.com/microsoft/WSL/issues/13796")
NESTED_WHAT = ("Microsoft, What is nested virtualization (Windows Server docs, 2025): not suited to failover "
               "clustering, https://learn.microsoft.com/en-us/windows-server/virtualization/hyper-v/nested-virtualization")
AZURE_SIZES = ("Microsoft, Azure VM size-series pages (2025), Feature support: Nested Virtualization, "
               "https://learn.microsoft.com/en-us/azure/virtual-machines/sizes/overview")
TRUSTED_LAUNCH = ("Microsoft, Trusted Launch for Azure VMs (2025), "
                  "https://learn.microsoft.com/en-us/azure/virtual-machines/trusted-launch")
AZURE_IMDS = ("Microsoft, Azure Instance Metadata Service (2025): vmSize, securityType, "
              "https://learn.microsoft.com/en-us/azure/virtual-machines/instance-metadata-service")
GET_VM = ("Microsoft, Get-VM (Hyper-V PowerShell module docs, 2025), "
          "https://learn.microsoft.com/en-us/powershell/module/hyper-v/get-vm")
HYPERV_MODULE = ("Microsoft, Hyper-V PowerShell module reference (2025), "
                 "https://learn.microsoft.com/en-us/powershell/module/hyper-v/")
HYPERV_ADMINS = ("Microsoft, Active Directory security groups: Hyper-V Administrators (2025), "
                 "https://learn.microsoft.com/en-us/windows-server/identity/ad-ds/manage/understand-security-groups")

ALL = ALL + (EDITIONS, BCDEDIT, WSL_TROUBLESHOOTING, NESTED_STATUS, TLFS_NESTED, ARM64_NOTE, NESTED_WHAT,
             AZURE_SIZES, TRUSTED_LAUNCH, AZURE_IMDS, GET_VM, HYPERV_MODULE, HYPERV_ADMINS)
