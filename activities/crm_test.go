package activities_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// scriptedCRM is an external CRM that records what it is given and fails UpsertLead with the
// queued errors first.
type scriptedCRM struct {
	fail     []error
	contacts []crmadapters.Contact
	leads    []crmadapters.Lead
	notes    []crmadapters.Note
	tasks    []crmadapters.Task
	outcomes []crmadapters.Outcome
}

func (s *scriptedCRM) Name() string { return "scripted" }
func (s *scriptedCRM) UpsertContact(_ context.Context, c crmadapters.Contact) (string, error) {
	s.contacts = append(s.contacts, c)
	return "c-" + c.ContactID, nil
}
func (s *scriptedCRM) UpsertLead(_ context.Context, l crmadapters.Lead) (string, error) {
	if len(s.fail) > 0 {
		err := s.fail[0]
		s.fail = s.fail[1:]
		return "", err
	}
	s.leads = append(s.leads, l)
	return "d-" + l.Doc.LeadID, nil
}
func (s *scriptedCRM) AddNote(_ context.Context, n crmadapters.Note) (string, error) {
	s.notes = append(s.notes, n)
	return "n-1", nil
}
func (s *scriptedCRM) CreateTask(_ context.Context, t crmadapters.Task) (string, error) {
	s.tasks = append(s.tasks, t)
	return "t-1", nil
}
func (s *scriptedCRM) RecordOutcome(_ context.Context, o crmadapters.Outcome) error {
	s.outcomes = append(s.outcomes, o)
	return nil
}
func (s *scriptedCRM) ReadLeads(context.Context, []string) (map[string]crmadapters.RemoteLead, error) {
	return nil, nil
}

func TestSyncCRMWritesTheLeadAndShowsHowItWent(t *testing.T) {
	ctx, acts, st := newActivities(t)
	putRep(t, st, "fa", "rep-1", "")
	crm := &scriptedCRM{fail: []error{
		&crmadapters.RetryError{CRM: "scripted", Status: 429, After: 7 * time.Second},
		&crmadapters.MappingError{CRM: "scripted", Field: "lead.intent", Property: "type", Reason: "value not in the table"},
		&crmadapters.ReviewError{CRM: "scripted", Reason: "multiple matches", Candidates: []string{"00Q1", "00Q2"}},
	}}
	acts.External, acts.CRMIDs, acts.PublicURL = map[string]crmadapters.Adapter{"scripted": crm}, st.CRMIDs(), "https://leads.example"

	m, err := acts.MatchContact(ctx, activities.MatchInput{LeadID: "ld-x", Phone: "+989123456789"})
	require.NoError(t, err)
	rt, err := acts.RouteLead(ctx, activities.RouteInput{LeadID: "ld-x", Language: "fa", Country: "IR"})
	require.NoError(t, err)
	due := clock.Add(15 * time.Minute)
	f := lead.Fields{Phone: lead.Set("+989123456789", 0.9, "0912 345 6789", lead.SourceRules), Summary: lead.Set("Wants a demo", 0.8, "", lead.SourceRules)}
	w, err := acts.WriteCRM(ctx, activities.WriteCRMInput{Lead: store.LeadRecord{LeadID: "ld-x", ConversationID: "web-x", WorkflowID: "conversation-web-x",
		ContactID: m.ContactID, Status: lead.StatusAssigned, Channel: lead.ChannelWeb, Fields: f, Tier: lead.TierHot, Assignment: rt.Assignment, FirstTouchDue: &due}})
	require.NoError(t, err)
	assert.Equal(t, []string{"scripted"}, w.External, "WriteCRM names the CRMs the workflow syncs")

	in := activities.SyncCRMInput{CRM: "scripted", LeadID: "ld-x"}
	_, err = acts.SyncCRM(ctx, in)
	ae := appError(t, err)
	assert.Equal(t, activities.ErrTypeRetryLater, ae.Type())
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, 7*time.Second, ae.NextRetryDelay(), "the CRM's Retry-After is honoured")

	_, err = acts.SyncCRM(ctx, in)
	ae = appError(t, err)
	assert.Equal(t, activities.ErrTypeCRMMapping, ae.Type())
	assert.True(t, ae.NonRetryable())
	doc, err := st.Lead(ctx, "ld-x")
	require.NoError(t, err)
	assert.Equal(t, lead.ExternalRef{ContactID: "c-" + m.ContactID, State: lead.CRMFailed, Error: "mapping: lead.intent → type"}, doc.CRM.External["scripted"])

	_, err = acts.SyncCRM(ctx, in)
	ae = appError(t, err)
	assert.Equal(t, activities.ErrTypeCRMReview, ae.Type())
	doc, err = st.Lead(ctx, "ld-x")
	require.NoError(t, err)
	assert.Equal(t, lead.CRMReview, doc.CRM.External["scripted"].State)

	res, err := acts.SyncCRM(ctx, in)
	require.NoError(t, err)
	assert.Equal(t, lead.ExternalRef{ContactID: "c-" + m.ContactID, LeadID: "d-ld-x", NoteID: "n-1", TaskID: "t-1", State: lead.CRMSynced, SyncedAt: &clock}, res.Ref)
	doc, err = st.Lead(ctx, "ld-x")
	require.NoError(t, err)
	assert.Equal(t, res.Ref.LeadID, doc.CRM.External["scripted"].LeadID)
	assert.Empty(t, doc.CRM.External["scripted"].Error)

	require.Len(t, crm.leads, 1)
	assert.Equal(t, "c-"+m.ContactID, crm.leads[0].ContactRef, "the lead is linked to the contact the CRM holds")
	assert.Equal(t, "https://leads.example/v1/conversations/web-x", crm.leads[0].TranscriptURL)
	require.Len(t, crm.notes, 1)
	assert.Equal(t, "ld-x:conversation", crm.notes[0].Key)
	assert.True(t, strings.HasPrefix(crm.notes[0].Body, "Wants a demo\n\nConversation: https://leads.example/v1/conversations/web-x"), crm.notes[0].Body)
	require.Len(t, crm.tasks, 1)
	assert.Equal(t, "ld-x:first-touch", crm.tasks[0].Key)
	assert.True(t, crm.tasks[0].DueAt.Equal(due))
	assert.Empty(t, crm.outcomes, "an assigned lead has no outcome to record")

	// A rep's outcome moves the lead: the next sync records it in the CRM.
	_, err = acts.RecordOutcome(ctx, activities.RecordOutcomeInput{LeadID: "ld-x", IdempotencyKey: "evt-1",
		Note: lead.OutcomeNote{Outcome: lead.OutcomeWon, RepID: "rep-1", At: clock.Add(time.Hour)}, NewStatus: lead.StatusWon})
	require.NoError(t, err)
	_, err = acts.SyncCRM(ctx, in)
	require.NoError(t, err)
	require.Len(t, crm.outcomes, 1)
	assert.Equal(t, crmadapters.Outcome{LeadID: "ld-x", LeadRef: "d-ld-x", Status: lead.StatusWon, Outcome: lead.OutcomeWon,
		Key: "ld-x:status:won", At: clock.Add(time.Hour)}, crm.outcomes[0])

	key, err := st.CRMIDs().Key(ctx, "scripted", crmadapters.KindLead, "d-ld-x")
	require.NoError(t, err)
	assert.Equal(t, "ld-x", key, "a CRM webhook finds the lead by the CRM's id")

	_, err = acts.SyncCRM(ctx, activities.SyncCRMInput{CRM: "dynamics", LeadID: "ld-x"})
	assert.Equal(t, activities.ErrTypeInvalidInput, appError(t, err).Type())
}
