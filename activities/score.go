package activities

import (
	"context"

	"github.com/leadflow/leadflow/activities/scoring"
)

// ScoreLead scores a lead. It is pure and fast, so the workflow runs it as a local activity; it is
// an activity at all so that a change of scoring policy never breaks the replay of running workflows.
func (a *Activities) ScoreLead(_ context.Context, in scoring.Input) (scoring.Result, error) {
	return scoring.Score(in), nil
}
