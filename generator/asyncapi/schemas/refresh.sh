#!/bin/sh
# Refreshes the vendored AsyncAPI JSON Schemas from npm @asyncapi/specs.
# Usage: generator/asyncapi/schemas/refresh.sh [version]   (make asyncapi-schemas)
# Copies the bundled schema of every 2.x and 3.x version (definitions
# inlined, with their $id) and the package's licence and notice.
set -eu
version="${1:-6.11.1}"
here="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "@asyncapi/specs@$version" >/dev/null && tar -xzf asyncapi-specs-*.tgz)
for v in 2.0.0 2.1.0 2.2.0 2.3.0 2.4.0 2.5.0 2.6.0 3.0.0 3.1.0; do
	cp "$tmp/package/schemas/$v.json" "$here/$v.json"
done
cp "$tmp/package/LICENSE" "$here/LICENSE"
cp "$tmp/package/NOTICE" "$here/NOTICE"
echo "@asyncapi/specs $version" >"$here/VERSION"
echo "refreshed AsyncAPI schemas from @asyncapi/specs@$version"
