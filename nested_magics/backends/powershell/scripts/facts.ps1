# nested-magics: facts
# Thin facts: a fixed list of named queries, each one guarded pipeline of documented cmdlets that yields plain
# records (Select-Object with strings, numbers and booleans; enums and ids as strings). PowerShell only runs
# them and serialises the results; the Python side (backends/powershell/shape.py) shapes them into host facts,
# so that shaping runs in every test. One invocation for the whole host; the number of cmdlet calls does not
# grow with the number of VMs (one pipeline per kind of fact). Guests are read through PowerShell Direct only
# for the VMs named in $Params.guest_vms ('*': every running VM, for the tree), with the same self-contained block.
param($Params)
$ErrorActionPreference = 'Stop'

# Runs here, and inside a guest through PowerShell Direct: self-contained (every function it calls is defined
# in it; the caller's functions do not exist in a remote session), and it returns JSON text, so no remoting
# property (PSComputerName, RunspaceId, PSShowComputerName) can reach the document.
# (In Select-Object lists a plain property comes first: tree-sitter-pwsh, which the tests read scripts with,
# misreads a list that starts with a calculated property.)
# boot: bcdedit needs an administrator (else exit 1, "The boot configuration data store could not be opened."),
# so its exit code decides and its own words are the error; '{current}' is quoted, or PowerShell reads a script block.
# cloud: the Azure instance metadata service is asked only on an Azure VM, known by its SMBIOS chassis asset tag
# 7783-7084-3265-9085-8269-3286-77 (Microsoft Learn, "Troubleshoot Linux update agent issues" in Azure Automation:
# "To verify if a VM is an Azure VM, check for Asset tag value"; cloud-init's Azure datasource tests the same tag),
# with the Metadata header it requires, a short timeout, and an api-version that has securityProfile.securityType
# (2021-12-13 and later; Microsoft Learn, "Azure Instance Metadata Service"). Windows PowerShell 5.1 has no -NoProxy.
# data_exchange: inside a Hyper-V guest, Hyper-V's Data Exchange integration service fills Guest\Parameters with the
# VM's name on its host and that host's name (Microsoft Learn, IVMGuestOS::GetParameter); on a physical machine, or
# with Data Exchange off, the key is absent, so Test-Path guards it: no records, not an error.
$Gather = {
    $ErrorActionPreference = 'Continue'
    $ProgressPreference = 'SilentlyContinue'
    function Invoke-NmQuery([scriptblock]$Query) {
        # One part of the facts: its records, and the host's own words for what failed (all of it, or one record).
        $records = New-Object System.Collections.ArrayList
        $problems = New-Object System.Collections.ArrayList
        try {
            & $Query 2>&1 | ForEach-Object {
                if ($_ -is [System.Management.Automation.ErrorRecord]) {
                    $target = $_.TargetObject
                    if ($null -ne $target -and $null -ne $target.PSObject.Properties['Name']) { $target = $target.Name }
                    [void]$problems.Add(@{ message = [string]$_.Exception.Message; target = [string]$target })
                } else {
                    [void]$records.Add($_)
                }
            }
            @{ ok = $true; records = @($records); problems = @($problems) }
        } catch {
            @{ ok = $false; message = [string]$_.Exception.Message; records = @($records); problems = @($problems) }
        }
    }
    $Queries = [ordered]@{
        os = { Get-CimInstance -ClassName Win32_OperatingSystem | Select-Object -Property Caption, BuildNumber, ProductType, FreePhysicalMemory }
        computer = { Get-CimInstance -ClassName Win32_ComputerSystem | Select-Object -Property Name, HypervisorPresent, TotalPhysicalMemory, NumberOfLogicalProcessors, Manufacturer, Model }
        processors = { Get-CimInstance -ClassName Win32_Processor | Select-Object -Property Manufacturer, Name, Architecture, VMMonitorModeExtensions, SecondLevelAddressTranslationExtensions, VirtualizationFirmwareEnabled }
        device_guard = { Get-CimInstance -ClassName Win32_DeviceGuard -Namespace root\Microsoft\Windows\DeviceGuard | Select-Object -Property VirtualizationBasedSecurityStatus, SecurityServicesRunning }
        vmms = { Get-Service -Name vmms | Select-Object -Property Name, @{ Name = 'Status'; Expression = { [string]$_.Status } } }
        hyperv_module = { Get-Command -Name Get-VM -CommandType Cmdlet | Select-Object -Property Name, ModuleName }
        vm_versions = { Get-VMHostSupportedVersion | Select-Object -Property @{ Name = 'Version'; Expression = { $_.Version.ToString(2) } } }
        default_vm_version = { Get-VMHostSupportedVersion -Default | Select-Object -Property @{ Name = 'Version'; Expression = { $_.Version.ToString(2) } } }
        switches = { Get-VMSwitch | Select-Object -Property Name, @{ Name = 'SwitchType'; Expression = { [string]$_.SwitchType } } }
        nat = { Get-NetNat | Select-Object -Property Name, InternalIPInterfaceAddressPrefix }
        vms = { Get-VM | Select-Object -Property Name, @{ Name = 'Id'; Expression = { [string]$_.Id } }, @{ Name = 'State'; Expression = { [string]$_.State } }, Generation, Version, ProcessorCount, MemoryStartup, DynamicMemoryEnabled, IsClustered }
        vm_processors = { Get-VM | Get-VMProcessor | Select-Object -Property Count, ExposeVirtualizationExtensions, @{ Name = 'VMId'; Expression = { [string]$_.VMId } } }
        vm_adapters = { Get-VMNetworkAdapter -All | Select-Object -Property Name, SwitchName, IsManagementOs, @{ Name = 'VMId'; Expression = { [string]$_.VMId } }, @{ Name = 'MacAddressSpoofing'; Expression = { [string]$_.MacAddressSpoofing } } }
        vm_checkpoints = { Get-VM | Get-VMSnapshot | Select-Object -Property Name, @{ Name = 'VMId'; Expression = { [string]$_.VMId } } }
        edition = { Get-ItemProperty -Path 'HKLM:\SOFTWARE\Microsoft\Windows NT\CurrentVersion' | Select-Object -Property EditionID, InstallationType, CurrentBuild }
        boot = { $lines = @(bcdedit /enum '{current}' 2>&1 | ForEach-Object { [string]$_ }); if ($LASTEXITCODE -ne 0) { throw ($lines -join ' ') }; $lines | Select-Object -Property @{ Name = 'Line'; Expression = { $_ } } }
        features = { Get-WindowsOptionalFeature -Online | Select-Object -Property FeatureName, @{ Name = 'State'; Expression = { [string]$_.State } } }
        data_exchange = { if (Test-Path -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters') { Get-ItemProperty -LiteralPath 'HKLM:\SOFTWARE\Microsoft\Virtual Machine\Guest\Parameters' | Select-Object -Property VirtualMachineName, PhysicalHostName, PhysicalHostNameFullyQualified } }
        cloud = { Get-CimInstance -ClassName Win32_SystemEnclosure | Where-Object { $_.SMBIOSAssetTag -eq '7783-7084-3265-9085-8269-3286-77' } | ForEach-Object { Invoke-RestMethod -Uri 'http://169.254.169.254/metadata/instance/compute?api-version=2021-12-13' -Headers @{ Metadata = 'true' } -TimeoutSec 2 -UseBasicParsing } | Select-Object -Property vmSize, @{ Name = 'securityType'; Expression = { [string]$_.securityProfile.securityType } } }
    }
    $answers = [ordered]@{}
    foreach ($entry in $Queries.GetEnumerator()) { $answers[$entry.Key] = Invoke-NmQuery $entry.Value }
    ConvertTo-Json -InputObject $answers -Depth 6 -Compress
}

# The host's answer stays the text $Gather wrote (never parsed and written again); the guests are added beside it.
$hostJson = & $Gather
$guests = @()

# PowerShell Direct, only into the VMs being checked, each by id, after its state says it runs.
$wanted = @($Params.guest_vms | Where-Object { $null -ne $_ } | ForEach-Object { [string]$_ })
if ($wanted.Count -gt 0) {
    $credential = $null
    $skip = $null
    if (-not $Params.guest_user) { $skip = 'no guest user was given (--guest-user)' }
    elseif (-not $Params.guest_password) { $skip = 'the guest password is empty: set NESTED_MAGICS_GUEST_PASSWORD' }
    else {
        $secret = ConvertTo-SecureString -String ([string]$Params.guest_password) -AsPlainText -Force
        $credential = New-Object System.Management.Automation.PSCredential ([string]$Params.guest_user, $secret)
    }
    foreach ($vm in @(Get-VM | Where-Object { ($wanted -contains '*') -or ($wanted -contains $_.Name) })) {
        $answer = [ordered]@{ id = [string]$vm.Id; name = [string]$vm.Name; state = [string]$vm.State }
        if ([string]$vm.State -ne 'Running') { $answer.skipped = 'the VM is not running' }
        elseif ($null -ne $skip) { $answer.skipped = $skip }
        else {
            try {
                $answer.json = [string](Invoke-Command -VMId $vm.Id -Credential $credential -ScriptBlock $Gather -ErrorAction Stop)
            } catch {
                $answer.message = [string]$_.Exception.Message
            }
        }
        $guests += $answer
    }
}

$guestJson = ConvertTo-Json -InputObject @($guests) -Depth 3 -Compress
[Console]::Out.Write('{"form":"thin/1","host":' + $hostJson + ',"guests":' + $guestJson + '}')
exit 0
