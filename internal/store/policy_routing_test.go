package store_test

import (
	"context"
	"fmt"
	"math"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

func weight(w int) func(*store.Rep) { return func(r *store.Rep) { r.Weight = w } }

// A thousand leads routed by eight workers at once: one transaction per decision keeps the
// weighted rotation exact, so each rep ends within one lead of their share.
func TestAssignConcurrentSpreadFollowsWeights(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	weights := map[string]int{"rep-a": 1, "rep-b": 2, "rep-c": 3, "rep-d": 4}
	for id, w := range weights {
		putRep(t, st, "t", id, weight(w), maxOpen(1000))
	}
	const n, workers = 1000, 8
	var next atomic.Int64
	var wg sync.WaitGroup
	errs := make(chan error, n)
	for range workers {
		wg.Go(func() {
			for i := next.Add(1); i <= n; i = next.Add(1) {
				d, err := st.Assign(context.Background(), policy.Default(), routing.Request{LeadID: fmt.Sprintf("ld-%d", i)})
				if err == nil && d.Assignment == nil {
					err = fmt.Errorf("lead %d not assigned: %s", i, d.NotAssigned)
				}
				if err != nil {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		require.NoError(t, err)
	}
	for id, w := range weights {
		share := float64(n) * float64(w) / 10
		got := openLeads(t, st, id)
		assert.LessOrEqual(t, math.Abs(float64(got)-share), 1.0, "%s (weight %d): %d leads, share %.0f", id, w, got, share)
	}
}

// A rep out of office gets nothing, and on return takes their share, not the leads they missed.
func TestAssignOutOfOfficeAndNoBurstOnReturn(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	for _, id := range []string{"rep-a", "rep-b", "rep-c"} {
		putRep(t, st, "t", id)
	}
	until := time.Now().Add(time.Hour)
	require.NoError(t, st.SetAvailability(ctx, "rep-c", store.Availability{OutOfOfficeUntil: &until}))
	for i := range 20 {
		a, ok := assign(t, st, routing.Request{LeadID: fmt.Sprintf("away-%d", i)})
		require.True(t, ok)
		require.NotEqual(t, "rep-c", a.RepID)
		assert.Contains(t, a.Skipped, lead.SkippedRep{RepID: "rep-c", Reason: routing.SkipOutOfOffice})
	}
	require.NoError(t, st.SetAvailability(ctx, "rep-c", store.Availability{ClearOutOfOffice: true}))
	rep, err := st.RepByID(ctx, "rep-c")
	require.NoError(t, err)
	assert.Nil(t, rep.OutOfOffice)
	var got []string
	for i := range 9 {
		got = append(got, assignRep(t, st, fmt.Sprintf("back-%d", i)))
	}
	c := 0
	for i, id := range got {
		if id == "rep-c" {
			c++
		}
		assert.LessOrEqual(t, c, i/3+1, "no catch-up burst: %v", got)
	}
	assert.Equal(t, 3, c, "the returning rep takes their share: %v", got)

	assert.ErrorIs(t, st.SetAvailability(ctx, "nobody", store.Availability{ClearOutOfOffice: true}), store.ErrNotFound)
}

// A returning customer goes to the rep who has them, while that rep is active.
func TestAssignExistingOwner(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-a")
	putRep(t, st, "t", "rep-b")
	first := seedLead(t, st, leadSpec{LeadID: "ld-1", Email: "sara.kim@brightwave.example"})
	require.NotNil(t, first.Assignment)
	owner := first.Assignment.RepID

	for i := range 3 {
		again := seedLead(t, st, leadSpec{LeadID: fmt.Sprintf("ld-again-%d", i), Email: "sara.kim@brightwave.example"})
		require.Equal(t, first.Match.ContactID, again.Match.ContactID)
		require.NotNil(t, again.Assignment)
		assert.Equal(t, owner, again.Assignment.RepID)
		assert.Equal(t, routing.RuleExistingOwner, again.Assignment.Rule)
		assert.Nil(t, again.Assignment.Rotation, "the owner's lead is outside the rotation")
	}

	putRep(t, st, "t", owner, inactive)
	later := seedLead(t, st, leadSpec{LeadID: "ld-later", Email: "sara.kim@brightwave.example"})
	require.NotNil(t, later.Assignment)
	assert.NotEqual(t, owner, later.Assignment.RepID)
	assert.Equal(t, routing.RuleTeamRoundRobin, later.Assignment.Rule)
	assert.Contains(t, later.Assignment.Skipped, lead.SkippedRep{RepID: owner, Reason: routing.SkipInactive})

	// The decision, with the rotation and the policy, is in the lead document.
	doc, err := st.Lead(ctx, "ld-later")
	require.NoError(t, err)
	require.NotNil(t, doc.Assignment.Rotation)
	assert.Equal(t, policy.Default().Version, doc.Assignment.PolicyVersion)
	assert.Equal(t, later.Assignment.Rotation, doc.Assignment.Rotation)
}

// A team whose overflow is queue keeps the lead; the next team is not tried.
func TestAssignQueueOverflow(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "fa", Languages: []string{"fa"}, Overflow: routing.Overflow{To: routing.OverflowQueue}})
	putTeam(t, st, store.Team{TeamID: "global"})
	putRep(t, st, "fa", "fa-1", maxOpen(0))
	putRep(t, st, "global", "gl-1")
	d, err := st.Assign(context.Background(), policy.Default(), routing.Request{LeadID: "ld-1", Language: "fa"})
	require.NoError(t, err)
	assert.Nil(t, d.Assignment)
	assert.Equal(t, routing.NotAssignedQueued, d.NotAssigned)
	assert.Equal(t, "fa", d.QueueTeamID)
	assert.Zero(t, count(t, st, `SELECT count(*) FROM lead_assignments`))
}

// The preview says where a lead would go and changes nothing: no assignment, no rotation move.
func TestPreviewRouteChangesNothing(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-a")
	putRep(t, st, "t", "rep-b")
	for range 3 {
		d, err := st.PreviewRoute(ctx, policy.Default(), routing.Request{LeadID: "preview"})
		require.NoError(t, err)
		require.NotNil(t, d.Assignment)
		assert.Equal(t, "rep-a", d.Assignment.RepID)
		assert.WithinDuration(t, time.Now(), d.Assignment.AssignedAt, time.Minute)
	}
	assert.Zero(t, count(t, st, `SELECT count(*) FROM lead_assignments`))
	assert.Zero(t, count(t, st, `SELECT count(*) FROM reps WHERE rotation_credit <> 0`))
	assert.Equal(t, "rep-a", assignRep(t, st, "ld-1"))
}

// Every change of score, tier or policy is a new entry of the history; a write that changes none
// of them adds nothing.
func TestScoreHistory(t *testing.T) {
	ctx, st := newStore(t)
	s := seedLead(t, st, leadSpec{LeadID: "ld-1", NoRoute: true})
	rec := s.Record
	write := func(score int, tier lead.Tier, version string) {
		rec.Score, rec.Tier, rec.PolicyVersion = score, tier, version
		_, err := st.SaveLead(ctx, rec)
		require.NoError(t, err)
	}
	write(50, lead.TierWarm, "test-1") // the same as seeded
	write(40, lead.TierWarm, "test-1") // decayed
	write(40, lead.TierWarm, "test-2") // a new policy, same score
	write(65, lead.TierHot, "test-2")  // came back
	doc, err := st.Lead(ctx, "ld-1")
	require.NoError(t, err)
	var got []string
	for _, h := range doc.ScoreHistory {
		got = append(got, fmt.Sprintf("%d %s %s", h.Score, h.Tier, h.PolicyVersion))
		assert.False(t, h.At.IsZero())
	}
	assert.Equal(t, []string{"50 warm test-1", "40 warm test-1", "40 warm test-2", "65 hot test-2"}, got)
	assert.Equal(t, "test-2", doc.PolicyVersion)
}

// Taking a lead from its rep moves the lead, its open tasks and its assignment to the next rep in
// one go, and credits the first rep back: over the next leads everyone ends level.
func TestReassign(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	for _, id := range []string{"rep-a", "rep-b", "rep-c"} {
		putRep(t, st, "t", id)
	}
	first := seedLead(t, st, leadSpec{LeadID: "ld-1", Email: "one@acme.example"})
	require.Equal(t, "rep-a", first.Assignment.RepID)

	d, err := st.Reassign(ctx, policy.Default(), "ld-1", "", "no answer in time")
	require.NoError(t, err)
	require.NotNil(t, d.Assignment)
	to := d.Assignment.RepID
	assert.NotEqual(t, "rep-a", to)
	doc, err := st.Lead(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, to, doc.Assignment.RepID)
	assert.Equal(t, "rep-a", doc.Assignment.ReassignedFrom)
	assert.Contains(t, doc.Assignment.Skipped, lead.SkippedRep{RepID: "rep-a", Reason: routing.SkipReassigned})
	assert.Equal(t, 0, openLeads(t, st, "rep-a"))
	assert.Equal(t, 1, openLeads(t, st, to))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM tasks WHERE lead_id = 'ld-1' AND rep_id = $1`, to))

	counts := map[string]int{to: 1}
	for i := 2; i <= 6; i++ {
		counts[assignRep(t, st, fmt.Sprintf("ld-%d", i))]++
	}
	assert.Equal(t, map[string]int{"rep-a": 2, "rep-b": 2, "rep-c": 2}, counts, "the first rep was credited back")

	// Nobody else can take it: nothing changes.
	putRep(t, st, "t", "rep-b", inactive)
	putRep(t, st, "t", "rep-c", inactive)
	holder := getLead(t, st, "ld-1").Assignment.RepID
	if holder != "rep-a" {
		d, err = st.Reassign(ctx, policy.Default(), "ld-1", "", "again")
		require.NoError(t, err)
		require.NotNil(t, d.Assignment)
		assert.Equal(t, "rep-a", d.Assignment.RepID)
		assert.WithinDuration(t, time.Now(), d.Assignment.AssignedAt, time.Minute)
	}
	d, err = st.Reassign(ctx, policy.Default(), "ld-1", "", "again")
	require.NoError(t, err)
	assert.Nil(t, d.Assignment)
	assert.Equal(t, routing.NotAssignedNoRep, d.NotAssigned)
	assert.Equal(t, "rep-a", getLead(t, st, "ld-1").Assignment.RepID)

	_, err = st.Reassign(ctx, policy.Default(), "ld-none", "", "x")
	assert.ErrorIs(t, err, store.ErrNotFound)
	record(t, st, "ld-1", "k-won", lead.OutcomeWon, lead.StatusWon, time.Now())
	_, err = st.Reassign(ctx, policy.Default(), "ld-1", "", "x")
	assert.ErrorIs(t, err, store.ErrLeadClosed)
}
