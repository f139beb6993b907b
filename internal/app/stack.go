package app

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"

	"golang.org/x/sync/errgroup"

	"github.com/leadflow/leadflow/internal/localstack"
	"github.com/leadflow/leadflow/workflows"
)

// StackOptions says how to bring up the services Leadflow runs on, locally.
type StackOptions struct {
	// DataDir keeps Postgres' cluster and Temporal's SQLite file across restarts; "" means throw-away.
	DataDir string
	// DatabaseURL, when set, is used instead of starting Postgres.
	DatabaseURL  string
	PostgresPort int // 0 = a free port
	TemporalPort int // 0 = a free port
	UIPort       int // 0 = a free port unless Headless
	Headless     bool
	// LogDir receives the services' logs; "" means next to their data (or throw-away).
	LogDir string
	// NoTemporal starts Postgres only (tests of the store and activities).
	NoTemporal bool
	// PostgresSettings are extra Postgres server settings (see localstack.PostgresOptions.Settings).
	PostgresSettings map[string]string
}

// Stack is Postgres and the Temporal dev server, running.
type Stack struct {
	Postgres    *localstack.Postgres // nil when DatabaseURL was given
	Temporal    *localstack.Temporal
	DatabaseURL string // the leadflow database
}

// DatabaseName is the database Leadflow uses in a local cluster.
const DatabaseName = "leadflow"

// devServerDynamicConfig: updates and Update-with-Start are on, and the dev server's single history
// shard is allowed to move tasks faster than its default 20 polls a second.
func devServerDynamicConfig() map[string]string {
	return map[string]string{
		"frontend.enableUpdateWorkflowExecution": "true",
		"frontend.enableExecuteMultiOperation":   "true",
		"history.transferProcessorMaxPollRPS":    "1000",
		"matching.numTaskqueueReadPartitions":    "1",
		"matching.numTaskqueueWritePartitions":   "1",
		"system.enableActivityEagerExecution":    "true",
	}
}

// StartStack starts Postgres (unless a DatabaseURL is given) and the Temporal dev server with
// Leadflow's search attributes registered, in parallel.
func StartStack(ctx context.Context, o StackOptions) (*Stack, error) {
	s := &Stack{DatabaseURL: o.DatabaseURL}
	pgOpts := localstack.PostgresOptions{Port: o.PostgresPort, Settings: o.PostgresSettings}
	tOpts := localstack.TemporalOptions{Port: o.TemporalPort, UIPort: o.UIPort, Headless: o.Headless,
		SearchAttributes: workflows.SearchAttributeTypes(), DynamicConfig: devServerDynamicConfig()}
	if o.DataDir != "" {
		pgOpts.DataDir = filepath.Join(o.DataDir, "postgres")
		tOpts.DBFile = filepath.Join(o.DataDir, "temporal.db")
	}
	if o.LogDir != "" {
		pgOpts.LogFile = filepath.Join(o.LogDir, "postgres.log")
		tOpts.LogFile = filepath.Join(o.LogDir, "temporal.log")
	}

	var g errgroup.Group
	if s.DatabaseURL == "" {
		g.Go(func() error {
			pg, err := localstack.StartPostgres(ctx, pgOpts)
			if err != nil {
				return fmt.Errorf("start postgres: %w", err)
			}
			s.Postgres = pg
			if err := pg.CreateDatabase(ctx, DatabaseName); err != nil {
				return err
			}
			s.DatabaseURL = pg.URL(DatabaseName)
			return nil
		})
	}
	g.Go(func() error {
		if o.NoTemporal {
			return nil
		}
		t, err := localstack.StartTemporal(ctx, tOpts)
		if err != nil {
			return fmt.Errorf("start temporal: %w", err)
		}
		s.Temporal = t
		return nil
	})
	if err := g.Wait(); err != nil {
		return nil, errors.Join(err, s.Stop())
	}
	return s, nil
}

// Stop stops whatever StartStack started.
func (s *Stack) Stop() error {
	var errs []error
	if s.Temporal != nil {
		errs = append(errs, s.Temporal.Stop())
	}
	if s.Postgres != nil {
		errs = append(errs, s.Postgres.Stop())
	}
	return errors.Join(errs...)
}
