# Leadflow. `make dev` runs the whole system locally; `make test` runs every test. Both start what
# they need (Temporal dev server, throw-away Postgres) by themselves; no Docker.

GO       ?= go
BIN      := $(CURDIR)/bin
export GOBIN := $(BIN)

# The newest Temporal CLI releases carry replace directives and cannot be `go install`ed.
TEMPORAL_CLI_VERSION  := v1.5.1
STATICCHECK_VERSION   := v0.8.2
WORKFLOWCHECK_VERSION := v0.6.0

.PHONY: dev test test-short lint build tools bench bench-go bench-match eval clean

## dev: Temporal dev server with UI, Postgres, migrations, worker and gateway; Ctrl-C stops it all.
dev: $(BIN)/temporal build
	$(BIN)/local

## test: unit, workflow, store and end-to-end tests with the race detector.
test: $(BIN)/temporal
	$(GO) test -race -count=1 -timeout 20m ./...

## test-short: the tests that need no services.
test-short:
	$(GO) test -race -short ./...

## bench: the lead pipeline beside the bare Temporal engine on one local server; writes
## bench/out/latest.json. BENCH_FLAGS passes options, e.g. BENCH_FLAGS="-n 500 -c 20" (see bin/bench -h).
bench: $(BIN)/temporal build
	$(BIN)/bench $(BENCH_FLAGS)

## eval: the extractor on the labelled devset: per-field precision/recall/F1, a reliability table and
## the expected calibration error, and tokens per lead when LLM_BASE_URL, LLM_API_KEY and LLM_MODEL
## name a model. EVAL_FLAGS passes options, e.g. EVAL_FLAGS="-out eval/out/latest.json" (bin/eval -h).
eval: build
	$(BIN)/eval $(EVAL_FLAGS)

## bench-go: the Go benchmarks of the hot functions (extraction, phones, scoring, matching).
bench-go:
	$(GO) test -run '^$$' -bench . -benchmem ./...

## bench-match: contact matching against 1,000,000 synthetic contacts in a throw-away Postgres: latency
## per match (p50/p95/p99), where the time goes, the query plans; writes bench/out/match.json and fails
## on a sequential scan of the big tables. About 3 minutes on 2 cores. MATCH_FLAGS passes options, e.g.
## MATCH_FLAGS="-contacts 100000 -matches 2000 -c 4" (go run ./bench/match -h; docs/matching-at-scale.md).
bench-match:
	$(GO) run ./bench/match $(MATCH_FLAGS)

## lint: gofmt, go vet, staticcheck and Temporal's workflowcheck.
lint: $(BIN)/staticcheck $(BIN)/workflowcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...
	$(BIN)/workflowcheck ./workflows/...

## build: the gateway, the worker, the local stack supervisor, the benchmark, eval and the leadflow
## operator command (policy replay) into ./bin.
build:
	$(GO) build -o $(BIN)/ ./gateway ./worker ./deploy/local ./bench ./eval ./cmd/leadflow

tools: $(BIN)/temporal $(BIN)/staticcheck $(BIN)/workflowcheck

$(BIN)/temporal:
	$(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

$(BIN)/staticcheck:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/workflowcheck:
	$(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

clean:
	rm -rf $(BIN) .data
