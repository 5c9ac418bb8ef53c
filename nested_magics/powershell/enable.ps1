# nested-magics: enable
# Applies an enable plan given as data ($Params.changes: [{id, vm, value, turn_off, ...}]) in
# order, stops at the first failure, and prints one JSON document: {"results": [{id, ok, message}]}.
# Values arrive only through $Params; nothing here is built from them as code.
param($Params)
$ErrorActionPreference = 'Stop'

$ShutdownServiceId = '9F8233AC-BE49-4C79-8EE3-E7E1985B2077'   # the Shutdown integration service

function Stop-NmVm($name, [bool]$turnOff) {
    $vm = Get-VM -Name $name
    if ($vm.State.ToString() -eq 'Off') { return 'The virtual machine is already in the specified state.' }
    if ($turnOff) {
        Stop-VM -VM $vm -TurnOff -Confirm:$false
        return 'turned off'
    }
    # A plain Stop-VM asks interactively when the guest cannot shut down; over WinRM nobody can answer.
    $shutdown = @(Get-VMIntegrationService -VM $vm | Where-Object { [string]$_.Id -like "*$ShutdownServiceId" })
    $usable = $shutdown.Count -gt 0 -and $shutdown[0].Enabled -and ([string]$shutdown[0].PrimaryStatusDescription -eq 'OK')
    if (-not $usable) {
        throw ("cannot shut down {0} gracefully: its Shutdown integration service is unavailable; " +
               "nothing was forced: pass --turn-off to turn it off") -f $name
    }
    Stop-VM -VM $vm -Confirm:$false
    return 'shut down'
}

function Invoke-NmChange($change) {
    $name = [string]$change.vm
    switch ([string]$change.id) {
        'discard-saved-state' { Remove-VMSavedState -VMName $name; 'saved state discarded' }
        'stop-vm' { Stop-NmVm $name ([bool]$change.turn_off) }
        'update-version' { Update-VMVersion -Name $name -Force -Confirm:$false; 'version updated' }
        'expose-extensions' { Set-VMProcessor -VMName $name -ExposeVirtualizationExtensions ([bool]$change.value); 'done' }
        'disable-dynamic-memory' { Set-VMMemory -VMName $name -DynamicMemoryEnabled ([bool]$change.value); 'done' }
        'set-startup-memory' { Set-VMMemory -VMName $name -StartupBytes ([int64]$change.value); 'done' }
        'enable-mac-spoofing' {
            $state = if ([bool]$change.value) { 'On' } else { 'Off' }
            Get-VMNetworkAdapter -VMName $name | Set-VMNetworkAdapter -MacAddressSpoofing $state
            'done'
        }
        'start-vm' { Start-VM -Name $name; 'started' }
        'install-hyperv' {
            throw ('installing Hyper-V inside {0} needs PowerShell Direct with guest credentials, which nested-magics ' +
                   'does not send yet: run the shown Invoke-Command on the host') -f $name
        }
        'guest-nat' {
            throw ('a NAT network inside {0} needs PowerShell Direct with guest credentials, which nested-magics ' +
                   'does not send yet: run the shown Invoke-Command on the host') -f $name
        }
        default { throw ('unknown change id {0}' -f [string]$change.id) }
    }
}

$results = @()
foreach ($change in @($Params.changes)) {
    try {
        $message = [string](Invoke-NmChange $change | Select-Object -Last 1)
        $results += @{ id = [string]$change.id; ok = $true; message = $message }
    } catch {
        $results += @{ id = [string]$change.id; ok = $false; message = $_.Exception.Message }
        break
    }
}
[Console]::Out.Write((ConvertTo-Json -InputObject @{ results = @($results) } -Depth 6 -Compress))
exit 0
