# nested-magics: vm-action
# Runs one VM action ($Params.action on $Params.vm) and prints {"ok": bool, "message": "..."}.
# Hyper-V's refusal is a result with ok false, not a script failure.
param($Params)
$ErrorActionPreference = 'Stop'

$name = [string]$Params.vm
try {
    switch ([string]$Params.action) {
        'new' {
            $switch = @(Get-VMSwitch | Where-Object { $_.SwitchType.ToString() -eq 'External' }) + @(Get-VMSwitch)
            $arguments = @{ Name = $name; MemoryStartupBytes = [int64]$Params.memory; Generation = 2 }
            if ($switch.Count -gt 0) { $arguments.SwitchName = $switch[0].Name }
            $vm = New-VM @arguments
            $message = 'created {0}' -f $name
            if ([bool]$Params.start) { Start-VM -VM $vm; $message += '; started' }
        }
        'start' { Start-VM -Name $name; $message = '{0} is Running' -f $name }
        'stop' {
            if ([bool]$Params.turn_off) { Stop-VM -Name $name -TurnOff -Confirm:$false }
            else { Stop-VM -Name $name -Confirm:$false }
            $message = '{0} is Off' -f $name
        }
        'save' { Save-VM -Name $name; $message = '{0} is Saved' -f $name }
        'checkpoint' { Checkpoint-VM -Name $name; $message = 'checkpoint of {0} created' -f $name }
        'resize-memory' {
            Set-VMMemory -VMName $name -StartupBytes ([int64]$Params.size)
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
