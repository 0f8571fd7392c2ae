# Build the one-folder bundle dist\defect-studio\ (Windows). Usage: packaging\build.ps1 [pyinstaller args]
#   $env:VENV          virtual environment to use or create (default .venv)
#   $env:SKIP_INSTALL  "1": use the venv as it is (no `pip install -e .[package]`)
# Output: defect-studio.exe (the app, no console window) and defect-studio-cli.exe (the same
# program with a console, for `--version` and the headless commands), sharing _internal\.
$ErrorActionPreference = "Stop"
Set-Location (Join-Path $PSScriptRoot "..")
$venv = if ($env:VENV) { $env:VENV } else { ".venv" }
$python = Join-Path $venv "Scripts\python.exe"

function Invoke-Checked {
    & $args[0] $args[1..($args.Count - 1)]
    if ($LASTEXITCODE -ne 0) { throw "failed ($LASTEXITCODE): $args" }
}

if (-not (Test-Path $python)) {
    $base = if ($env:PYTHON) { $env:PYTHON } else { "py" }
    if ($base -eq "py") { Invoke-Checked py -3 -m venv $venv } else { Invoke-Checked $base -m venv $venv }
}
if ($env:SKIP_INSTALL -ne "1") {
    Invoke-Checked $python -m pip install -e ".[package]"
}
& $python packaging\make_icons.py --check
if ($LASTEXITCODE -ne 0) { throw "resources\defect-studio.svg changed: run packaging\make_icons.py" }

$watch = [Diagnostics.Stopwatch]::StartNew()
Invoke-Checked $python -m PyInstaller --noconfirm --distpath dist --workpath build\pyinstaller @args packaging\defect_studio.spec
$bytes = (Get-ChildItem dist\defect-studio -Recurse -File | Measure-Object Length -Sum).Sum
"built dist\defect-studio: {0:N0} MB in {1:N0} s" -f ($bytes / 1MB), $watch.Elapsed.TotalSeconds

# Smoke check: the console executable prints the version and exits 0.
$env:QT_QPA_PLATFORM = "offscreen"
Invoke-Checked dist\defect-studio\defect-studio-cli.exe --version
