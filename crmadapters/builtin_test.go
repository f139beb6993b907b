package crmadapters_test

import (
	"context"
	"errors"
	"os"
	"testing"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/testenv"
)

var env *testenv.Env

func TestMain(m *testing.M) { os.Exit(testenv.Run(m, false, &env)) }

// builtinRemote reads the built-in CRM's tables.
type builtinRemote struct {
	t  *testing.T
	st *store.Store
}

func (r builtinRemote) Count(kind string) int {
	table := map[string]string{"contact": "contacts", "lead": "leads", "note": "lead_notes", "task": "tasks"}[kind]
	var n int
	if err := r.st.DB().GetContext(context.Background(), &n, "SELECT count(*) FROM "+table); err != nil {
		r.t.Fatal(err)
	}
	return n
}

func (r builtinRemote) Stage(ref string) string {
	var status string
	if err := r.st.DB().GetContext(context.Background(), &status, "SELECT status FROM leads WHERE lead_id = $1", ref); err != nil {
		r.t.Fatal(err)
	}
	return status
}

func TestBuiltinCompliance(t *testing.T) {
	crmtest.Run(t, func(t *testing.T) crmtest.Subject {
		st := env.Store(t)
		return crmtest.Subject{Adapter: &crmadapters.Builtin{Store: st}, Remote: builtinRemote{t, st},
			Stage: func(s lead.Status) string { return string(s) }}
	})
}

func TestOnceCreatesOncePerKey(t *testing.T) {
	ctx := t.Context()
	ids := &crmtest.MemoryIDs{}
	created, searched := 0, 0
	lost := true // the first create reaches the CRM but its answer is lost
	create := func(context.Context) (string, error) {
		created++
		if lost {
			lost = false
			return "", errors.New("connection reset")
		}
		return "n-1", nil
	}
	find := func(context.Context) (string, bool, error) {
		searched++
		return "n-1", created > 0, nil
	}
	if _, err := crmadapters.Once(ctx, ids, "test", "note", "k-1", find, create); err == nil {
		t.Fatal("the lost answer was not an error")
	}
	id, err := crmadapters.Once(ctx, ids, "test", "note", "k-1", find, create)
	if err != nil || id != "n-1" {
		t.Fatalf("retry = %q, %v", id, err)
	}
	if created != 1 || searched != 1 {
		t.Fatalf("created %d times and searched %d times; want the retry to find the first", created, searched)
	}
	// Remembered: no search, no create.
	if id, err := crmadapters.Once(ctx, ids, "test", "note", "k-1", find, create); err != nil || id != "n-1" || created != 1 || searched != 1 {
		t.Fatalf("a third call: %q, %v, created %d, searched %d", id, err, created, searched)
	}
	// A first attempt does not search.
	if _, err := crmadapters.Once(ctx, ids, "test", "note", "k-2", find, create); err != nil || searched != 1 {
		t.Fatalf("a new key searched the CRM (%d) or failed: %v", searched, err)
	}
}
