#!/usr/bin/env bash
# Installs the Debian packages the tests use, when missing: redis-server and
# mariadb-server (real servers behind the production adapters' test gateways) and
# chromium with a Korean font (browser tests). Needs root, as on CI; a no-op when everything is present.
set -euo pipefail
need=()
command -v redis-server >/dev/null 2>&1 || need+=(redis-server)
command -v mariadbd >/dev/null 2>&1 || [ -x /usr/sbin/mariadbd ] || need+=(mariadb-server)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
# A Korean font, so the browser tests' screenshots show Korean text rather than boxes.
(command -v fc-list >/dev/null 2>&1 && fc-list :lang=ko | grep -q .) || need+=(fonts-nanum)
if [ ${#need[@]} -eq 0 ]; then exit 0; fi
if [ "$(id -u)" -ne 0 ]; then
  echo "install-system-packages: missing ${need[*]} and not root; install them with apt-get" >&2
  exit 1
fi
echo "install-system-packages: installing ${need[*]}"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# Debian's postinst scripts try to start services; there is no init system here, so
# policy-rc.d tells them not to (the tests start each server themselves).
printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod +x /usr/sbin/policy-rc.d
trap 'rm -f /usr/sbin/policy-rc.d' EXIT
apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
