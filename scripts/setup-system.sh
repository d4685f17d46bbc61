#!/usr/bin/env bash
# System packages the project needs (Debian). Installs only what is missing; needs root or sudo.
set -euo pipefail
PACKAGES=(
  sqlite3        # the sqlite3 command-line tool (benchmarks compare against it)
  fonts-noto-cjk # Chinese labels in the static PNG maps of reports (matplotlib)
  chromium       # headless browser test of the /maps page
  chromium-driver # chromedriver for that test (selenium drives the Debian chromium)
)
missing=()
for pkg in "${PACKAGES[@]}"; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || missing+=("$pkg")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "installing system packages: ${missing[*]}"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
$SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}"
