// Package shadow replays recent leads under a candidate policy: each lead is scored again from
// what it was scored on, and routed again against the current roster in a simulated rotation, so a
// sales manager sees how tiers and assignments would change before the policy goes live. Nothing
// is written anywhere.
package shadow

import (
	"fmt"
	"io"
	"maps"
	"slices"
	"strings"
	"time"

	"github.com/leadflow/leadflow/activities/scoring"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/routing"
)

// Lead is a lead as it was scored and routed.
type Lead struct {
	LeadID, ContactID string
	CreatedAt         time.Time
	Fields            lead.Fields
	Context           lead.ScoreContext
	Language, Country string
	Score             int
	Tier              lead.Tier
	TeamID, RepID     string // "" when it was never assigned
	Rule              string
	Open              bool // its assignment still counts against the rep's capacity
}

// Change is one lead whose tier, team or rule would change.
type Change struct {
	LeadID    string    `json:"lead_id"`
	FromScore int       `json:"from_score"`
	ToScore   int       `json:"to_score"`
	FromTier  lead.Tier `json:"from_tier"`
	ToTier    lead.Tier `json:"to_tier"`
	FromTeam  string    `json:"from_team"`
	ToTeam    string    `json:"to_team"`
	FromRule  string    `json:"from_rule"`
	ToRule    string    `json:"to_rule"`
	FromRep   string    `json:"from_rep"`
	ToRep     string    `json:"to_rep"`
}

// Report is what the candidate policy would change.
type Report struct {
	Policy string `json:"policy_version"`
	Leads  int    `json:"leads"`
	// Tiers counts leads by "from→to" tier, unchanged ones included ("warm→warm").
	Tiers       map[string]int `json:"tiers"`
	TierChanges int            `json:"tier_changes"`
	TeamChanges int            `json:"team_changes"`
	RuleChanges int            `json:"rule_changes"`
	RepChanges  int            `json:"rep_changes"`
	// NotAssigned counts leads the candidate would leave unassigned, by reason.
	NotAssigned map[string]int `json:"not_assigned"`
	Changes     []Change       `json:"changes"` // leads whose tier, team or rule would change
}

// Replay scores and routes leads (oldest first) under p. The roster is today's, with the replayed
// leads taken out of the reps' open leads and a rotation that starts level; owners are the contacts'
// reps before the first lead.
func Replay(p *policy.Policy, roster routing.Snapshot, owners map[string]string, leads []Lead) Report {
	snap := routing.Snapshot{Teams: roster.Teams, Reps: make([]routing.Rep, len(roster.Reps))}
	index := map[string]int{}
	for i, r := range roster.Reps {
		r.Credit = 0
		snap.Reps[i], index[r.RepID] = r, i
	}
	for _, l := range leads {
		if i, ok := index[l.RepID]; ok && l.Open {
			snap.Reps[i].OpenLeads = max(snap.Reps[i].OpenLeads-1, 0)
		}
	}
	owner := make(map[string]string, len(owners))
	for k, v := range owners {
		owner[k] = v
	}
	rep := Report{Policy: p.Version, Leads: len(leads), Tiers: map[string]int{}, NotAssigned: map[string]int{}, Changes: []Change{}}
	for _, l := range leads {
		score := scoring.Score(p, scoring.Input{Fields: l.Fields, ScoreContext: l.Context})
		snap.Owner = owner[l.ContactID]
		d := routing.Decide(p, snap, routing.Request{LeadID: l.LeadID, ContactID: l.ContactID, Language: l.Language, Country: l.Country,
			Products: l.Fields.ProductInterest.Or(nil), Tier: score.Tier, Spam: l.Fields.IsSpam()}, l.CreatedAt)
		c := Change{LeadID: l.LeadID, FromScore: l.Score, ToScore: score.Score, FromTier: l.Tier, ToTier: score.Tier,
			FromTeam: l.TeamID, FromRule: l.Rule, FromRep: l.RepID}
		if a := d.Assignment; a != nil {
			c.ToTeam, c.ToRule, c.ToRep = a.TeamID, a.Rule, a.RepID
			for id, credit := range d.Credits {
				snap.Reps[index[id]].Credit = credit
			}
			snap.Reps[index[a.RepID]].OpenLeads++
			owner[l.ContactID] = a.RepID
		} else {
			rep.NotAssigned[d.NotAssigned]++
		}
		rep.Tiers[string(c.FromTier)+"→"+string(c.ToTier)]++
		tier, team, rule := c.FromTier != c.ToTier, c.FromTeam != c.ToTeam, c.FromRule != c.ToRule
		if tier {
			rep.TierChanges++
		}
		if team {
			rep.TeamChanges++
		}
		if rule {
			rep.RuleChanges++
		}
		if c.FromRep != c.ToRep {
			rep.RepChanges++
		}
		if tier || team || rule {
			rep.Changes = append(rep.Changes, c)
		}
	}
	return rep
}

// Print writes the report as a table for people: the totals, the tier moves, and up to limit of the
// changed leads (ids only: no personal data).
func (r Report) Print(w io.Writer, limit int) {
	fmt.Fprintf(w, "Policy %s replayed over %d leads\n\n", r.Policy, r.Leads)
	fmt.Fprintf(w, "  tier changes  %d\n  team changes  %d\n  rule changes  %d\n  rep changes   %d (the rotation is simulated from level)\n",
		r.TierChanges, r.TeamChanges, r.RuleChanges, r.RepChanges)
	for _, reason := range slices.Sorted(maps.Keys(r.NotAssigned)) {
		fmt.Fprintf(w, "  not assigned  %d (%s)\n", r.NotAssigned[reason], reason)
	}
	fmt.Fprintf(w, "\nTiers (now → candidate)\n")
	for _, k := range slices.Sorted(maps.Keys(r.Tiers)) {
		fmt.Fprintf(w, "  %-12s %d\n", k, r.Tiers[k])
	}
	if len(r.Changes) == 0 {
		return
	}
	fmt.Fprintf(w, "\n%-28s %-13s %-24s %s\n", "lead", "score", "team", "rule")
	for i, c := range r.Changes {
		if i == limit {
			fmt.Fprintf(w, "… and %d more (-limit, or -json for all)\n", len(r.Changes)-limit)
			break
		}
		fmt.Fprintf(w, "%-28s %-13s %-24s %s\n", c.LeadID, fmt.Sprintf("%d→%d", c.FromScore, c.ToScore),
			arrow(c.FromTeam, c.ToTeam), arrow(c.FromRule, c.ToRule))
	}
}

func arrow(from, to string) string {
	if from == "" {
		from = "-"
	}
	if to == "" {
		to = "-"
	}
	if from == to {
		return from
	}
	return strings.Join([]string{from, to}, "→")
}
