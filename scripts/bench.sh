#!/usr/bin/env bash
# make bench: our portal build vs Redocly CLI on GitHub's REST description,
# side by side in one run; rebuild time; page and script sizes; login and
# me latency on both stores; key validation under load; the latency the
# key check adds through real nginx and Caddy; the access cookie's
# verification in Go and in the edge gates, and their code sizes; Lambda sizes;
# Lighthouse.
# Figures are medians of RUNS alternating runs (RUNS=3 by default).
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
RUNS=${RUNS:-3}
BENCH=$ROOT/.cache/bench
mkdir -p "$BENCH"
cp scripts/bench/package.json "$BENCH/package.json"
echo "bench: installing the comparison from npm (@octokit/openapi, @redocly/cli, lighthouse)…"
(cd "$BENCH" && npm install --no-audit --no-fund --loglevel=error >/dev/null)
SPEC=$BENCH/node_modules/@octokit/openapi/generated/api.github.com.json
[ -f "$SPEC" ] || { echo "bench: $SPEC missing" >&2; exit 1; }

echo "bench: building portal…"
go build -o "$BENCH/portal" ./cmd/portal
go build -o "$BENCH/benchtool" ./scripts/bench/benchtool

# A portal that publishes GitHub's API with one docs page.
GH=$BENCH/github
rm -rf "$GH" && mkdir -p "$GH/content"
cat > "$GH/portal.yaml" <<YAML
name: github
display_name: GitHub REST API portal
apis:
  - slug: github
    spec: $SPEC
YAML
printf -- '---\ntitle: GitHub\n---\n\nThe GitHub REST API, built by Portal.\n' > "$GH/content/_index.md"

# The same portal with four copies of the description, each its own file
# and slug: what memory and time do as APIs are added.
GH4=$BENCH/github4
rm -rf "$GH4" && mkdir -p "$GH4/content"
cp "$GH/content/_index.md" "$GH4/content/"
{ printf 'name: github4\ndisplay_name: Four GitHub REST APIs\napis:\n'
  for n in 1 2 3 4; do
    cp "$SPEC" "$GH4/github$n.json"
    printf '  - slug: github%d\n    spec: %s\n' "$n" "$GH4/github$n.json"
  done; } > "$GH4/portal.yaml"

measure() { # label, command… → appends "label wall_s peak_kb" to $BENCH/times
  local label=$1; shift
  /usr/bin/time -f "$label %e %M" -a -o "$BENCH/times" "$@" >/dev/null 2>"$BENCH/last.err" || { cat "$BENCH/last.err" >&2; exit 1; }
}
rm -f "$BENCH/times"
for i in $(seq "$RUNS"); do
  echo "bench: run $i/$RUNS: redocly build-docs, portal build, portal build of four copies"
  measure redocly "$BENCH/node_modules/.bin/redocly" build-docs "$SPEC" -o "$BENCH/redoc.html"
  rm -rf "$GH/public" "$GH/.portal"
  measure portal "$BENCH/portal" build --config "$GH/portal.yaml" --out "$GH/public" --data "$GH/.portal" --quiet
  rm -rf "$GH4/public" "$GH4/.portal"
  measure portal4 "$BENCH/portal" build --config "$GH4/portal.yaml" --out "$GH4/public" --data "$GH4/.portal" --quiet
done

median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
r_wall=$(awk '$1=="redocly"{print $2}' "$BENCH/times" | median)
r_mem=$(awk '$1=="redocly"{print $3}' "$BENCH/times" | median)
p_wall=$(awk '$1=="portal"{print $2}' "$BENCH/times" | median)
p_mem=$(awk '$1=="portal"{print $3}' "$BENCH/times" | median)
echo
echo "== GitHub REST description ($(du -m "$SPEC" | cut -f1) MB), median of $RUNS alternating runs =="
printf "%-24s %8s %12s\n" "" "wall" "peak RSS"
printf "%-24s %7ss %9d MiB\n" "redocly build-docs" "$r_wall" $((r_mem / 1024))
printf "%-24s %7ss %9d MiB\n" "portal build" "$p_wall" $((p_mem / 1024))
awk -v pw="$p_wall" -v rw="$r_wall" -v pm="$p_mem" -v rm="$r_mem" 'BEGIN {
  printf "ratio portal/redocly: wall %.2fx (goal <= 0.70), memory %.2fx (goal <= 1.00)\n", pw/rw, pm/rm }'
q_wall=$(awk '$1=="portal4"{print $2}' "$BENCH/times" | median)
q_mem=$(awk '$1=="portal4"{print $3}' "$BENCH/times" | median)
printf "%-24s %7ss %9d MiB\n" "portal build, 4 copies" "$q_wall" $((q_mem / 1024))
awk -v pw="$p_wall" -v qw="$q_wall" -v pm="$p_mem" -v qm="$q_mem" 'BEGIN {
  printf "ratio 4 copies/1 copy: wall %.2fx (goal <= 4.00), memory %.2fx (goal <= 2.00)\n", qw/pw, qm/pm }'
echo
echo "== sizes of the GitHub portal (gzip -9) =="
"$BENCH/benchtool" sizes "$GH/public"
echo "redocly single page: $(( $(gzip -9c "$BENCH/redoc.html" | wc -c) / 1024 )) KB gzip"

echo
echo "== Go benchmarks (GitHub portal) =="
PORTAL_BENCH_CONFIG=$GH/portal.yaml go test -run '^$' -bench 'BenchmarkRebuildMarkdownEdit' -benchtime 20x -count 3 ./generator | grep -E '^Benchmark|^ok'
PORTAL_GITHUB_SPEC=$SPEC go test -run '^$' -bench . -benchtime 3x -benchmem ./generator/openapi ./generator/render | grep -E '^Benchmark|^ok'

echo
echo "== Functions: login and me through the HTTP API, p50/p99 (bolt, then DynamoDB Local) =="
go test -run '^$' -bench 'BenchmarkBolt' -benchtime 300x ./functions/httpapi | grep -E '^Benchmark'
go test -run '^$' -bench 'BenchmarkAPI|BenchmarkGetSession|BenchmarkGetDeveloper' -benchtime 300x ./functions/dynamostore | grep -E '^Benchmark'

echo
echo "== Admin lists by name: a registrations page naming 100 distinct applications and developers vs the developers page, p50 (bolt) =="
go test -run '^$' -bench 'BenchmarkRegistrationsPage' -benchtime 200x -count 3 ./functions/httpapi | grep -E '^Benchmark'

echo
echo "== Key validation under load: forward-auth vs a bare 204 handler; cache miss on DynamoDB Local =="
go run ./scripts/bench/authload -d 5s

echo
echo "== Real gateways: a validated call through nginx and Caddy vs the same gateway without auth, 1 connection, loopback (goal: <= 300 us added at p50) =="
go test -run '^$' -bench 'BenchmarkGateways' -benchtime 3000x -count 3 ./cmd/portal/cli | grep -E '^Benchmark'

echo
echo "== Access cookie: verification per cookie, Go, then the edge gates under Node (CloudFront Function) and Deno (Netlify Edge Function), medians =="
go test -run '^$' -bench 'BenchmarkVerify|BenchmarkDecide' -benchmem -count 3 ./functions/access | grep -E '^Benchmark'
echo "-- a public and a gated page of the same size under portal serve (goal: gated p50 <= 1.2x public)"
go test -run '^$' -bench 'BenchmarkServePage' -count 5 ./cmd/portal/cli | grep -E '^Benchmark' | sort
go test -run '^$' -bench 'BenchmarkVerify' -benchtime 1x ./generator/edge | grep -E '^Benchmark' | awk '{print $1, $5, $6, $7, $8}'
go test -count=1 -run '^TestSize$' -v ./generator/edge | grep -oE 'internal=.*'

echo
echo "== Lambda binaries (arm64) =="
make --no-print-directory lambda

echo
echo "== Lighthouse, mobile (GitHub operation page) =="
"$BENCH/benchtool" serve "$GH/public" > "$BENCH/serve.url" &
SERVE=$!
trap 'kill $SERVE 2>/dev/null || true' EXIT
for _ in $(seq 50); do [ -s "$BENCH/serve.url" ] && break; sleep 0.1; done
URL=$(cat "$BENCH/serve.url")
OP=$(cd "$GH/public" && ls -d apis/github/reference/*/ | sed -n '100p')
CHROME_PATH=$(command -v chromium) "$BENCH/node_modules/.bin/lighthouse" "$URL/$OP" \
  --quiet --output=json --output-path="$BENCH/lighthouse.json" \
  --only-categories=performance,accessibility \
  --chrome-flags="--headless=new --no-sandbox --disable-gpu --disable-background-networking --disable-component-update --disable-sync --disable-quic --no-first-run" >/dev/null 2>&1 || {
    echo "lighthouse failed; see $BENCH/lighthouse.json" >&2; exit 1; }
node -e '
const r = require(process.argv[1]);
const c = r.categories, a = r.audits;
console.log(`page: ${r.finalDisplayedUrl}`);
console.log(`performance ${Math.round(c.performance.score*100)} (goal >= 95), accessibility ${Math.round(c.accessibility.score*100)} (goal >= 95)`);
console.log(`FCP ${a["first-contentful-paint"].displayValue}, LCP ${a["largest-contentful-paint"].displayValue}, TBT ${a["total-blocking-time"].displayValue}, CLS ${a["cumulative-layout-shift"].displayValue}`);
const failed = Object.values(a).filter(x => x.score !== null && x.score < 1 && r.categories.accessibility.auditRefs.some(ref => ref.id === x.id && ref.weight > 0));
for (const f of failed) console.log(`  a11y: ${f.id}: ${f.title}`);
' "$BENCH/lighthouse.json"
