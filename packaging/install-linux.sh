#!/usr/bin/env bash
# Register a built bundle with the desktop for the current user: menu entry, icons, and the
# *.dsproj file type (double-click opens Defect Studio). Usage: packaging/install-linux.sh [PREFIX]
#   PREFIX   where the bundle is copied (default ~/.local/opt/defect-studio)
# Undo: delete PREFIX, ~/.local/bin/defect-studio and the files listed as it runs.
set -euo pipefail
cd "$(dirname "$0")/.."
prefix=${1:-$HOME/.local/opt/defect-studio}
data=${XDG_DATA_HOME:-$HOME/.local/share}
[ -x dist/defect-studio/defect-studio ] || { echo "build first: packaging/build.sh" >&2; exit 1; }

mkdir -p "$prefix" "$HOME/.local/bin" "$data/applications" "$data/mime/packages"
cp -a dist/defect-studio/. "$prefix/"
ln -sf "$prefix/defect-studio" "$HOME/.local/bin/defect-studio"  # Exec=defect-studio needs PATH
echo "$HOME/.local/bin/defect-studio -> $prefix/defect-studio"
for size in 16 32 48 64 128 256; do
    dir="$data/icons/hicolor/${size}x${size}/apps"
    mkdir -p "$dir"
    cp resources/icons/defect-studio-$size.png "$dir/defect-studio.png"
done
mkdir -p "$data/icons/hicolor/scalable/apps"
cp resources/defect-studio.svg "$data/icons/hicolor/scalable/apps/defect-studio.svg"
cp resources/defect-studio.desktop "$data/applications/defect-studio.desktop"
cp resources/defect-studio-mime.xml "$data/mime/packages/defect-studio.xml"
echo "icons, $data/applications/defect-studio.desktop, $data/mime/packages/defect-studio.xml"
# Caches: each tool is optional; a desktop without it rescans on next login.
command -v update-mime-database >/dev/null && update-mime-database "$data/mime" || true
command -v update-desktop-database >/dev/null && update-desktop-database "$data/applications" || true
command -v gtk-update-icon-cache >/dev/null && gtk-update-icon-cache -q "$data/icons/hicolor" || true
echo "installed; make sure ~/.local/bin is on PATH"
