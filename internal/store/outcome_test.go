package store_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

func record(t testing.TB, st *store.Store, leadID, key string, o lead.Outcome, status lead.Status, at time.Time) {
	t.Helper()
	require.NoError(t, st.RecordOutcome(context.Background(), store.OutcomeRecord{LeadID: leadID, IdempotencyKey: key,
		Note: lead.OutcomeNote{Outcome: o, RepID: "rep-1", At: at}, NewStatus: status}))
}

func TestRecordOutcome(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1", maxOpen(1))
	seedLead(t, st, leadSpec{LeadID: "ld-1"})
	require.Equal(t, 1, openLeads(t, st, "rep-1"))
	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)

	// A snooze is not a touch: nothing about the first touch changes.
	snoozeUntil := t0.Add(24 * time.Hour)
	require.NoError(t, st.RecordOutcome(ctx, store.OutcomeRecord{LeadID: "ld-1", IdempotencyKey: "k-snooze",
		Note: lead.OutcomeNote{Outcome: lead.OutcomeSnooze, RepID: "rep-1", At: t0, SnoozeUntil: &snoozeUntil}, NewStatus: lead.StatusAssigned}))
	l := getLead(t, st, "ld-1")
	assert.Nil(t, l.Timings.FirstTouchAt)
	assert.Equal(t, lead.FollowupPending, l.Followups[0].Status)
	require.Len(t, l.Outcomes, 1)
	require.NotNil(t, l.Outcomes[0].SnoozeUntil)
	assert.True(t, l.Outcomes[0].SnoozeUntil.Equal(snoozeUntil))

	// The first real touch.
	note := "called, demo booked"
	require.NoError(t, st.RecordOutcome(ctx, store.OutcomeRecord{LeadID: "ld-1", IdempotencyKey: "k-1",
		Note: lead.OutcomeNote{Outcome: lead.OutcomeContacted, RepID: "rep-1", At: t0.Add(time.Hour), Note: &note}, NewStatus: lead.StatusContacted}))
	// Its retry, even carrying something else, changes nothing.
	record(t, st, "ld-1", "k-1", lead.OutcomeWon, lead.StatusWon, t0.Add(3*time.Hour))
	// A later touch does not move first_touch_at.
	record(t, st, "ld-1", "k-2", lead.OutcomeNoAnswer, lead.StatusContacted, t0.Add(2*time.Hour))

	l = getLead(t, st, "ld-1")
	assert.Equal(t, lead.StatusContacted, l.Status)
	require.NotNil(t, l.Timings.FirstTouchAt)
	assert.True(t, l.Timings.FirstTouchAt.Equal(t0.Add(time.Hour)), "first_touch_at is the first non-snooze outcome: %v", l.Timings.FirstTouchAt)
	assert.Equal(t, []lead.Followup{{ID: "call-1", Kind: lead.FollowupCallTask, DueAt: l.Followups[0].DueAt, Status: lead.FollowupDone}}, l.Followups)
	var outcomes []lead.Outcome
	for _, o := range l.Outcomes {
		outcomes = append(outcomes, o.Outcome)
	}
	assert.Equal(t, []lead.Outcome{lead.OutcomeSnooze, lead.OutcomeContacted, lead.OutcomeNoAnswer}, outcomes, "oldest first, each key once")
	require.NotNil(t, l.Outcomes[1].Note)
	assert.Equal(t, note, *l.Outcomes[1].Note)
	assert.Equal(t, 3, count(t, st, `SELECT count(*) FROM outcomes`))

	for _, tt := range []struct {
		key  string
		want bool
	}{{"k-1", true}, {"k-snooze", true}, {"k-3", false}} {
		got, err := st.OutcomeRecorded(ctx, "ld-1", tt.key)
		require.NoError(t, err)
		assert.Equal(t, tt.want, got, tt.key)
	}
	got, err := st.OutcomeRecorded(ctx, "ld-other", "k-1")
	require.NoError(t, err)
	assert.False(t, got, "keys are per lead")

	// Still open: the rep is full.
	assert.Equal(t, 1, openLeads(t, st, "rep-1"))
	_, ok := assign(t, st, routing.Request{LeadID: "ld-2"})
	assert.False(t, ok)

	// Won: the rep has room again and the waiting lead can be routed.
	record(t, st, "ld-1", "k-3", lead.OutcomeWon, lead.StatusWon, t0.Add(4*time.Hour))
	assert.Equal(t, lead.StatusWon, getLead(t, st, "ld-1").Status)
	assert.Equal(t, 0, openLeads(t, st, "rep-1"))
	a, ok := assign(t, st, routing.Request{LeadID: "ld-2"})
	require.True(t, ok)
	assert.Equal(t, "rep-1", a.RepID)
	// The closed lead still shows who had it.
	require.NotNil(t, getLead(t, st, "ld-1").Assignment)
}

func TestRecordOutcomeReleasesCapacityOnlyWhenClosing(t *testing.T) {
	_, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	tests := []struct {
		outcome lead.Outcome
		status  lead.Status
		release bool
	}{
		{lead.OutcomeContacted, lead.StatusContacted, false},
		{lead.OutcomeQualified, lead.StatusQualified, false},
		{lead.OutcomeNoAnswer, lead.StatusAssigned, false},
		{lead.OutcomeSnooze, lead.StatusAssigned, false},
		{lead.OutcomeWon, lead.StatusWon, true},
		{lead.OutcomeLost, lead.StatusLost, true},
		{lead.OutcomeUnqualified, lead.StatusUnqualified, true},
	}
	for i, tt := range tests {
		t.Run(string(tt.outcome), func(t *testing.T) {
			// One rep per case, so the counts are the case's own.
			repID := fmt.Sprintf("rep-%d", i)
			putTeam(t, st, store.Team{TeamID: repID, Priority: 100 - i})
			putRep(t, st, repID, repID)
			leadID := fmt.Sprintf("ld-%d", i)
			s := seedLead(t, st, leadSpec{LeadID: leadID})
			require.Equal(t, repID, s.Assignment.RepID)
			require.Equal(t, 1, openLeads(t, st, repID))
			record(t, st, leadID, "k", tt.outcome, tt.status, at)
			// A retry of a closing outcome does not release twice (or anything else).
			record(t, st, leadID, "k", tt.outcome, tt.status, at)
			want := 1
			if tt.release {
				want = 0
			}
			assert.Equal(t, want, openLeads(t, st, repID))
			assert.Equal(t, tt.status, getLead(t, st, leadID).Status)
			// Retire the team so the next case routes to its own.
			putTeam(t, st, store.Team{TeamID: repID, Priority: -1000})
		})
	}
}
