# The two commands of the README: `make run` and `make test`.
GO ?= go
STATICCHECK = $(GO) run honnef.co/go/tools/cmd/staticcheck@v0.8.2
FUZZTIME ?= 5s

.PHONY: run test lint fuzz bench smoke

# Run the service with the demo facility against a local PostgreSQL
# (DATABASE_URL, default postgres://localhost:5432/antrian) and the embedded
# Redis unless REDIS_URL is set.
run:
	ANTRIAN_DEMO=true $(GO) run ./cmd/antrian serve

# Run the whole test suite with the race detector. scripts/test-deps.sh
# installs and starts what the tests need when it can (PostgreSQL, Redis,
# Chromium) and prints the database URL the tests use.
test:
	ANTRIAN_TEST_DATABASE_URL="$$(./scripts/test-deps.sh)" $(GO) test -race -count=1 -timeout 20m ./...

# Every fuzz target for FUZZTIME each.
fuzz:
	FUZZTIME=$(FUZZTIME) ./scripts/fuzz.sh

# A few seconds of the load tool against a fresh service; fails on any
# invariant violation.
smoke:
	./scripts/bench.sh --smoke

lint:
	@out=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$out" ]; then echo "gofmt would change:"; echo "$$out"; exit 1; fi
	$(GO) vet ./...
	$(STATICCHECK) ./...

# Go benchmarks of the hot paths, then the load tool against a freshly
# started service with its baselines; results land in testout/bench/.
bench:
	mkdir -p testout/bench
	ANTRIAN_TEST_DATABASE_URL="$$(./scripts/test-deps.sh)" $(GO) test -run '^$$' -bench . -benchmem ./... | tee testout/bench/go-bench.txt
	./scripts/bench.sh
