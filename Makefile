# Leadflow. `make dev` runs the whole system locally; `make test` runs every test. Both start what
# they need (Temporal dev server, throw-away Postgres) by themselves; no Docker.

GO       ?= go
BIN      := $(CURDIR)/bin
export GOBIN := $(BIN)

# The newest Temporal CLI releases carry replace directives and cannot be `go install`ed.
TEMPORAL_CLI_VERSION  := v1.5.1
STATICCHECK_VERSION   := v0.8.2
WORKFLOWCHECK_VERSION := v0.6.0

.PHONY: dev test test-short lint build tools eval clean

## dev: Temporal dev server with UI, Postgres, migrations, worker and gateway; Ctrl-C stops it all.
dev: $(BIN)/temporal build
	$(BIN)/local

## test: unit, workflow, store and end-to-end tests with the race detector.
test: $(BIN)/temporal
	$(GO) test -race -count=1 -timeout 20m ./...

## test-short: the tests that need no services.
test-short:
	$(GO) test -race -short ./...

## lint: gofmt, go vet, staticcheck and Temporal's workflowcheck.
lint: $(BIN)/staticcheck $(BIN)/workflowcheck
	@unformatted=$$(gofmt -l $$(git ls-files '*.go')); if [ -n "$$unformatted" ]; then echo "gofmt:"; echo "$$unformatted"; exit 1; fi
	$(GO) vet ./...
	$(BIN)/staticcheck ./...
	$(BIN)/workflowcheck ./workflows/...

## build: the gateway, the worker and the local stack supervisor into ./bin.
build:
	$(GO) build -o $(BIN)/ ./gateway ./worker ./deploy/local

tools: $(BIN)/temporal $(BIN)/staticcheck $(BIN)/workflowcheck

$(BIN)/temporal:
	$(GO) install github.com/temporalio/cli/cmd/temporal@$(TEMPORAL_CLI_VERSION)

$(BIN)/staticcheck:
	$(GO) install honnef.co/go/tools/cmd/staticcheck@$(STATICCHECK_VERSION)

$(BIN)/workflowcheck:
	$(GO) install go.temporal.io/sdk/contrib/tools/workflowcheck@$(WORKFLOWCHECK_VERSION)

clean:
	rm -rf $(BIN) .data
