// The gateway is Leadflow's HTTP API (api-v1): chatbots post messages, reps report outcomes,
// admins manage teams, reps and keys.
package main

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"os"
	"os/signal"
	"syscall"
	"time"
	_ "time/tzdata" // rep timezones are validated on machines without a zoneinfo database too

	"github.com/gin-gonic/gin"
	"golang.org/x/sync/errgroup"

	"github.com/leadflow/leadflow/internal/app"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/logging"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/workflows"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "gateway:", err)
		os.Exit(1)
	}
}

// bootstrapKeyID is the id under which LEADFLOW_ADMIN_KEY is stored (as a hash).
const bootstrapKeyID = "bootstrap-admin"

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
	if cfg.AdminKey != "" {
		if err := st.UpsertKey(ctx, store.APIKey{KeyID: bootstrapKeyID, Name: "bootstrap admin", Scopes: allScopes}, cfg.AdminKey); err != nil {
			return err
		}
	} else {
		logger.Warn("LEADFLOW_ADMIN_KEY is not set: no admin key exists until one is configured")
	}
	tc, err := temporalx.Lazy(temporalx.Options{HostPort: cfg.TemporalAddress, Namespace: cfg.TemporalNamespace, Logger: logger, Gzip: cfg.TemporalGzip})
	if err != nil {
		return err
	}
	defer tc.Close()

	crms, err := app.ExternalCRMs(cfg, st.CRMIDs())
	if err != nil {
		return err
	}

	gin.SetMode(gin.ReleaseMode)
	deps := Deps{
		CRMs: crms, CRMIDs: st.CRMIDs(),
		Store: st, Temporal: tc, Namespace: cfg.TemporalNamespace, Logger: logger, MaxBodyBytes: cfg.MaxBodyBytes, RateLimit: cfg.RateLimit,
		Policy: cfg.Policy,
		Settings: workflows.Settings{QuietPeriod: cfg.QuietPeriod, ContactWait: cfg.ContactWait,
			FirstFollowupDelay: cfg.FirstFollowupDelay, LeadIdle: cfg.LeadIdle, RouteRetry: workflows.DefaultSettings().RouteRetry},
	}
	srv := &http.Server{Addr: cfg.HTTPAddr, Handler: NewRouter(deps), ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout: 30 * time.Second, WriteTimeout: 60 * time.Second, IdleTimeout: 2 * time.Minute}
	ln, err := net.Listen("tcp", cfg.HTTPAddr)
	if err != nil {
		return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
	}
	logger.Info("gateway listening", "addr", ln.Addr().String())

	g, gctx := errgroup.WithContext(ctx)
	g.Go(func() error {
		pollCRMs(gctx, deps, cfg.CRMPollEvery)
		return nil
	})
	g.Go(func() error {
		if err := srv.Serve(ln); !errors.Is(err, http.ErrServerClosed) {
			return err
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		shutdownCtx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		return srv.Shutdown(shutdownCtx)
	})
	return g.Wait()
}
