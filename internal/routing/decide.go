package routing

import (
	"slices"
	"sort"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
)

// Rules recorded in Lead.assignment.rule: the policy's rules, plus a round-robin reached through a
// team's overflow.
const (
	RuleExistingOwner      = policy.RuleExistingOwner
	RuleHotOnCall          = policy.RuleHotOnCall
	RuleTeamRoundRobin     = policy.RuleTeamRoundRobin
	RuleOverflowRoundRobin = "overflow_round_robin"
)

// Reasons a rep was passed over, in the order they are checked.
const (
	SkipInactive     = "inactive"
	SkipOutOfOffice  = "out_of_office"
	SkipAtCapacity   = "at_capacity"
	SkipOutsideHours = "outside_hours"
	// SkipReassigned is the rep a lead is being taken from.
	SkipReassigned = "reassigned_from"
)

// Why a lead was not assigned.
const (
	NotAssignedSpam   = "spam"    // spam reaches nobody
	NotAssignedNoTeam = "no_team" // no team covers the lead's language, country and products
	NotAssignedQueued = "queued"  // a team's overflow rule holds it in the team's queue
	NotAssignedNoRep  = "no_rep"  // every team that covers it is full, away or off duty
)

// Request is what routing looks at.
type Request struct {
	LeadID    string
	ContactID string // the contact's existing owner is found through it; may be empty
	Language  string // ISO 639-1, may be empty
	Country   string // ISO 3166-1 alpha-2, may be empty
	Products  []string
	Tier      lead.Tier
	Spam      bool
	// From is set when the lead is being taken from a rep: they are passed over, and the credit
	// they gave for the lead is theirs again.
	From *Reassignment
}

// Reassignment names the rep a lead is taken from and what the lead cost them in the rotation.
type Reassignment struct {
	RepID  string
	TeamID string
	Charge int64 // the credit the rep gave back for the lead (0 when it came outside the rotation)
}

// Snapshot is the roster as routing sees it: every team, the reps of the teams the lead can reach
// (with their open leads and rotation credit), and the contact's existing owner.
type Snapshot struct {
	Teams []Team
	Reps  []Rep
	Owner string // rep id of the contact's most recent assignment; "" when none
}

// Decision is where the lead goes and why.
type Decision struct {
	// Assignment is nil when the lead was not assigned; NotAssigned says why.
	Assignment  *lead.Assignment
	NotAssigned string
	// QueueTeamID is the team whose queue holds the lead (NotAssigned == queued).
	QueueTeamID string
	// Credits are the rotation credits that changed, to be written with the assignment.
	Credits map[string]int64
	// Teams are the ids of the teams that cover the lead, best first (MatchTeams).
	Teams []string
}

// MatchTeams are the teams that cover a request, best first: the most specific match (how many of
// products, language and country the team names), then the team's priority, then its id.
func MatchTeams(teams []Team, req Request) []Team {
	var out []Team
	for _, t := range teams {
		if covers(t.Languages, req.Language) && covers(t.Countries, req.Country) &&
			(len(t.Products) == 0 || slices.ContainsFunc(req.Products, func(p string) bool { return slices.Contains(t.Products, p) })) {
			out = append(out, t)
		}
	}
	sort.SliceStable(out, func(i, j int) bool {
		si, sj := specificity(out[i]), specificity(out[j])
		if si != sj {
			return si > sj
		}
		if out[i].Priority != out[j].Priority {
			return out[i].Priority > out[j].Priority
		}
		return out[i].TeamID < out[j].TeamID
	})
	return out
}

func covers(list []string, v string) bool { return len(list) == 0 || slices.Contains(list, v) }

func specificity(t Team) int {
	n := 0
	for _, l := range [][]string{t.Languages, t.Countries, t.Products} {
		if len(l) > 0 {
			n++
		}
	}
	return n
}

// Reachable are the ids of the teams a request may end in: the matching teams, the teams their
// overflow rules name, and the existing owner's team. The store locks exactly these.
func Reachable(teams []Team, req Request, ownerTeam string) []string {
	byID := indexTeams(teams)
	set := map[string]bool{}
	var walk func(t Team)
	walk = func(t Team) {
		if set[t.TeamID] {
			return
		}
		set[t.TeamID] = true
		if t.Overflow.To == OverflowTeam {
			if next, ok := byID[t.Overflow.TeamID]; ok {
				walk(next)
			}
		}
	}
	for _, t := range MatchTeams(teams, req) {
		walk(t)
	}
	if ownerTeam != "" {
		set[ownerTeam] = true
	}
	if req.From != nil {
		set[req.From.TeamID] = true // the rep losing the lead is credited back under their team's lock
	}
	ids := make([]string, 0, len(set))
	for id := range set {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	return ids
}

func indexTeams(teams []Team) map[string]Team {
	m := make(map[string]Team, len(teams))
	for _, t := range teams {
		m[t.TeamID] = t
	}
	return m
}

// Decide routes a request under a policy at time now. Rules run in the policy's order; every rep
// passed over is listed with the reason. It changes nothing: the caller writes the decision.
func Decide(p *policy.Policy, snap Snapshot, req Request, now time.Time) Decision {
	teams := MatchTeams(snap.Teams, req)
	var dec Decision
	if req.Spam {
		dec = Decision{NotAssigned: NotAssignedSpam}
	} else {
		d := decider{p: p, snap: snap, req: req, now: now, skipped: []lead.SkippedRep{}}
		dec = d.decide(teams)
		if req.From != nil && dec.Assignment != nil {
			d.creditBack(&dec)
		}
	}
	dec.Teams = make([]string, len(teams))
	for i, t := range teams {
		dec.Teams[i] = t.TeamID
	}
	return dec
}

func (d *decider) decide(teams []Team) Decision {
	req, p := d.req, d.p
	for _, rule := range p.Routing.Rules {
		var dec *Decision
		switch rule {
		case RuleExistingOwner:
			if req.From == nil { // a lead taken from its rep does not go back to them
				dec = d.existingOwner()
			}
		case RuleHotOnCall:
			if req.Tier == lead.TierHot && len(teams) > 0 {
				dec = d.onCall(teams[0])
			}
		case RuleTeamRoundRobin:
			if len(teams) == 0 {
				return Decision{NotAssigned: NotAssignedNoTeam}
			}
			dec = d.roundRobin(teams)
		}
		if dec != nil {
			return *dec
		}
	}
	return Decision{NotAssigned: NotAssignedNoRep}
}

type decider struct {
	p       *policy.Policy
	snap    Snapshot
	req     Request
	now     time.Time
	skipped []lead.SkippedRep
}

// creditBack returns the lead's cost to the rep it was taken from: the rotation owes them the turn.
func (d *decider) creditBack(dec *Decision) {
	from := d.req.From
	credit, ok := dec.Credits[from.RepID]
	if !ok {
		i := slices.IndexFunc(d.snap.Reps, func(r Rep) bool { return r.RepID == from.RepID })
		if i < 0 {
			return // the rep left the roster
		}
		credit = d.snap.Reps[i].Credit
	}
	if dec.Credits == nil {
		dec.Credits = map[string]int64{}
	}
	dec.Credits[from.RepID] = credit + from.Charge
	if rot := dec.Assignment.Rotation; rot != nil && dec.Assignment.TeamID == from.TeamID {
		rot.After[from.RepID] = credit + from.Charge
	}
	dec.Assignment.ReassignedFrom = from.RepID
}

// unavailable says why a rep cannot take a lead now; "" when they can. Working hours count only
// when asked: the on-call rep and an existing owner are reached outside them too.
func (d *decider) unavailable(r Rep, hours bool) string {
	switch {
	case d.req.From != nil && r.RepID == d.req.From.RepID:
		return SkipReassigned
	case !r.Active:
		return SkipInactive
	case r.OutOfOffice != nil && d.now.Before(*r.OutOfOffice):
		return SkipOutOfOffice
	case r.OpenLeads >= r.MaxOpenLeads:
		return SkipAtCapacity
	case hours && !r.WorkingHours.Inside(d.now, r.Timezone):
		return SkipOutsideHours
	}
	return ""
}

// skip records a rep passed over, once however many rules passed them over for the same reason.
func (d *decider) skip(r Rep, reason string) {
	s := lead.SkippedRep{RepID: r.RepID, Reason: reason}
	if !slices.Contains(d.skipped, s) {
		d.skipped = append(d.skipped, s)
	}
}

func (d *decider) assigned(r Rep, rule string, rotation *lead.Rotation, credits map[string]int64) *Decision {
	return &Decision{Credits: credits, Assignment: &lead.Assignment{RepID: r.RepID, TeamID: r.TeamID, Rule: rule,
		Skipped: d.skipped, Rotation: rotation, PolicyVersion: d.p.Version}}
}

func (d *decider) existingOwner() *Decision {
	if d.snap.Owner == "" {
		return nil
	}
	i := slices.IndexFunc(d.snap.Reps, func(r Rep) bool { return r.RepID == d.snap.Owner })
	if i < 0 {
		return nil // the owner left the roster
	}
	owner := d.snap.Reps[i]
	if why := d.unavailable(owner, false); why != "" {
		d.skip(owner, why)
		return nil
	}
	return d.assigned(owner, RuleExistingOwner, nil, nil)
}

// onCall gives a hot lead to the matched team's on-call rep; with several on call, the one with the
// fewest open leads. On-call leads stand outside the rotation.
func (d *decider) onCall(team Team) *Decision {
	var best *Rep
	for _, r := range d.teamReps(team.TeamID) {
		if !r.OnCall {
			continue
		}
		if why := d.unavailable(r, false); why != "" {
			d.skip(r, why)
			continue
		}
		if best == nil || r.OpenLeads < best.OpenLeads {
			best = &r
		}
	}
	if best == nil {
		return nil
	}
	return d.assigned(*best, RuleHotOnCall, nil, nil)
}

// roundRobin tries the matched teams in order, following each team's overflow rule.
func (d *decider) roundRobin(matched []Team) *Decision {
	byID := indexTeams(d.snap.Teams)
	visited := map[string]bool{}
	next := 0 // the next matched team for next_team
	team, first := matched[0], true
	for {
		visited[team.TeamID] = true
		if rep, rotation, credits, ok := d.rotate(team); ok {
			rule := RuleTeamRoundRobin
			if !first {
				rule = RuleOverflowRoundRobin
			}
			return d.assigned(rep, rule, rotation, credits)
		}
		first = false
		switch team.Overflow.To {
		case OverflowQueue:
			return &Decision{NotAssigned: NotAssignedQueued, QueueTeamID: team.TeamID}
		case OverflowTeam:
			if t, ok := byID[team.Overflow.TeamID]; ok && !visited[t.TeamID] {
				team = t
				continue
			}
		}
		for next < len(matched) && visited[matched[next].TeamID] {
			next++
		}
		if next == len(matched) {
			return nil
		}
		team = matched[next]
	}
}

// rotate is one turn of the team's smooth weighted round-robin (the rotation nginx uses): every
// rep who can take the lead gains their weight in credit, the one with the most credit takes it
// and gives back the sum of the weights that took part. Over any run of leads each rep's count stays
// within one lead of their weighted share. A rep who cannot take the lead gains nothing and keeps
// no credit above zero, so a return from holiday, capacity or night brings no burst of catch-up
// leads; a new rep starts at zero, and one who leaves takes their credit with them.
//
// A lead taken from a rep of the same team is not a new turn but a transfer: nobody gains, the
// rep with the most credit takes the lead and pays what the first rep paid, and the first rep is
// credited back (creditBack), as if the lead had gone to the new rep in the first place.
func (d *decider) rotate(team Team) (Rep, *lead.Rotation, map[string]int64, bool) {
	reps := d.teamReps(team.TeamID)
	transfer := d.req.From != nil && d.req.From.TeamID == team.TeamID && d.req.From.Charge > 0
	rot := &lead.Rotation{Before: map[string]int64{}, After: map[string]int64{}}
	credits := map[string]int64{}
	var total int64
	best := -1
	for i, r := range reps {
		rot.Before[r.RepID] = r.Credit
		if why := d.unavailable(r, d.p.Routing.RespectWorkingHours); why != "" {
			d.skip(r, why)
			credits[r.RepID] = r.Credit
			if why != SkipReassigned {
				credits[r.RepID] = min(r.Credit, 0)
			}
			continue
		}
		w := int64(max(r.Weight, 1))
		total += w
		credits[r.RepID] = r.Credit
		if !transfer {
			credits[r.RepID] += w
		}
		if best < 0 || credits[r.RepID] > credits[reps[best].RepID] {
			best = i
		}
	}
	if best < 0 {
		return Rep{}, nil, nil, false
	}
	if transfer {
		total = d.req.From.Charge
	}
	credits[reps[best].RepID] -= total
	for id, c := range credits {
		rot.After[id] = c
	}
	return reps[best], rot, credits, true
}

// teamReps are a team's reps in id order, so ties go the same way every time.
func (d *decider) teamReps(teamID string) []Rep {
	var out []Rep
	for _, r := range d.snap.Reps {
		if r.TeamID == teamID {
			out = append(out, r)
		}
	}
	sort.Slice(out, func(i, j int) bool { return out[i].RepID < out[j].RepID })
	return out
}
