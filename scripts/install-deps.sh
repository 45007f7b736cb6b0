#!/usr/bin/env bash
# Installs what `make test` needs beyond Go modules, idempotently:
# Debian's chromium for the browser tests, a Java runtime for DynamoDB
# Local (the dynamostore tests) when no java is on PATH, and Debian's nginx
# and caddy for the gateway tests (run by the tests themselves on loopback:
# their system services are never started), and Node with npm (the npm
# packages under scripts/, and the CloudFront Function's tests) when no
# node is on PATH.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null 2>&1 || need+=(nginx)
command -v caddy >/dev/null 2>&1 || need+=(caddy)
command -v node >/dev/null 2>&1 && command -v npm >/dev/null 2>&1 || need+=(nodejs npm)
if [ ${#need[@]} -eq 0 ]; then
  exit 0
fi
SUDO=""
if [ "$(id -u)" -ne 0 ]; then
  if command -v sudo >/dev/null 2>&1; then SUDO="sudo"; else
    echo "install-deps: need ${need[*]}; run as root or install them: apt-get install ${need[*]}" >&2
    exit 1
  fi
fi
echo "install-deps: installing ${need[*]} from Debian…" >&2
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# nginx's and caddy's packages start their system services on install (on
# port 80, as root); a policy-rc.d that forbids it keeps them stopped. It is
# only ours if there was none.
policy=/usr/sbin/policy-rc.d
if [ ! -e "$policy" ]; then
  printf '#!/bin/sh\n# install-deps.sh: no service starts during the install\nexit 101\n' | $SUDO tee "$policy" >/dev/null
  $SUDO chmod 755 "$policy"
  trap '$SUDO rm -f "$policy"' EXIT
fi
# With recommends: chromium brings its fonts.
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
command -v chromium >/dev/null
command -v java >/dev/null
[ -x /usr/sbin/nginx ] || command -v nginx >/dev/null
command -v caddy >/dev/null
command -v node >/dev/null
