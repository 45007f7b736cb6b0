#!/usr/bin/env bash
# Installs what `make test` needs beyond Go modules, idempotently:
# Debian's chromium for the browser tests, and a Java runtime for DynamoDB
# Local (the dynamostore tests) when no java is on PATH.
set -euo pipefail

need=()
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
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
# With recommends: chromium brings its fonts.
$SUDO apt-get install -y -qq "${need[@]}" >/dev/null
command -v chromium >/dev/null
command -v java >/dev/null
