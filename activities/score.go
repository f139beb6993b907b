package activities

import (
	"context"

	"github.com/leadflow/leadflow/activities/scoring"
)

// ScoreLead scores a lead under the worker's policy. It is pure and fast, so the workflow runs it
// as a local activity; it is an activity at all so that the policy (a file the worker reads) and
// its changes reach running workflows through their histories, never breaking a replay.
//
// The result carries the follow-up plan for the lead's intent and tier, so the workflow reads the
// sequences and SLA from the same recorded answer.
func (a *Activities) ScoreLead(_ context.Context, in scoring.Input) (ScoreResult, error) {
	p := a.policy()
	r := scoring.Score(p, in)
	return ScoreResult{Result: r, Plan: planFor(p, in.Fields, r.Tier)}, nil
}
