package activities

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// WriteCRMInput is the lead as the workflow knows it.
type WriteCRMInput struct {
	Lead store.LeadRecord
}

// WriteCRMResult says where the lead landed and the status the system of record holds.
type WriteCRMResult struct {
	Builtin      lead.BuiltinRef
	Status       lead.Status
	CRMWrittenAt time.Time
	// External names the external CRMs configured on the worker that wrote the lead: the workflow
	// syncs the lead to each (SyncCRM). Recorded in the history, so a replay syncs the same CRMs.
	External []string `json:",omitempty"`
}

// WriteCRM writes the lead to the built-in CRM, idempotently by lead id.
func (a *Activities) WriteCRM(ctx context.Context, in WriteCRMInput) (WriteCRMResult, error) {
	r := in.Lead
	if r.LeadID == "" || r.ContactID == "" || r.ConversationID == "" {
		return WriteCRMResult{}, invalid("write crm: lead, contact and conversation ids are required", nil)
	}
	at := a.now()
	if r.Timings.CRMWrittenAt == nil {
		r.Timings.CRMWrittenAt = &at
	}
	status, err := a.CRM.Save(ctx, r)
	if err != nil {
		return WriteCRMResult{}, classify("write crm", err)
	}
	return WriteCRMResult{Builtin: lead.BuiltinRef{ContactID: r.ContactID, LeadID: r.LeadID}, Status: status, CRMWrittenAt: at,
		External: slices.Sorted(maps.Keys(a.External))}, nil
}

// Error types of a sync to an external CRM that no retry can fix; the lead shows them in
// Lead.crm.<name>.error and the audit log has them.
const (
	ErrTypeCRMMapping  = "CRMMapping"
	ErrTypeCRMRejected = "CRMRejected"
	ErrTypeCRMReview   = "CRMReview"
)

// SyncCRMInput names the lead and the external CRM to write it to.
type SyncCRMInput struct {
	CRM    string
	LeadID string
}

// SyncCRMResult is where the lead now is in that CRM.
type SyncCRMResult struct {
	Ref lead.ExternalRef
}

// SyncCRM writes the lead, as the built-in CRM holds it now, to one external CRM: contact, lead,
// conversation note, first call task and status. Each CRM has its own activity, so one CRM's outage
// holds back neither the lead nor the other CRMs; every write is idempotent by Leadflow's keys,
// so the retries after a throttle, a 5xx or a dropped connection write nothing twice.
func (a *Activities) SyncCRM(ctx context.Context, in SyncCRMInput) (SyncCRMResult, error) {
	crm, ok := a.External[in.CRM]
	if !ok || in.LeadID == "" {
		return SyncCRMResult{}, invalid(fmt.Sprintf("sync crm: %q is not configured on this worker", in.CRM), nil)
	}
	l, err := crmadapters.NewLead(ctx, a.Store, in.LeadID, a.PublicURL)
	if err != nil {
		return SyncCRMResult{}, classify("sync crm: read the lead", err)
	}
	ref, err := crmadapters.Sync(ctx, crm, a.CRMIDs, l)
	if err == nil {
		now := a.now()
		ref.SyncedAt = &now
		return SyncCRMResult{Ref: ref}, classify("sync crm: save the refs", a.Store.SaveCRMSync(ctx, store.CRMSync{LeadID: in.LeadID, CRM: in.CRM, Ref: ref}))
	}
	failure := crmFailure(err)
	ref.State, ref.Error = failure.state, failure.code
	if failure.state == lead.CRMRetrying && activityAttempt(ctx) < 3 {
		return SyncCRMResult{}, failure.err // a blip: not worth a write
	}
	if saveErr := a.Store.SaveCRMSync(ctx, store.CRMSync{LeadID: in.LeadID, CRM: in.CRM, Ref: ref}); saveErr != nil {
		return SyncCRMResult{}, saveErr
	}
	return SyncCRMResult{}, failure.err
}

type crmFailed struct {
	state lead.CRMSyncState
	code  string // the error class and the CRM's code: what Lead.crm shows
	err   error  // what the activity returns
}

// crmFailure sorts a sync's error into what the lead shows and what Temporal does next: mapping,
// rejected and review errors stop the retries; everything else is retried, as long as the CRM
// asked when it said.
func crmFailure(err error) crmFailed {
	var mapping *crmadapters.MappingError
	var rej *crmadapters.RejectedError
	var rev *crmadapters.ReviewError
	var retry *crmadapters.RetryError
	switch {
	case errors.As(err, &mapping):
		code := "mapping: " + mapping.Field + " → " + mapping.Property
		return crmFailed{lead.CRMFailed, code, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeCRMMapping, err)}
	case errors.As(err, &rej):
		code := fmt.Sprintf("rejected: HTTP %d %s", rej.Status, rej.Code)
		return crmFailed{lead.CRMFailed, code, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeCRMRejected, err)}
	case errors.As(err, &rev):
		return crmFailed{lead.CRMReview, "review: " + rev.Reason, temporal.NewNonRetryableApplicationError(err.Error(), ErrTypeCRMReview, err, rev.Candidates)}
	case errors.As(err, &retry):
		code := fmt.Sprintf("retrying: HTTP %d", retry.Status)
		if retry.After > 0 {
			return crmFailed{lead.CRMRetrying, code, temporal.NewApplicationErrorWithOptions(err.Error(), ErrTypeRetryLater,
				temporal.ApplicationErrorOptions{NextRetryDelay: retry.After, Cause: err})}
		}
		return crmFailed{lead.CRMRetrying, code, temporal.NewApplicationError(err.Error(), ErrTypeRetryLater, err)}
	case errors.Is(err, store.ErrUnavailable):
		return crmFailed{lead.CRMRetrying, "retrying: database unavailable", err}
	}
	return crmFailed{lead.CRMRetrying, "retrying: connection", err}
}
