# nested-magics: enable
# Applies an enable plan given as data ($Params.changes: [{id, vm, value, turn_off, ...}]) in
# order, stops at the first failure, and prints one JSON document: {"results": [{id, ok, message}]}.
# Values arrive only through $Params; nothing here is built from them as code.
param($Params)
$ErrorActionPreference = 'Stop'

$ShutdownServiceId = '9F8233AC-BE49-4C79-8EE3-E7E1985B2077'   # the Shutdown integration service

function Get-NmVm($name) {
    # -Name and -VMName take wildcards, so '[' or '*' in a name could match other VMs: match exactly.
    $found = @(Get-VM | Where-Object { $_.Name -eq $name })
    if ($found.Count -eq 0) { throw ('Hyper-V was unable to find a virtual machine with name "{0}".' -f $name) }
    $found[0]
}

function Stop-NmVm($vm, [bool]$turnOff) {
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
               "nothing was forced: pass --turn-off to turn it off") -f $vm.Name
    }
    Stop-VM -VM $vm -Confirm:$false
    return 'shut down'
}

function Get-NmGuestCredential($name) {
    # Steps inside the guest run through PowerShell Direct, which needs credentials of the guest.
    if (-not $Params.guest_user) {
        throw ('this step runs inside {0} through PowerShell Direct and needs guest credentials: ' +
               'pass --guest-user (password in NESTED_MAGICS_GUEST_PASSWORD), or run the shown command on the host') -f $name
    }
    $secret = ConvertTo-SecureString -String ([string]$Params.guest_password) -AsPlainText -Force
    New-Object System.Management.Automation.PSCredential ([string]$Params.guest_user, $secret)
}

function Invoke-NmChange($change) {
    $vm = Get-NmVm ([string]$change.vm)
    switch ([string]$change.id) {
        'discard-saved-state' { Remove-VMSavedState -VM $vm; 'saved state discarded' }
        'stop-vm' {
            if ([bool]$change.suspend) { Suspend-VM -VM $vm; 'paused again' }
            else { Stop-NmVm $vm ([bool]$change.turn_off) }
        }
        'update-version' { Update-VMVersion -VM $vm -Force -Confirm:$false; 'version updated' }
        'expose-extensions' { Set-VMProcessor -VM $vm -ExposeVirtualizationExtensions ([bool]$change.value); 'done' }
        'disable-dynamic-memory' { Set-VMMemory -VM $vm -DynamicMemoryEnabled ([bool]$change.value); 'done' }
        'set-startup-memory' { Set-VMMemory -VM $vm -StartupBytes ([int64]$change.value); 'done' }
        'enable-mac-spoofing' {
            $state = if ([bool]$change.value) { 'On' } else { 'Off' }
            Get-VMNetworkAdapter -VM $vm | Set-VMNetworkAdapter -MacAddressSpoofing $state
            'done'
        }
        'start-vm' {
            # Start-VM refuses a paused VM: it is resumed instead, as the plan shows (facts §5.6).
            if ($vm.State.ToString() -eq 'Paused') { Resume-VM -VM $vm; 'resumed' }
            else { Start-VM -VM $vm; 'started' }
        }
        'install-hyperv' {
            $inside = if ([string]$change.guest_kind -eq 'server') {
                { Install-WindowsFeature -Name Hyper-V -IncludeManagementTools -Restart | Out-Null }
            } else {
                { Enable-WindowsOptionalFeature -Online -FeatureName Microsoft-Hyper-V -All -NoRestart | Out-Null
                  Restart-Computer -Force }
            }
            Invoke-Command -VMId $vm.Id -Credential (Get-NmGuestCredential $vm.Name) -ScriptBlock $inside
            'Hyper-V installed in the guest; it restarts'
        }
        'guest-nat' {
            $inside = {
                param($switchName, $natName, $prefix, [bool]$remove)
                if ($remove) {
                    Remove-NetNat -Name $natName -Confirm:$false
                    Remove-VMSwitch -Name $switchName -Force
                } else {
                    New-VMSwitch -Name $switchName -SwitchType Internal | Out-Null
                    New-NetNat -Name $natName -InternalIPInterfaceAddressPrefix $prefix | Out-Null
                }
            }
            Invoke-Command -VMId $vm.Id -Credential (Get-NmGuestCredential $vm.Name) -ScriptBlock $inside `
                -ArgumentList ([string]$change.switch), ([string]$change.nat_name), ([string]$change.prefix), ([bool]$change.remove)
            'NAT network changed in the guest'
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
