package activities

import (
	"context"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// RecordOutcomeInput is a rep's outcome and the status the workflow moved the lead to.
type RecordOutcomeInput struct {
	LeadID         string
	IdempotencyKey string
	Note           lead.OutcomeNote
	NewStatus      lead.Status
}

// RecordOutcomeResult is empty today; it exists so the signature can grow.
type RecordOutcomeResult struct{}

// RecordOutcome writes a rep's outcome to the built-in CRM once per idempotency key.
func (a *Activities) RecordOutcome(ctx context.Context, in RecordOutcomeInput) (RecordOutcomeResult, error) {
	if in.LeadID == "" || in.IdempotencyKey == "" || !in.Note.Outcome.Valid() {
		return RecordOutcomeResult{}, invalid("record outcome: lead id, idempotency key and a valid outcome are required", nil)
	}
	err := a.Store.RecordOutcome(ctx, store.OutcomeRecord{LeadID: in.LeadID, IdempotencyKey: in.IdempotencyKey, Note: in.Note, NewStatus: in.NewStatus})
	return RecordOutcomeResult{}, classify("record outcome", err)
}
