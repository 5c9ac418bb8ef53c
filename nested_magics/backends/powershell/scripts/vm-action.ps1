# nested-magics: vm-action
# Runs one VM action ($Params.action on $Params.vm) and prints {"ok": bool, "message": "..."}.
# Hyper-V's refusal is a result with ok false, not a script failure.
param($Params)
$ErrorActionPreference = 'Stop'

$ShutdownServiceId = '9F8233AC-BE49-4C79-8EE3-E7E1985B2077'   # the Shutdown integration service
$name = [string]$Params.vm

function Get-NmVm($name) {
    # -Name takes wildcards, so '[' or '*' in a name could match other VMs: match exactly.
    $found = @(Get-VM | Where-Object { $_.Name -eq $name })
    if ($found.Count -eq 0) { throw ('Hyper-V was unable to find a virtual machine with name "{0}".' -f $name) }
    $found[0]
}

try {
    switch ([string]$Params.action) {
        'new' {
            if (@(Get-VM | Where-Object { $_.Name -eq $name }).Count -gt 0) {
                throw ('a VM named {0} already exists; nested-magics addresses VMs by name, so pick another name' -f $name)
            }
            $switch = @(Get-VMSwitch | Where-Object { $_.SwitchType.ToString() -eq 'External' }) + @(Get-VMSwitch)
            $arguments = @{ Name = $name; MemoryStartupBytes = [int64]$Params.memory; Generation = 2 }
            if ($switch.Count -gt 0) { $arguments.SwitchName = $switch[0].Name }
            $vm = New-VM @arguments
            $message = 'created {0}' -f $name
            if ([bool]$Params.start) { Start-VM -VM $vm; $message += '; started' }
        }
        'start' { Start-VM -VM (Get-NmVm $name); $message = '{0} is Running' -f $name }
        'stop' {
            $vm = Get-NmVm $name
            if ([bool]$Params.turn_off) { Stop-VM -VM $vm -TurnOff -Confirm:$false }
            else {
                # A plain Stop-VM would wait on a prompt nobody can answer over WinRM when the guest cannot shut down.
                $shutdown = @(Get-VMIntegrationService -VM $vm | Where-Object { [string]$_.Id -like "*$ShutdownServiceId" })
                if ($shutdown.Count -eq 0 -or -not $shutdown[0].Enabled -or [string]$shutdown[0].PrimaryStatusDescription -ne 'OK') {
                    throw ('cannot shut down {0} gracefully: its Shutdown integration service is unavailable; use --turn-off' -f $name)
                }
                Stop-VM -VM $vm -Confirm:$false
            }
            $message = '{0} is Off' -f $name
        }
        'save' { Save-VM -VM (Get-NmVm $name); $message = '{0} is Saved' -f $name }
        'checkpoint' { Checkpoint-VM -VM (Get-NmVm $name); $message = 'checkpoint of {0} created' -f $name }
        'apply-checkpoint' {
            $latest = @(Get-VMSnapshot -VM (Get-NmVm $name) | Sort-Object -Property CreationTime)
            if ($latest.Count -eq 0) { throw ('{0} has no checkpoint to apply' -f $name) }
            Restore-VMSnapshot -VMSnapshot $latest[-1] -Confirm:$false
            $message = '{0} is back at its latest checkpoint' -f $name
        }
        'resize-memory' {
            Set-VMMemory -VM (Get-NmVm $name) -StartupBytes ([int64]$Params.size)
            $message = '{0} startup memory changed' -f $name
        }
        default { throw ('unknown action {0}' -f [string]$Params.action) }
    }
    $result = @{ ok = $true; message = $message }
} catch {
    $result = @{ ok = $false; message = $_.Exception.Message }
}
[Console]::Out.Write((ConvertTo-Json -InputObject $result -Compress))
exit 0
