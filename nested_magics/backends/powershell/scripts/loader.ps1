# nested-magics: loader
# Sent as -EncodedCommand; stdin carries two base64 lines: UTF-8 JSON parameters, then UTF-8 script text.
# Values never touch script text: the script receives them as one decoded object.
# First, in core language only (a cmdlet, a property, string +): under Constrained Language Mode (AppLocker,
# WDAC; about_Language_Modes) New-Object, [Convert] and [ScriptBlock]::Create below are refused with errors
# nobody can act on, so say which mode this is and stop with exit code 3, which the caller turns into one line.
if ($ExecutionContext.SessionState.LanguageMode -ne 'FullLanguage') {
    Write-Error -Message ('nested-magics loader: PowerShell runs in ' + $ExecutionContext.SessionState.LanguageMode +
                          ' mode here; the scripts need FullLanguage') -ErrorAction Continue
    exit 3
}
$ErrorActionPreference = 'Stop'
$ProgressPreference = 'SilentlyContinue'
$utf8 = New-Object System.Text.UTF8Encoding $false
try { [Console]::InputEncoding = $utf8 } catch { }
try { [Console]::OutputEncoding = $utf8 } catch { }
$OutputEncoding = $utf8
try {
    $lines = @(($input | Out-String).Split([char[]]"`r`n", [StringSplitOptions]::RemoveEmptyEntries))
    if ($lines.Count -lt 2) { throw 'nested-magics loader: expected two base64 lines on stdin' }
    $nmParams = ConvertFrom-Json -InputObject $utf8.GetString([Convert]::FromBase64String($lines[0].Trim()))
    $nmScript = [ScriptBlock]::Create($utf8.GetString([Convert]::FromBase64String($lines[1].Trim())))
    $global:LASTEXITCODE = 0
    & $nmScript $nmParams
    exit $LASTEXITCODE
} catch {
    [Console]::Error.WriteLine($_.ToString())
    exit 1
}
