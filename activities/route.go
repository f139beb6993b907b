package activities

import (
	"context"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// RouteInput is what decides where a lead goes.
type RouteInput struct {
	LeadID   string
	Language string
	Country  string
	Products []string
}

// RouteResult is the assignment, or nil when no rep can take the lead now.
type RouteResult struct {
	Assignment *lead.Assignment
}

// RouteLead picks the team and the rep. A lead routed before keeps its assignment.
func (a *Activities) RouteLead(ctx context.Context, in RouteInput) (RouteResult, error) {
	if in.LeadID == "" {
		return RouteResult{}, invalid("route: a lead id is required", nil)
	}
	asg, ok, err := a.Store.Assign(ctx, store.RouteRequest{LeadID: in.LeadID, Language: in.Language, Country: in.Country, Products: in.Products})
	if err != nil {
		return RouteResult{}, classify("route", err)
	}
	if !ok {
		return RouteResult{}, nil
	}
	return RouteResult{Assignment: &asg}, nil
}
