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
deps: ## install test dependencies (Go modules, Debian chromium), idempotently
	$(GO) mod download
	./scripts/install-deps.sh

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
bench: deps ## benchmarks: GitHub's spec vs Redocly, rebuild time, page sizes, Lighthouse
	./scripts/bench.sh

.PHONY: vendor
vendor: ## refresh vendored front-end libraries from npm
	./themes/portal/assets/vendor/minisearch/refresh.sh

.PHONY: clean
clean: ## remove build output
	rm -rf public bin .portal
