// The worker runs ConversationWorkflows and their activities.
package main

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/logging"
	"github.com/leadflow/leadflow/internal/metrics"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "worker:", err)
		os.Exit(1)
	}
}

func run() error {
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	logger := logging.New(cfg.LogLevel)
	logging.ServeDebug(cfg.DebugAddr, logger)
	if cfg.DatabaseURL == "" {
		return errors.New("DATABASE_URL is required")
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()

	st, err := store.OpenMigrated(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer st.Close()
	m := metrics.New()
	if cfg.MetricsAddr != "" {
		serveMetrics(cfg.MetricsAddr, m, logger)
	}
	tc, err := temporalx.Dial(ctx, temporalx.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: logger,
		Gzip: cfg.TemporalGzip, Metrics: m})
	if err != nil {
		return err
	}
	defer tc.Close()

	acts, err := app.NewActivities(st, cfg)
	if err != nil {
		return err
	}
	w := app.NewWorker(tc, acts)
	logger.Info("worker started", "Extractor", extractorName(acts))
	// Run stops the worker gracefully when ctx ends (SIGINT/SIGTERM).
	return w.Run(workerInterrupt(ctx))
}

// extractorName says which extractor serves, for the start-up log line (never the key or URL).
func extractorName(acts *activities.Activities) string {
	if acts.LLM != nil {
		return "llm+rules"
	}
	return "rules"
}

// workerInterrupt adapts a context to the channel worker.Run waits on.
func workerInterrupt(ctx context.Context) <-chan any {
	ch := make(chan any)
	go func() {
		<-ctx.Done()
		close(ch)
	}()
	return ch
}

// serveMetrics serves the worker's Prometheus metrics (the speed-to-lead histograms) at /metrics.
func serveMetrics(addr string, m *metrics.Handler, logger *slog.Logger) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", m.HTTP())
	srv := &http.Server{Addr: addr, Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() {
		if err := srv.ListenAndServe(); err != nil && !errors.Is(err, http.ErrServerClosed) {
			logger.Error("metrics server stopped", "Addr", addr, "Error", err)
		}
	}()
	logger.Info("worker metrics served", "Addr", addr)
}
