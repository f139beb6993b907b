package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/leadflow/leadflow/activities"
)

// Every activity call names its timeouts and retries here, so nothing retries forever by accident.

// extractOptions: the rules path.
func extractOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    60 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            retry(20),
	}
}

// llmOptions: a model may take half a minute to answer and may be rate limited; it is tried for up
// to half an hour (at the pace its Retry-After asks), after which the rules' reading simply stands.
// A refusal or two nonsense answers are not retried.
func llmOptions() workflow.ActivityOptions {
	p := retry(12)
	p.InitialInterval, p.MaximumInterval = 2*time.Second, 5*time.Minute
	p.NonRetryableErrorTypes = append(p.NonRetryableErrorTypes, activities.ErrTypeLLMRejected)
	return workflow.ActivityOptions{
		StartToCloseTimeout:    90 * time.Second,
		ScheduleToCloseTimeout: 30 * time.Minute,
		RetryPolicy:            p,
	}
}

// storeOptions: Postgres writes; a database outage is retried for up to ten minutes.
func storeOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: 10 * time.Minute,
		RetryPolicy:            retry(30),
	}
}

// notifyOptions: a rep's webhook gets a few tries; the inbox already holds the notification.
func notifyOptions() workflow.ActivityOptions {
	return workflow.ActivityOptions{
		StartToCloseTimeout:    15 * time.Second,
		ScheduleToCloseTimeout: 5 * time.Minute,
		RetryPolicy:            retry(8),
	}
}

func retry(attempts int32) *temporal.RetryPolicy {
	return &temporal.RetryPolicy{
		InitialInterval:        time.Second,
		BackoffCoefficient:     2,
		MaximumInterval:        time.Minute,
		MaximumAttempts:        attempts,
		NonRetryableErrorTypes: []string{activities.ErrTypeInvalidInput, activities.ErrTypeRejected},
	}
}

func withOptions(ctx workflow.Context, o workflow.ActivityOptions) workflow.Context {
	return workflow.WithActivityOptions(ctx, o)
}

// withLocalOptions is for pure, fast steps (scoring) that need no task round-trip.
func withLocalOptions(ctx workflow.Context) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 5 * time.Second,
		RetryPolicy:         retry(5),
	})
}
