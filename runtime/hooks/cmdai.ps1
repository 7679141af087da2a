# cmdai-policy hook for PowerShell 7 + PSReadLine: in $PROFILE,
#   cmdai-policy hook pwsh | Out-String | Invoke-Expression
# Enter is bound to a handler that asks `cmdai-policy check --json` about the
# whole buffer before PSReadLine accepts it.  allow: silent; warn: message,
# runs; confirm: y/N on the console (no console: not run); deny: reason and
# rule id, not run.  CMDAI_POLICY_FAIL=open|closed (default closed) while the
# bundle is unusable.  See docs/hooks.md.
if ($Host.UI.RawUI -and (Get-Module -ListAvailable PSReadLine) -and -not $global:__cmdai_loaded) {
    $global:__cmdai_loaded = $true
    $global:__cmdai_bin = if ($env:CMDAI_POLICY_BIN) { $env:CMDAI_POLICY_BIN } else { @CMDAI_POLICY@ }
    Import-Module PSReadLine

    # $true to run the line; talks to the user on the host.
    function global:__cmdai_decide([string]$line) {
        $out = & $global:__cmdai_bin check --json -- $line 2>&1
        $rc = $LASTEXITCODE
        $v = $null
        if ($rc -in 0, 10, 20, 30, 65) {
            try { $v = ($out | Where-Object { $_ -is [string] }) -join "`n" | ConvertFrom-Json } catch { $v = $null }
        }
        if ($null -eq $v) {
            $why = ($out | ForEach-Object { "$_" }) -join '; '
            if ($env:CMDAI_POLICY_FAIL -eq 'open') {
                Write-Host "cmdai: policy unavailable ($why); CMDAI_POLICY_FAIL=open: running unchecked" -ForegroundColor Yellow
                return $true
            }
            Write-Host "cmdai: policy unavailable ($why); failing closed: not run (CMDAI_POLICY_FAIL=open to allow)" -ForegroundColor Red
            return $false
        }
        $text = "cmdai: $($v.action)"
        if ($v.risk -and $v.risk -ne 'none') { $text += " (risk $($v.risk))" }
        if ($v.rules.Count -gt 0) { $text += ': ' + ($v.rules -join ', ') }
        if ($v.message) { $text += " — $($v.message)" }
        switch ($v.action) {
            'allow' { return $true }
            'warn' { Write-Host $text -ForegroundColor Yellow; return $true }
            'confirm' {
                Write-Host $text -ForegroundColor Yellow
                if ([Console]::IsInputRedirected) { Write-Host 'cmdai: no terminal to confirm on; not run'; return $false }
                $ans = Read-Host 'cmdai: run it anyway? [y/N]'
                if ($ans -match '^(y|yes)$') { return $true }
                Write-Host 'cmdai: not run'
                return $false
            }
            default { Write-Host $text -ForegroundColor Red; Write-Host 'cmdai: not run'; return $false }
        }
    }

    Set-PSReadLineKeyHandler -Key Enter -BriefDescription CmdaiAcceptLine -ScriptBlock {
        $line = $null; $cursor = $null
        [Microsoft.PowerShell.PSConsoleReadLine]::GetBufferState([ref]$line, [ref]$cursor)
        if ([string]::IsNullOrWhiteSpace($line)) { [Microsoft.PowerShell.PSConsoleReadLine]::AcceptLine(); return }
        Write-Host ''
        if (__cmdai_decide $line) {
            [Microsoft.PowerShell.PSConsoleReadLine]::AcceptLine()
        } else {
            [Microsoft.PowerShell.PSConsoleReadLine]::AddToHistory($line)
            [Microsoft.PowerShell.PSConsoleReadLine]::RevertLine()
            [Microsoft.PowerShell.PSConsoleReadLine]::InvokePrompt()
        }
    }
}
