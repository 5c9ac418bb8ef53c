# nested-magics: vm-action
# Runs one step of a VM action given as data: $Params.command is the step's PowerShell (their one home is
# nested_magics/backends/powershell/actions.py), with its $Names bound to $Params.values as variables (never
# spliced into the text), as enable.ps1 runs a change. Prints one JSON document:
# {"ok": bool, "message": "...", "records": [...]}: the last line of text the command wrote, and the records
# (hashtables) it wrote. Hyper-V's refusal is a result with ok false, not a script failure.
param($Params)
$ErrorActionPreference = 'Stop'

function Invoke-NmStep($step) {
    $block = [ScriptBlock]::Create([string]$step.command)
    $variables = New-Object 'System.Collections.Generic.List[psvariable]'
    if ($null -ne $step.values) {
        foreach ($value in $step.values.PSObject.Properties) {
            $variables.Add((New-Object System.Management.Automation.PSVariable ($value.Name, $value.Value)))
        }
    }
    $block.InvokeWithContext($null, $variables)
}

try {
    $output = @(Invoke-NmStep $Params)
    $records = @($output | Where-Object { $_ -is [System.Collections.IDictionary] })
    $lines = @($output | Where-Object { $_ -is [string] })
    $message = 'done'
    if ($lines.Count -gt 0) { $message = $lines[-1] }
    $result = @{ ok = $true; message = $message; records = $records }
} catch {
    # A method call wraps what the block threw: 'Exception calling "InvokeWithContext" with "2" argument(s): ...'.
    $failure = $_.Exception
    if ($failure -is [System.Management.Automation.MethodInvocationException] -and $null -ne $failure.InnerException) {
        $failure = $failure.InnerException
    }
    $result = @{ ok = $false; message = $failure.Message; records = @() }
}
[Console]::Out.Write((ConvertTo-Json -InputObject $result -Depth 4 -Compress))
exit 0
