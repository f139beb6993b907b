// Package activities holds every step of the lead pipeline that touches the outside world. One
// Activities struct carries the dependencies; each step is a method in its own file, with one input
// and one result struct so signatures can grow without breaking workflow histories.
package activities

import (
	"context"
	"errors"
	"net/http"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/llm"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/retryafter"
	"github.com/leadflow/leadflow/internal/store"
)

// Activities are the pipeline's steps and what they need.
type Activities struct {
	Store *store.Store
	// CRM is the built-in CRM: the system of record for leads and their status.
	CRM *crmadapters.Builtin
	// External are the external CRMs every lead is also written to, by name (LEADFLOW_CRM_FILE);
	// CRMIDs is the external-id map their adapters and webhooks share.
	External map[string]crmadapters.Adapter
	CRMIDs   crmadapters.IDs
	// PublicURL is the gateway's address as reps reach it: CRM notes link the conversation there.
	PublicURL string
	// HTTP delivers rep notifications to their webhooks.
	HTTP *http.Client
	// LLM reads conversations with a language model; nil when none is configured (rules alone).
	LLM *llm.Client
	// LLMWait is how long a lead may wait for the model before it goes out on the rules' reading.
	LLMWait time.Duration
	// Policy scores and routes leads; nil means the built-in policy.
	Policy *policy.Policy
	// Outbound reaches reps and customers on their channels (outbound.go).
	Outbound Outbound
	// Now is the clock; tests pin it.
	Now func() time.Time
}

// Error types the workflow and the gateway recognise.
const (
	ErrTypeInvalidInput = "InvalidInput"
	ErrTypeRejected     = "Rejected"
	// ErrTypeRetryLater is a server that asked to be called again later (429, 5xx).
	ErrTypeRetryLater = "RetryLater"
)

// invalid marks an input that no retry can fix.
func invalid(msg string, cause error) error {
	return temporal.NewNonRetryableApplicationError(msg, ErrTypeInvalidInput, cause)
}

// classify leaves database outages retryable and makes everything the database rejected permanent.
func classify(msg string, err error) error {
	if err == nil || errors.Is(err, store.ErrUnavailable) {
		return err
	}
	if errors.Is(err, store.ErrNotFound) || errors.Is(err, store.ErrErased) {
		return temporal.NewNonRetryableApplicationError(msg, ErrTypeRejected, err)
	}
	return err
}

// retryLater is a retryable error that waits as long as the server's Retry-After header asked
// (seconds or an HTTP date), or Temporal's backoff when it did not say.
func retryLater(msg, retryAfterHeader string, now time.Time) error {
	if wait, ok := retryafter.Parse(retryAfterHeader, now); ok && wait > 0 {
		return temporal.NewApplicationErrorWithOptions(msg, ErrTypeRetryLater, temporal.ApplicationErrorOptions{NextRetryDelay: wait})
	}
	return temporal.NewApplicationError(msg, ErrTypeRetryLater)
}

// activityAttempt is the current attempt of the activity, from 1; 1 outside an activity.
func activityAttempt(ctx context.Context) int32 {
	if !activity.IsActivity(ctx) {
		return 1
	}
	return activity.GetInfo(ctx).Attempt
}

func (a *Activities) now() time.Time {
	if a.Now != nil {
		return a.Now().UTC()
	}
	return time.Now().UTC()
}

func (a *Activities) policy() *policy.Policy {
	if a.Policy != nil {
		return a.Policy
	}
	return policy.Default()
}
