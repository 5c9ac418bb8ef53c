# nested-magics: enable
# Applies an enable plan given as data: $Params.changes is [{id, command, values}], in order. Each command
# is the very text the user was shown and agreed to, with its $Names bound to the values as variables
# (never spliced into the text). Stops at the first failure and prints one JSON document:
# {"results": [{id, ok, message}]}.
param($Params)
$ErrorActionPreference = 'Stop'

function Get-NmGuestCredential {
    # A shown command asks a person for the guest's credentials with (Get-Credential); a run answers it with
    # the credentials it was given, so the command that runs is the command that was shown.
    if (-not $Params.guest_user) {
        throw ('this step runs inside the VM through PowerShell Direct and needs guest credentials: ' +
               'pass --guest-user (password in NESTED_MAGICS_GUEST_PASSWORD), or run the shown command on the host')
    }
    $secret = ConvertTo-SecureString -String ([string]$Params.guest_password) -AsPlainText -Force
    New-Object System.Management.Automation.PSCredential ([string]$Params.guest_user, $secret)
}

function Invoke-NmChange($change) {
    $block = [ScriptBlock]::Create([string]$change.command)
    $variables = New-Object 'System.Collections.Generic.List[psvariable]'
    if ($null -ne $change.values) {
        foreach ($value in $change.values.PSObject.Properties) {
            $variables.Add((New-Object System.Management.Automation.PSVariable ($value.Name, $value.Value)))
        }
    }
    $functions = New-Object 'System.Collections.Generic.Dictionary[string,scriptblock]'
    $functions['Get-Credential'] = { Get-NmGuestCredential }
    $block.InvokeWithContext($functions, $variables)
}

$results = @()
foreach ($change in @($Params.changes)) {
    try {
        $message = [string](Invoke-NmChange $change | Select-Object -Last 1)
        if (-not $message) { $message = 'done' }
        $results += @{ id = [string]$change.id; ok = $true; message = $message }
    } catch {
        # A method call wraps what the command threw ('Exception calling "InvokeWithContext" ...'): Hyper-V's own
        # words are inside.
        $failure = $_.Exception
        if ($failure -is [System.Management.Automation.MethodInvocationException] -and $null -ne $failure.InnerException) {
            $failure = $failure.InnerException
        }
        $results += @{ id = [string]$change.id; ok = $false; message = $failure.Message }
        break
    }
}
[Console]::Out.Write((ConvertTo-Json -InputObject @{ results = @($results) } -Depth 6 -Compress))
exit 0
