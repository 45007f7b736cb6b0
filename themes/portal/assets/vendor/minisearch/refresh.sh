#!/bin/sh
# Refresh the vendored MiniSearch UMD build: npm pack, minify, copy here.
# Usage: refresh.sh [version]   (default: latest). Run by `make vendor`.
set -eu
version="${1:-latest}"
dir="$(cd "$(dirname "$0")" && pwd)"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT
(cd "$tmp" && npm pack --silent "minisearch@$version" >/dev/null && tar xzf minisearch-*.tgz)
got="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$tmp/package/package.json" | head -n1)"
# MiniSearch ships no minified UMD; minify it with the esbuild that Hugo already depends on.
# Copy it out of the package first: its "type": "module" would make esbuild rewrite the UMD's `this`.
cp "$tmp/package/dist/umd/index.js" "$tmp/minisearch.umd.js"
(cd "$dir" && go run github.com/evanw/esbuild/cmd/esbuild@v0.28.2 --minify --log-level=warning \
	"$tmp/minisearch.umd.js" --outfile="$tmp/minisearch.min.js")
{ printf '/*! MiniSearch %s | MIT License | (c) Luca Ongaro | https://github.com/lucaong/minisearch */\n' "$got"; cat "$tmp/minisearch.min.js"; } >"$dir/minisearch.min.js"
cp "$tmp/package/LICENSE.txt" "$dir/LICENSE"
printf 'MiniSearch %s (dist/umd/index.js, minified), MIT; refresh with `make vendor` or ./refresh.sh [version].\n' "$got" >"$dir/README.md"
echo "minisearch $got -> $dir"
