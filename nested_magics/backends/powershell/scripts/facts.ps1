# nested-magics: facts
# Gathers the host-facts document (schema nested-magics/host-facts/v1) in ONE invocation, on
# Windows PowerShell 5.1: enum names (never integers), one-item arrays kept as arrays, explicit
# -Depth, build numbers as integers. Prints exactly one JSON document on stdout.
param($Params)
$ErrorActionPreference = 'Stop'

function Get-NmOptional([scriptblock]$Block, $Default) {
    # A query that may not exist on this edition or build: its absence is a fact, not a failure.
    try { & $Block } catch { $Default }
}

function ConvertTo-NmVm($vm) {
    $processor = Get-VMProcessor -VM $vm
    $memory = Get-VMMemory -VM $vm
    $adapters = @(Get-VMNetworkAdapter -VM $vm | ForEach-Object {
        @{ name = [string]$_.Name; switch = $_.SwitchName; mac_spoofing = ($_.MacAddressSpoofing.ToString() -eq 'On') }
    })
    $checkpoints = @(Get-NmOptional { Get-VMSnapshot -VM $vm } @()).Count
    @{
        name = [string]$vm.Name
        id = $vm.Id.ToString()
        state = $vm.State.ToString()
        generation = [int]$vm.Generation
        version = [string]$vm.Version
        processor = @{
            count = [int]$processor.Count
            expose_virtualization_extensions = [bool]$processor.ExposeVirtualizationExtensions
        }
        memory = @{ startup_bytes = [int64]$memory.Startup; dynamic = [bool]$memory.DynamicMemoryEnabled }
        network_adapters = $adapters
        checkpoints = [int]$checkpoints
        guest = $null   # filled by Get-NmGuest when guest credentials were given
    }
}

# Runs INSIDE a guest through PowerShell Direct: the guest's own facts, and its VMs (one level).
$GuestFacts = {
    param($vmFunction)
    Set-Item -Path function:ConvertTo-NmVm -Value ([ScriptBlock]::Create($vmFunction))
    $os = Get-CimInstance -ClassName Win32_OperatingSystem
    $computer = Get-CimInstance -ClassName Win32_ComputerSystem
    $kind = if ([int]$os.ProductType -eq 1) { 'client' } else { 'server' }
    $hyperv = $null -ne (Get-Command -Name Get-VM -ErrorAction SilentlyContinue)
    $inner = @()
    $switches = @()
    if ($hyperv) {
        $inner = @(Get-VM | ForEach-Object { ConvertTo-NmVm $_ })
        $switches = @(Get-VMSwitch | ForEach-Object { @{ name = [string]$_.Name; type = $_.SwitchType.ToString() } })
    }
    $nat = @()
    try { $nat = @(Get-NetNat | ForEach-Object { @{ name = [string]$_.Name; prefix = [string]$_.InternalIPInterfaceAddressPrefix } }) } catch { }
    @{
        name = [string]$computer.Name
        os = @{ caption = [string]$os.Caption; build = [int]$os.BuildNumber; kind = $kind }
        hypervisor_present = [bool]$computer.HypervisorPresent
        hyperv_installed = [bool]$hyperv
        switches = $switches
        nat = $nat
        vms = $inner
    }
}

function Get-NmGuest($vm, $credential) {
    # PowerShell Direct needs the VM running and credentials valid inside it; otherwise unknown.
    if ($null -eq $credential -or $vm.State.ToString() -ne 'Running') { return $null }
    try {
        Invoke-Command -VMName $vm.Name -Credential $credential -ScriptBlock $GuestFacts `
            -ArgumentList ${function:ConvertTo-NmVm}.ToString() -ErrorAction Stop
    } catch { $null }
}

$os = Get-CimInstance -ClassName Win32_OperatingSystem
$computer = Get-CimInstance -ClassName Win32_ComputerSystem
$processors = @(Get-CimInstance -ClassName Win32_Processor)
$cpu = $processors[0]
$kind = if ([int]$os.ProductType -eq 1) { 'client' } else { 'server' }

if ($kind -eq 'client') {
    $feature = Get-NmOptional { Get-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V } $null
    $hypervInstalled = ($null -ne $feature) -and ($feature.State.ToString() -eq 'Enabled')
} else {
    $feature = Get-NmOptional { Get-WindowsFeature -Name Hyper-V } $null
    $hypervInstalled = ($null -ne $feature) -and [bool]$feature.Installed
}
if (-not $hypervInstalled) {
    $hypervInstalled = $null -ne (Get-Command -Name Get-VM -ErrorAction SilentlyContinue)
}

$deviceGuard = Get-NmOptional {
    Get-CimInstance -ClassName Win32_DeviceGuard -Namespace 'root\Microsoft\Windows\DeviceGuard'
} $null
$vbs = @{ status = 0; services_running = @() }
if ($null -ne $deviceGuard) {
    $vbs.status = [int]$deviceGuard.VirtualizationBasedSecurityStatus
    $vbs.services_running = @($deviceGuard.SecurityServicesRunning | Where-Object { $null -ne $_ } | ForEach-Object { [int]$_ })
}

$supported = @()
$default = $null
$switches = @()
$vms = @()
if ($hypervInstalled) {
    $supported = @(Get-NmOptional { Get-VMHostSupportedVersion | ForEach-Object { $_.Version.ToString(2) } } @())
    $default = Get-NmOptional { (Get-VMHostSupportedVersion -Default).Version.ToString(2) } $null
    $switches = @(Get-VMSwitch | ForEach-Object { @{ name = [string]$_.Name; type = $_.SwitchType.ToString() } })
    $credential = $null
    if ($Params.guest_user) {
        $secret = ConvertTo-SecureString -String ([string]$Params.guest_password) -AsPlainText -Force
        $credential = New-Object System.Management.Automation.PSCredential ([string]$Params.guest_user, $secret)
    }
    $vms = @(Get-VM | ForEach-Object {
        $record = ConvertTo-NmVm $_
        $record.guest = Get-NmGuest $_ $credential
        $record
    })
}
$nat = @(Get-NmOptional { Get-NetNat | ForEach-Object { @{ name = [string]$_.Name; prefix = [string]$_.InternalIPInterfaceAddressPrefix } } } @())

$cpuFlags = @{
    vendor = [string]$cpu.Manufacturer
    model = ([string]$cpu.Name).Trim()
    sockets = $processors.Count
    logical_processors = [int]$computer.NumberOfLogicalProcessors
}
# A flag CIM does not report stays absent: unknown, never false (contracts §2).
foreach ($flag in @(@('vmx', 'VMMonitorModeExtensions'), @('slat', 'SecondLevelAddressTranslationExtensions'),
                    @('firmware_enabled', 'VirtualizationFirmwareEnabled'))) {
    $value = $cpu.($flag[1])
    if ($null -ne $value) { $cpuFlags[$flag[0]] = [bool]$value }
}

$facts = @{
    schema = 'nested-magics/host-facts/v1'
    name = [string]$computer.Name
    os = @{ caption = [string]$os.Caption; build = [int]$os.BuildNumber; kind = $kind }
    cpu = $cpuFlags
    memory = @{ total_bytes = [int64]$computer.TotalPhysicalMemory; free_bytes = [int64]$os.FreePhysicalMemory * 1024 }
    hypervisor_present = [bool]$computer.HypervisorPresent
    hyperv_installed = [bool]$hypervInstalled
    vbs = $vbs
    supported_vm_versions = $supported
    switches = $switches
    nat = $nat
    vms = $vms
}
if ($null -ne $default) { $facts.default_vm_version = $default }

[Console]::Out.Write((ConvertTo-Json -InputObject $facts -Depth 12 -Compress))
exit 0
