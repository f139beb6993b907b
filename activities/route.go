package activities

import (
	"context"
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

// RouteInput is what decides where a lead goes.
type RouteInput struct {
	LeadID    string
	ContactID string
	Language  string
	Country   string
	Products  []string
	Tier      lead.Tier
	// WithSLA asks for RouteResult.FirstTouchDue (runs that keep follow-up promises).
	WithSLA bool `json:",omitempty"`
}

// RouteResult is the assignment, or nil when no rep can take the lead now; NotAssigned says why
// (routing.NotAssigned*) and QueueTeamID names the team whose queue holds it.
type RouteResult struct {
	Assignment  *lead.Assignment
	NotAssigned string `json:",omitempty"`
	QueueTeamID string `json:",omitempty"`
	// QueueEscalateAfter is how long a queued lead may wait before the team's manager is told (the
	// policy's, carried here so that replays see what the first run saw).
	QueueEscalateAfter time.Duration `json:",omitempty"`
	// FirstTouchDue is when the assigned rep must first touch the lead: the policy's SLA for the
	// lead's tier, counted in the rep's working hours when the policy says so. Set with Assignment
	// when the caller asked for it (RouteInput.WithSLA).
	FirstTouchDue *time.Time `json:",omitempty"`
}

// RouteLead picks the team and the rep under the worker's policy. A lead routed before keeps its
// assignment.
func (a *Activities) RouteLead(ctx context.Context, in RouteInput) (RouteResult, error) {
	if in.LeadID == "" {
		return RouteResult{}, invalid("route: a lead id is required", nil)
	}
	d, err := a.Store.Assign(ctx, a.policy(), routing.Request{LeadID: in.LeadID, ContactID: in.ContactID,
		Language: in.Language, Country: in.Country, Products: in.Products, Tier: in.Tier})
	if err != nil {
		return RouteResult{}, classify("route", err)
	}
	res := RouteResult{Assignment: d.Assignment, NotAssigned: d.NotAssigned, QueueTeamID: d.QueueTeamID}
	if d.QueueTeamID != "" {
		res.QueueEscalateAfter = time.Duration(a.policy().Routing.QueueEscalateAfter)
	}
	if in.WithSLA && d.Assignment != nil {
		if res.FirstTouchDue, err = a.firstTouchDue(ctx, d.Assignment.RepID, in.Tier, d.Assignment.AssignedAt); err != nil {
			return RouteResult{}, err
		}
	}
	return res, nil
}

// QueueInput is a lead waiting in a team's queue.
type QueueInput struct {
	LeadID string
	TeamID string
}

// EscalateQueuedLead tells the team's manager that a lead waits in the team's queue because nobody
// in the team can take it. Once per lead, whatever the retries (the notification's key).
func (a *Activities) EscalateQueuedLead(ctx context.Context, in QueueInput) error {
	if in.LeadID == "" || in.TeamID == "" {
		return invalid("escalate queued lead: lead and team ids are required", nil)
	}
	manager, err := a.teamManager(ctx, in.TeamID, "")
	if err != nil || manager == "" {
		return err
	}
	_, err = a.NotifyRep(ctx, NotifyInput{LeadID: in.LeadID, RepID: manager, Kind: NotifyLeadQueued, Key: "queue-escalation"})
	return err
}

// ReassignInput is a lead to take from its rep.
type ReassignInput struct {
	LeadID string
	Reason string
	// FromRepID, when set, makes the call safe to retry: a lead no longer held by this rep is not
	// moved again. Tier and WithSLA ask for the new rep's FirstTouchDue.
	FromRepID string    `json:",omitempty"`
	Tier      lead.Tier `json:",omitempty"`
	WithSLA   bool      `json:",omitempty"`
}

// ReassignLead routes an assigned lead again, passing its rep over and crediting them back. The
// result has no assignment when nobody else can take it now; the lead then stays where it was.
func (a *Activities) ReassignLead(ctx context.Context, in ReassignInput) (RouteResult, error) {
	if in.LeadID == "" {
		return RouteResult{}, invalid("reassign: a lead id is required", nil)
	}
	d, err := a.Store.Reassign(ctx, a.policy(), in.LeadID, in.FromRepID, in.Reason)
	if errors.Is(err, store.ErrLeadClosed) {
		return RouteResult{}, temporal.NewNonRetryableApplicationError("reassign: the lead is closed", ErrTypeRejected, err)
	}
	if err != nil {
		return RouteResult{}, classify("reassign", err)
	}
	res := RouteResult{Assignment: d.Assignment, NotAssigned: d.NotAssigned}
	if in.WithSLA && d.Assignment != nil {
		if res.FirstTouchDue, err = a.firstTouchDue(ctx, d.Assignment.RepID, in.Tier, d.Assignment.AssignedAt); err != nil {
			return RouteResult{}, err
		}
	}
	return res, nil
}
