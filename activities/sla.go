package activities

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// EscalateInput is a lead whose first touch is overdue.
type EscalateInput struct {
	LeadID string
	RepID  string
	TeamID string
	DueAt  time.Time
	// Level counts the lead's escalations (0 for the first), so each one notifies once; Prior are
	// the escalations recorded before this one.
	Level int               `json:",omitempty"`
	Prior []lead.Escalation `json:",omitempty"`
}

// EscalateResult lists who was told.
type EscalateResult struct {
	Escalations []lead.Escalation
}

// EscalateFirstTouch records the missed first-touch promise on the lead and tells the rep and the
// team's manager. Escalations are derived from the input alone, so a retry records the same list.
func (a *Activities) EscalateFirstTouch(ctx context.Context, in EscalateInput) (EscalateResult, error) {
	if in.LeadID == "" || in.RepID == "" {
		return EscalateResult{}, invalid("escalate: lead and rep ids are required", nil)
	}
	suffix := ""
	if in.Level > 0 {
		suffix = fmt.Sprintf("-%d", in.Level)
	}
	escalations := append(slices.Clone(in.Prior), lead.Escalation{At: in.DueAt, RepID: in.RepID, Reason: NotifyFirstTouchDue})
	if _, err := a.NotifyRep(ctx, NotifyInput{LeadID: in.LeadID, RepID: in.RepID, Kind: NotifyFirstTouchDue, Key: "first-touch-overdue" + suffix}); err != nil {
		return EscalateResult{}, err
	}
	manager, err := a.teamManager(ctx, in.TeamID, in.RepID)
	if err != nil {
		return EscalateResult{}, err
	}
	if manager != "" {
		escalations = append(escalations, lead.Escalation{At: in.DueAt, RepID: manager, Reason: NotifyManagerEscalated})
		if _, err := a.NotifyRep(ctx, NotifyInput{LeadID: in.LeadID, RepID: manager, Kind: NotifyManagerEscalated, Key: "first-touch-escalation" + suffix}); err != nil {
			return EscalateResult{}, err
		}
	}
	if err := a.Store.MarkFirstTouchMissed(ctx, in.LeadID, escalations); err != nil {
		return EscalateResult{}, classify("escalate", err)
	}
	return EscalateResult{Escalations: escalations}, nil
}

// teamManager is the rep id of the team's manager, "" when the team names none, names one not
// (yet) set up as a rep, or names the rep being escalated (except).
func (a *Activities) teamManager(ctx context.Context, teamID, except string) (string, error) {
	team, err := a.Store.TeamByID(ctx, teamID)
	if err != nil {
		return "", classify("escalate", err)
	}
	m := team.ManagerRepID
	if m == nil || *m == "" || *m == except {
		return "", nil
	}
	if _, err := a.Store.RepByID(ctx, *m); errors.Is(err, store.ErrNotFound) {
		return "", nil
	} else if err != nil {
		return "", classify("escalate", err)
	}
	return *m, nil
}
