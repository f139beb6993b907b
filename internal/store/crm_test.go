package store_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

func TestCRMIDsClaimOnceRememberAndFindBack(t *testing.T) {
	ctx, st := newStore(t)
	ids := st.CRMIDs()
	id, claimed, err := ids.Claim(ctx, "pipedrive", "person", "ct_1")
	require.NoError(t, err)
	require.Equal(t, "", id)
	require.False(t, claimed, "a first claim")

	// The first attempt's answer was lost: the next one learns it claimed before, with no id.
	id, claimed, err = ids.Claim(ctx, "pipedrive", "person", "ct_1")
	require.NoError(t, err)
	require.Equal(t, "", id)
	require.True(t, claimed)

	require.NoError(t, ids.Remember(ctx, "pipedrive", "person", "ct_1", "901"))
	id, claimed, err = ids.Claim(ctx, "pipedrive", "person", "ct_1")
	require.NoError(t, err)
	require.Equal(t, "901", id)
	require.True(t, claimed)

	got, err := ids.Lookup(ctx, "pipedrive", "person", "ct_1")
	require.NoError(t, err)
	require.Equal(t, "901", got)
	got, err = ids.Lookup(ctx, "hubspot", "person", "ct_1")
	require.NoError(t, err)
	require.Equal(t, "", got, "ids are per CRM")

	key, err := ids.Key(ctx, "pipedrive", "person", "901")
	require.NoError(t, err)
	require.Equal(t, "ct_1", key)
	_, err = ids.Key(ctx, "pipedrive", "person", "902")
	require.ErrorIs(t, err, store.ErrNotFound)
}

func TestCRMSyncShowsOnTheLeadAndFailuresInTheAuditLog(t *testing.T) {
	ctx, st := newStore(t)
	l := seedLead(t, st, leadSpec{LeadID: "lead_crm", Email: "ali@example.org"})
	at := time.Date(2026, 11, 21, 10, 0, 0, 0, time.UTC)
	require.NoError(t, st.SaveCRMSync(ctx, store.CRMSync{LeadID: l.Record.LeadID, CRM: "hubspot",
		Ref: lead.ExternalRef{ContactID: "501", LeadID: "9001", NoteID: "77", Stage: "appointmentscheduled", State: lead.CRMSynced, SyncedAt: &at}}))
	// A later failure keeps the refs already known and says why, as a class and code only.
	require.NoError(t, st.SaveCRMSync(ctx, store.CRMSync{LeadID: l.Record.LeadID, CRM: "hubspot",
		Ref: lead.ExternalRef{State: lead.CRMFailed, Error: "mapping: lead.intent → leadflow_intent"}}))
	require.NoError(t, st.SaveCRMSync(ctx, store.CRMSync{LeadID: l.Record.LeadID, CRM: "zoho",
		Ref: lead.ExternalRef{State: lead.CRMRetrying, Error: "retrying: HTTP 429"}}))

	doc, err := st.Lead(ctx, l.Record.LeadID)
	require.NoError(t, err)
	hs := doc.CRM.External["hubspot"]
	require.Equal(t, "501", hs.ContactID)
	require.Equal(t, "9001", hs.LeadID)
	require.Equal(t, lead.CRMFailed, hs.State)
	require.Equal(t, "mapping: lead.intent → leadflow_intent", hs.Error)
	require.Equal(t, at, *hs.SyncedAt)
	require.Equal(t, lead.CRMRetrying, doc.CRM.External["zoho"].State)

	// api-v1's shape: the built-in CRM and each external CRM side by side.
	b, err := json.Marshal(doc.CRM)
	require.NoError(t, err)
	var shape map[string]map[string]any
	require.NoError(t, json.Unmarshal(b, &shape))
	require.Equal(t, l.Record.LeadID, shape["builtin"]["lead_id"])
	require.Equal(t, "501", shape["hubspot"]["contact_id"])
	var back lead.CRMRefs
	require.NoError(t, json.Unmarshal(b, &back))
	require.Equal(t, doc.CRM, back)

	require.Equal(t, 1, count(t, st, `SELECT count(*) FROM audit_log WHERE action = 'lead.crm_failed' AND subject_id = $1`, l.Record.LeadID))
	require.Equal(t, 0, count(t, st, `SELECT count(*) FROM audit_log WHERE action LIKE 'lead.crm_retrying%'`), "a retry is no audit event")
}
