package store_test

import (
	"errors"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/store"
)

// followupsByID indexes a lead document's follow-ups by step id.
func followupsByID(l lead.Lead) map[string]lead.Followup {
	out := map[string]lead.Followup{}
	for _, f := range l.Followups {
		out[f.ID] = f
	}
	return out
}

// assertFollowup checks one follow-up of the lead document against the step that was saved.
func assertFollowup(t *testing.T, got map[string]lead.Followup, want lead.Followup) {
	t.Helper()
	f, ok := got[want.ID]
	if !assert.True(t, ok, "step %s is not in Lead.followups: %+v", want.ID, got) {
		return
	}
	assert.True(t, want.DueAt.Equal(f.DueAt), "%s due %v, want %v", want.ID, f.DueAt, want.DueAt)
	f.DueAt, want.DueAt = time.Time{}, time.Time{}
	assert.Equal(t, want, f)
}

// taskRep is the rep a task row names ("" for none).
func taskRep(t *testing.T, st *store.Store, taskID string) string {
	t.Helper()
	var rep *string
	require.NoError(t, st.DB().Get(&rep, `SELECT rep_id FROM tasks WHERE task_id = $1`, taskID))
	if rep == nil {
		return ""
	}
	return *rep
}

func TestSaveFollowups(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1")
	putRep(t, st, "t", "rep-2")
	seeded := seedLead(t, st, leadSpec{LeadID: "ld-1", Email: "one@acme.example"})
	require.Equal(t, "rep-1", seeded.Assignment.RepID)

	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	steps := []lead.Followup{
		{ID: "demo-0", Kind: lead.FollowupCallTask, DueAt: t0.Add(15 * time.Minute), Status: lead.FollowupPending, Sequence: "demo"},
		{ID: "demo-1", Kind: lead.FollowupRepReminder, DueAt: t0.Add(2 * time.Hour), Status: lead.FollowupPending, Sequence: "demo"},
		{ID: "demo-2", Kind: lead.FollowupCustomerMessage, DueAt: t0.Add(3 * time.Hour), Status: lead.FollowupPending, Sequence: "demo"},
	}
	due := t0.Add(5 * time.Minute)
	sla := &lead.SLA{FirstTouchDueAt: &due, Breached: true, Escalations: []lead.Escalation{
		{At: due, RepID: "rep-1", Reason: "first_touch_overdue"},
		{At: due.Add(5 * time.Minute), RepID: "mgr-1", Reason: "escalation"},
	}}
	require.NoError(t, st.SaveFollowups(ctx, "ld-1", "rep-1", steps, sla))

	// One task row per step, id leadID:stepID, naming the rep who owes it.
	for _, s := range steps {
		id := store.FollowupTaskID("ld-1", s.ID)
		assert.Equal(t, "ld-1:"+s.ID, id)
		assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM tasks WHERE task_id = $1 AND lead_id = 'ld-1'`, id))
		assert.Equal(t, "rep-1", taskRep(t, st, id))
	}
	l := getLead(t, st, "ld-1")
	got := followupsByID(l)
	for _, s := range steps {
		assertFollowup(t, got, s)
	}
	assert.Contains(t, got, "call-1", "the first call task SaveLead wrote is still there")
	require.NotNil(t, l.SLA.FirstTouchDueAt)
	assert.True(t, l.SLA.FirstTouchDueAt.Equal(due))
	assert.True(t, l.SLA.Breached)
	require.Len(t, l.SLA.Escalations, 2)
	for i, e := range sla.Escalations {
		assert.True(t, e.At.Equal(l.SLA.Escalations[i].At))
		assert.Equal(t, e.RepID, l.SLA.Escalations[i].RepID)
		assert.Equal(t, e.Reason, l.SLA.Escalations[i].Reason)
	}

	// The same steps again (a retried activity): one row each, and the rows are not even rewritten.
	var before []time.Time
	require.NoError(t, st.DB().Select(&before, `SELECT updated_at FROM tasks WHERE lead_id = 'ld-1' ORDER BY task_id`))
	require.NoError(t, st.SaveFollowups(ctx, "ld-1", "rep-1", steps, sla))
	var after []time.Time
	require.NoError(t, st.DB().Select(&after, `SELECT updated_at FROM tasks WHERE lead_id = 'ld-1' ORDER BY task_id`))
	assert.Equal(t, 4, count(t, st, `SELECT count(*) FROM tasks WHERE lead_id = 'ld-1'`), "call-1 and three steps")
	assert.Equal(t, before, after, "an unchanged step is not updated")

	// The workflow moves on: the reminder is moot, the message went out, the call moved. An
	// upsert changes the rows; without an SLA the lead's SLA is left as it is.
	changed := []lead.Followup{
		{ID: "demo-0", Kind: lead.FollowupCallTask, DueAt: t0.Add(45 * time.Minute), Status: lead.FollowupPending, Sequence: "demo"},
		{ID: "demo-1", Kind: lead.FollowupRepReminder, DueAt: t0.Add(2 * time.Hour), Status: lead.FollowupCancelled, Sequence: "demo", Reason: "contacted"},
		{ID: "demo-2", Kind: lead.FollowupCustomerMessage, DueAt: t0.Add(3 * time.Hour), Status: lead.FollowupSent, Sequence: "demo", Channel: "whatsapp"},
	}
	require.NoError(t, st.SaveFollowups(ctx, "ld-1", "rep-2", changed, nil))
	l = getLead(t, st, "ld-1")
	got = followupsByID(l)
	for _, s := range changed {
		assertFollowup(t, got, s)
	}
	assert.Equal(t, 4, count(t, st, `SELECT count(*) FROM tasks WHERE lead_id = 'ld-1'`))
	assert.Equal(t, "rep-2", taskRep(t, st, "ld-1:demo-0"), "a pending step names the rep who owes it now")
	assert.Equal(t, "rep-1", taskRep(t, st, "ld-1:demo-1"), "a settled step keeps the rep who had it")
	assert.Equal(t, "rep-1", taskRep(t, st, "ld-1:demo-2"))
	require.NotNil(t, l.SLA.FirstTouchDueAt, "no SLA given: the stored one stands")
	assert.True(t, l.SLA.FirstTouchDueAt.Equal(due))
	assert.Len(t, l.SLA.Escalations, 2)

	// A new SLA replaces the old one; no escalations read back as an empty list.
	later := due.Add(time.Hour)
	require.NoError(t, st.SaveFollowups(ctx, "ld-1", "", nil, &lead.SLA{FirstTouchDueAt: &later}))
	l = getLead(t, st, "ld-1")
	require.NotNil(t, l.SLA.FirstTouchDueAt)
	assert.True(t, l.SLA.FirstTouchDueAt.Equal(later))
	assert.False(t, l.SLA.Breached)
	assert.Equal(t, []lead.Escalation{}, l.SLA.Escalations)
	assert.Equal(t, "rep-2", taskRep(t, st, "ld-1:demo-0"), "no rep given: the pending step keeps its rep")
	require.NoError(t, st.SaveFollowups(ctx, "ld-1", "", changed[:1], nil))
	assert.Equal(t, "rep-2", taskRep(t, st, "ld-1:demo-0"))

	// An unknown lead.
	err := st.SaveFollowups(ctx, "ld-ghost", "rep-1", steps, nil)
	assert.ErrorIs(t, err, store.ErrNotFound)
	err = st.SaveFollowups(ctx, "ld-ghost", "rep-1", nil, sla)
	assert.ErrorIs(t, err, store.ErrNotFound)
}

func TestOptOut(t *testing.T) {
	ctx, st := newStore(t)
	// Two leads of one person (same phone and e-mail), and a lead of somebody else.
	a1 := seedLead(t, st, leadSpec{LeadID: "ld-a1", Phone: "+447700900001", Email: "ann@acme.example", NoRoute: true})
	a2 := seedLead(t, st, leadSpec{LeadID: "ld-a2", Phone: "+447700900001", Email: "ann@acme.example", NoRoute: true})
	b := seedLead(t, st, leadSpec{LeadID: "ld-b", Phone: "+447700900222", Email: "bea@other.example", NoRoute: true})
	require.Equal(t, a1.Match.ContactID, a2.Match.ContactID, "one person, one contact")
	require.NotEqual(t, a1.Match.ContactID, b.Match.ContactID)

	optedOut := func(leadID string) bool {
		t.Helper()
		out, err := st.OptedOut(ctx, leadID)
		require.NoError(t, err)
		return out
	}
	for _, id := range []string{"ld-a1", "ld-a2", "ld-b"} {
		assert.False(t, optedOut(id), id)
	}

	first := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	require.NoError(t, st.OptOut(ctx, "ld-a1", first))
	assert.True(t, optedOut("ld-a1"))
	assert.True(t, optedOut("ld-a2"), "the person opted out, not the lead")
	assert.False(t, optedOut("ld-b"))

	// Again, later: the first opt-out's time stands.
	require.NoError(t, st.OptOut(ctx, "ld-a2", first.Add(24*time.Hour)))
	var at time.Time
	require.NoError(t, st.DB().Get(&at, `SELECT opted_out_at FROM contacts WHERE contact_id = $1`, a1.Match.ContactID))
	assert.True(t, at.Equal(first), "opted_out_at %v", at)

	// The opted-out contact turns out to be the other person's duplicate: once merged, the
	// survivor's leads are silent too.
	_, err := st.MergeContacts(ctx, b.Match.ContactID, a1.Match.ContactID, "key:admin")
	require.NoError(t, err)
	assert.True(t, optedOut("ld-b"), "a lead of the survivor of an opted-out contact")
	assert.True(t, optedOut("ld-a1"))
	// A later lead of the survivor.
	seedLead(t, st, leadSpec{LeadID: "ld-b2", Phone: "+447700900222", Email: "bea@other.example", NoRoute: true})
	assert.True(t, optedOut("ld-b2"))

	// Opting out through a lead that moved with a merge marks the survivor it now belongs to.
	c := seedLead(t, st, leadSpec{LeadID: "ld-c", Phone: "+447700900333", NoRoute: true})
	d := seedLead(t, st, leadSpec{LeadID: "ld-d", Phone: "+447700900444", Email: "dan@else.example", NoRoute: true})
	_, err = st.MergeContacts(ctx, d.Match.ContactID, c.Match.ContactID, "key:admin")
	require.NoError(t, err)
	require.NoError(t, st.OptOut(ctx, "ld-c", first))
	assert.True(t, optedOut("ld-d"))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM contacts WHERE contact_id = $1 AND opted_out_at IS NOT NULL`, d.Match.ContactID))

	// An unknown lead.
	assert.ErrorIs(t, st.OptOut(ctx, "ld-ghost", first), store.ErrNotFound)
	ghost, err := st.OptedOut(ctx, "ld-ghost")
	require.NoError(t, err)
	assert.False(t, ghost)
}

func TestClaimCustomerMessage(t *testing.T) {
	ctx, st := newStore(t)
	s := seedLead(t, st, leadSpec{LeadID: "ld-1", Phone: "+447700900001", NoRoute: true})
	other := seedLead(t, st, leadSpec{LeadID: "ld-2", Phone: "+447700900002", Email: "two@acme.example", NoRoute: true})
	msg := func(leadID, contactID, key string, ch lead.Channel) store.CustomerMessage {
		return store.CustomerMessage{Key: key, LeadID: leadID, ContactID: contactID, Channel: ch, Template: "missed_you", Mode: "free_form"}
	}
	contact := s.Match.ContactID

	c1, sent, err := st.ClaimCustomerMessage(ctx, msg("ld-1", contact, "ld-1/s1", lead.ChannelWhatsApp), 2)
	require.NoError(t, err)
	assert.False(t, sent)
	assert.Equal(t, msg("ld-1", contact, "ld-1/s1", lead.ChannelWhatsApp), c1)
	_, sent, err = st.ClaimCustomerMessage(ctx, msg("ld-1", contact, "ld-1/s2", lead.ChannelEmail), 2)
	require.NoError(t, err)
	assert.False(t, sent)
	_, _, err = st.ClaimCustomerMessage(ctx, msg("ld-1", contact, "ld-1/s3", lead.ChannelEmail), 2)
	assert.ErrorIs(t, err, store.ErrBudgetSpent)
	assert.Equal(t, 2, count(t, st, `SELECT count(*) FROM customer_messages WHERE lead_id = 'ld-1'`))

	// A retry of a claimed, unsent message claims it again on the channel it was first claimed on,
	// without budget (the budget is spent and it still goes through).
	again, sent, err := st.ClaimCustomerMessage(ctx, store.CustomerMessage{Key: "ld-1/s1", LeadID: "ld-1", ContactID: contact,
		Channel: lead.ChannelTelegram, Template: "missed_you", Mode: "template"}, 2)
	require.NoError(t, err)
	assert.False(t, sent, "claimed but not sent yet")
	assert.Equal(t, lead.ChannelWhatsApp, again.Channel)
	assert.Equal(t, "free_form", again.Mode)
	assert.Equal(t, "ld-1/s1", again.Key)

	msgs, err := st.CustomerMessages(ctx, "ld-1")
	require.NoError(t, err)
	assert.Empty(t, msgs, "nothing sent yet")
	require.NoError(t, st.MarkCustomerMessageSent(ctx, "ld-1/s1"))
	require.NoError(t, st.MarkCustomerMessageSent(ctx, "ld-1/s1")) // a retry
	again, sent, err = st.ClaimCustomerMessage(ctx, msg("ld-1", contact, "ld-1/s1", lead.ChannelEmail), 2)
	require.NoError(t, err)
	assert.True(t, sent, "a retry after success sends nothing")
	assert.Equal(t, lead.ChannelWhatsApp, again.Channel)
	_, sent, err = st.ClaimCustomerMessage(ctx, msg("ld-1", contact, "ld-1/s2", lead.ChannelEmail), 2)
	require.NoError(t, err)
	assert.False(t, sent, "each key is marked on its own")
	msgs, err = st.CustomerMessages(ctx, "ld-1")
	require.NoError(t, err)
	assert.Equal(t, []string{"whatsapp:missed_you"}, msgs)
	assert.Equal(t, 2, count(t, st, `SELECT count(*) FROM customer_messages WHERE lead_id = 'ld-1'`))

	// The budget is per lead.
	_, sent, err = st.ClaimCustomerMessage(ctx, msg("ld-2", other.Match.ContactID, "ld-2/s1", lead.ChannelEmail), 2)
	require.NoError(t, err)
	assert.False(t, sent)
}

// Steps of one lead falling due together never take more than the budget between them.
func TestClaimCustomerMessageConcurrent(t *testing.T) {
	ctx, st := newStore(t)
	for round := range 3 {
		leadID := fmt.Sprintf("ld-%d", round)
		s := seedLead(t, st, leadSpec{LeadID: leadID, Phone: fmt.Sprintf("+44770090010%d", round), NoRoute: true})
		var wg sync.WaitGroup
		var mu sync.Mutex
		var ok, spent int
		var other []error
		start := make(chan struct{})
		for i := range 8 {
			wg.Add(1)
			go func() {
				defer wg.Done()
				<-start
				_, _, err := st.ClaimCustomerMessage(ctx, store.CustomerMessage{Key: fmt.Sprintf("%s/s%d", leadID, i), LeadID: leadID,
					ContactID: s.Match.ContactID, Channel: lead.ChannelEmail, Template: "missed_you", Mode: "free_form"}, 3)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, store.ErrBudgetSpent):
					spent++
				default:
					other = append(other, err)
				}
			}()
		}
		close(start)
		wg.Wait()
		require.Empty(t, other)
		assert.Equal(t, 3, ok, "round %d", round)
		assert.Equal(t, 5, spent, "round %d", round)
		assert.Equal(t, 3, count(t, st, `SELECT count(*) FROM customer_messages WHERE lead_id = $1`, leadID))
	}
}

func TestOnCallRep(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putTeam(t, st, store.Team{TeamID: "other"})
	onCall := func(r *store.Rep) { r.OnCall = true }
	putRep(t, st, "t", "rep-a")                   // not on call
	putRep(t, st, "t", "rep-b", onCall, inactive) // on call, inactive
	putRep(t, st, "t", "rep-c", onCall)           // on call, out of office (below)
	putRep(t, st, "t", "rep-d", onCall)           // the one
	putRep(t, st, "other", "rep-0", onCall)       // another team's
	future, past := time.Now().Add(24*time.Hour), time.Now().Add(-time.Hour)
	require.NoError(t, st.SetAvailability(ctx, "rep-c", store.Availability{OutOfOfficeUntil: &future}))

	rep, err := st.OnCallRep(ctx, "t")
	require.NoError(t, err)
	assert.Equal(t, "rep-d", rep)

	// rep-d leaves: nobody is left.
	require.NoError(t, st.SetAvailability(ctx, "rep-d", store.Availability{OutOfOfficeUntil: &future}))
	rep, err = st.OnCallRep(ctx, "t")
	require.NoError(t, err)
	assert.Equal(t, "", rep)

	// An absence that is over does not count.
	require.NoError(t, st.SetAvailability(ctx, "rep-c", store.Availability{OutOfOfficeUntil: &past}))
	rep, err = st.OnCallRep(ctx, "t")
	require.NoError(t, err)
	assert.Equal(t, "rep-c", rep)

	rep, err = st.OnCallRep(ctx, "other")
	require.NoError(t, err)
	assert.Equal(t, "rep-0", rep)
	rep, err = st.OnCallRep(ctx, "no-such-team")
	require.NoError(t, err)
	assert.Equal(t, "", rep)
}

func TestTakeOver(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1")
	for i, id := range []string{"ld-1", "ld-2", "ld-3"} {
		s := seedLead(t, st, leadSpec{LeadID: id, Email: fmt.Sprintf("c%d@acme.example", i)})
		require.Equal(t, "rep-1", s.Assignment.RepID)
	}
	seedLead(t, st, leadSpec{LeadID: "ld-none", Email: "none@acme.example", NoRoute: true})
	// The on-call rep and a third rep join after the leads were routed.
	putRep(t, st, "t", "rep-oc", func(r *store.Rep) { r.OnCall = true })
	putRep(t, st, "t", "rep-3")

	t0 := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	require.NoError(t, st.SaveFollowups(ctx, "ld-1", "rep-1", []lead.Followup{
		{ID: "s-pending", Kind: lead.FollowupRepReminder, DueAt: t0, Status: lead.FollowupPending},
		{ID: "s-done", Kind: lead.FollowupCustomerMessage, DueAt: t0, Status: lead.FollowupSent, Channel: "email"},
	}, nil))

	as, err := st.TakeOver(ctx, "ld-1", "rep-1", "rep-oc")
	require.NoError(t, err)
	assert.Equal(t, "rep-oc", as.RepID)
	assert.Equal(t, "t", as.TeamID)
	assert.Equal(t, store.RuleOnCallAcknowledged, as.Rule)
	assert.Equal(t, "on_call_acknowledged", as.Rule)
	assert.Equal(t, "rep-1", as.ReassignedFrom)
	assert.WithinDuration(t, time.Now(), as.AssignedAt, time.Minute)

	doc := getLead(t, st, "ld-1")
	require.NotNil(t, doc.Assignment)
	assert.Equal(t, "rep-oc", doc.Assignment.RepID)
	assert.Equal(t, store.RuleOnCallAcknowledged, doc.Assignment.Rule)
	assert.Equal(t, "rep-1", doc.Assignment.ReassignedFrom)
	assert.True(t, doc.Assignment.AssignedAt.Equal(as.AssignedAt))
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM leads WHERE lead_id = 'ld-1' AND rep_id = 'rep-oc'`))
	assert.Equal(t, "rep-oc", taskRep(t, st, "ld-1:call-1"), "pending tasks move")
	assert.Equal(t, "rep-oc", taskRep(t, st, "ld-1:s-pending"))
	assert.Equal(t, "rep-1", taskRep(t, st, "ld-1:s-done"), "settled steps stay with who had them")
	assert.Equal(t, 2, openLeads(t, st, "rep-1"))
	assert.Equal(t, 1, openLeads(t, st, "rep-oc"))

	// The activity runs again: nothing moves, the same assignment comes back.
	again, err := st.TakeOver(ctx, "ld-1", "rep-1", "rep-oc")
	require.NoError(t, err)
	assert.Equal(t, as.RepID, again.RepID)
	assert.Equal(t, as.Rule, again.Rule)
	assert.Equal(t, as.ReassignedFrom, again.ReassignedFrom)
	assert.True(t, as.AssignedAt.Equal(again.AssignedAt), "not taken over a second time")
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'lead.taken_over' AND subject_id = 'ld-1'`))

	// A lead somebody else holds is not taken from them.
	_, err = st.TakeOver(ctx, "ld-2", "rep-3", "rep-oc")
	assert.ErrorIs(t, err, store.ErrNotFound)
	assert.Equal(t, "rep-1", getLead(t, st, "ld-2").Assignment.RepID)
	assert.Equal(t, "rep-1", taskRep(t, st, "ld-2:call-1"))

	// A closed lead stays with its rep.
	record(t, st, "ld-3", "k-won", lead.OutcomeWon, lead.StatusWon, t0)
	_, err = st.TakeOver(ctx, "ld-3", "rep-1", "rep-oc")
	assert.ErrorIs(t, err, store.ErrLeadClosed)
	assert.Equal(t, "rep-1", getLead(t, st, "ld-3").Assignment.RepID)

	// A lead without an assignment.
	_, err = st.TakeOver(ctx, "ld-none", "", "rep-oc")
	assert.ErrorIs(t, err, store.ErrNotFound)
	_, err = st.TakeOver(ctx, "ld-ghost", "rep-1", "rep-oc")
	assert.ErrorIs(t, err, store.ErrNotFound)
}

// Reassign with fromRep is safe to retry: once the lead left fromRep, a second call answers where
// it is now and moves nothing.
func TestReassignFromRepIsIdempotent(t *testing.T) {
	ctx, st := newStore(t)
	putTeam(t, st, store.Team{TeamID: "t"})
	putRep(t, st, "t", "rep-1")
	s := seedLead(t, st, leadSpec{LeadID: "ld-1", Email: "one@acme.example"})
	require.Equal(t, "rep-1", s.Assignment.RepID)
	putRep(t, st, "t", "rep-2")
	putRep(t, st, "t", "rep-3")

	d, err := st.Reassign(ctx, policy.Default(), "ld-1", "rep-1", "first touch missed")
	require.NoError(t, err)
	require.NotNil(t, d.Assignment)
	moved := d.Assignment
	require.NotEqual(t, "rep-1", moved.RepID)
	assert.Equal(t, "rep-1", moved.ReassignedFrom)

	for range 2 {
		d, err = st.Reassign(ctx, policy.Default(), "ld-1", "rep-1", "first touch missed")
		require.NoError(t, err)
		require.NotNil(t, d.Assignment)
		assert.Equal(t, moved.RepID, d.Assignment.RepID, "not moved again")
		assert.True(t, moved.AssignedAt.Equal(d.Assignment.AssignedAt))
		assert.Equal(t, "rep-1", d.Assignment.ReassignedFrom)
		assert.Empty(t, d.Credits, "no rotation change")
	}
	assert.Equal(t, moved.RepID, getLead(t, st, "ld-1").Assignment.RepID)
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'lead.reassigned' AND subject_id = 'ld-1'`))
	assert.Equal(t, 1, openLeads(t, st, moved.RepID))
	assert.Equal(t, 0, openLeads(t, st, "rep-1"))
}
