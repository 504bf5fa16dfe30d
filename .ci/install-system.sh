#!/usr/bin/env bash
# System packages for the WebGPU tests: Mesa's software Vulkan driver (lavapipe) for Dawn in
# Node, and Debian's Chromium for the browser run. Dawn refuses bookworm's Mesa 22, hence
# backports. Idempotent: when both are present it exits without touching apt.
set -euo pipefail

if [ "$(id -u)" -ne 0 ]; then
  SUDO=sudo
else
  SUDO=
fi

have_lavapipe() {
  # lavapipe's ICD manifest; present only once mesa-vulkan-drivers is installed.
  ls /usr/share/vulkan/icd.d/lvp_icd*.json >/dev/null 2>&1 &&
    dpkg-query -W -f='${Version}' mesa-vulkan-drivers 2>/dev/null | grep -q 'bpo'
}
have_chromium() { [ -x /usr/bin/chromium ]; }

if have_lavapipe && have_chromium; then
  echo "install-system: lavapipe and chromium already installed"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
src=/etc/apt/sources.list.d/bookworm-backports.sources
if [ ! -f "$src" ]; then
  $SUDO tee "$src" >/dev/null <<'EOF'
Types: deb
URIs: http://deb.debian.org/debian
Suites: bookworm-backports
Components: main
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg
EOF
fi

$SUDO apt-get update -qq
if ! have_lavapipe; then
  $SUDO apt-get install -y -qq --no-install-recommends -t bookworm-backports mesa-vulkan-drivers libvulkan1
fi
if ! have_chromium; then
  $SUDO apt-get install -y -qq --no-install-recommends chromium
fi
echo "install-system: done"
