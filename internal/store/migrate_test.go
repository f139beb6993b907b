package store_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/store"
)

// schemaFingerprint lists the tables and indexes of the public schema, so a second migration run
// can be shown to have changed nothing.
func schemaFingerprint(t *testing.T, st *store.Store) []string {
	t.Helper()
	var names []string
	require.NoError(t, st.DB().Select(&names, `SELECT relkind::text || ':' || relname FROM pg_class c
		JOIN pg_namespace n ON n.oid = c.relnamespace WHERE n.nspname = 'public' ORDER BY 1`))
	return names
}

// migrationVersions are the versions of the migration files, in order.
func migrationVersions(t *testing.T) []int {
	t.Helper()
	entries, err := os.ReadDir("migrations")
	require.NoError(t, err)
	var versions []int
	for _, e := range entries {
		v, err := strconv.Atoi(strings.SplitN(e.Name(), "_", 2)[0])
		require.NoError(t, err, e.Name())
		versions = append(versions, v)
	}
	return versions
}

func TestMigrateTwiceIsNoOp(t *testing.T) {
	ctx, st := newStore(t) // already migrated once
	before := schemaFingerprint(t, st)
	var applied []int
	require.NoError(t, st.DB().Select(&applied, `SELECT version FROM schema_migrations ORDER BY version`))
	require.Equal(t, migrationVersions(t), applied)
	require.Contains(t, before, "r:contact_identities")

	// Data written between the runs survives the second run untouched.
	putTeam(t, st, store.Team{TeamID: "emea"})
	require.NoError(t, st.Migrate(ctx))
	require.NoError(t, st.Migrate(ctx))

	assert.Equal(t, before, schemaFingerprint(t, st))
	assert.Equal(t, len(applied), count(t, st, `SELECT count(*) FROM schema_migrations`))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM teams`))
}

func TestMigrateConcurrently(t *testing.T) {
	t.Parallel()
	ctx := t.Context()
	url := env.DatabaseURL(t) // empty: nobody migrated it yet
	// Three processes (gateway, worker, a second worker) start at once, each with its own pool.
	stores := make([]*store.Store, 3)
	for i := range stores {
		st, err := store.Open(ctx, url)
		require.NoError(t, err)
		t.Cleanup(func() { _ = st.Close() })
		stores[i] = st
	}
	var wg sync.WaitGroup
	errs := make([]error, len(stores))
	start := make(chan struct{})
	for i, st := range stores {
		wg.Go(func() {
			<-start
			errs[i] = st.Migrate(context.WithoutCancel(ctx))
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		require.NoError(t, err, "migrator %d", i)
	}
	assert.Equal(t, len(migrationVersions(t)), count(t, stores[0], `SELECT count(*) FROM schema_migrations`))
	// The schema is usable.
	putTeam(t, stores[1], store.Team{TeamID: "t"})
	putRep(t, stores[2], "t", "r")
}

func TestOneRoundTripKeepsTheCallersChoice(t *testing.T) {
	for in, want := range map[string]string{
		"postgres://u@127.0.0.1:5432/db?sslmode=disable": "postgres://u@127.0.0.1:5432/db?binary_parameters=yes&sslmode=disable",
		"postgres://u@h/db?binary_parameters=no":         "postgres://u@h/db?binary_parameters=no",
		"host=/tmp dbname=leadflow":                      "host=/tmp dbname=leadflow binary_parameters=yes",
		"host=/tmp dbname=leadflow binary_parameters=no": "host=/tmp dbname=leadflow binary_parameters=no",
		"postgresql://u:p%40ss@h:1/db":                   "postgresql://u:p%40ss@h:1/db?binary_parameters=yes",
	} {
		if got := store.OneRoundTrip(in); got != want {
			t.Errorf("%q: got %q, want %q", in, got, want)
		}
	}
}
