package activities

import (
	"context"

	"github.com/leadflow/leadflow/activities/scoring"
)

// ScoreLead scores a lead under the worker's policy. It is pure and fast, so the workflow runs it
// as a local activity; it is an activity at all so that the policy (a file the worker reads) and
// its changes reach running workflows through their histories, never breaking a replay.
func (a *Activities) ScoreLead(_ context.Context, in scoring.Input) (scoring.Result, error) {
	return scoring.Score(a.policy(), in), nil
}
