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

