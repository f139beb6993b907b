package routing

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
)

var monday10 = time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC) // a Monday

func rep(id, team string, weight int) Rep {
	return Rep{RepID: id, TeamID: team, Name: id, Weight: weight, Active: true, MaxOpenLeads: 1000, Timezone: "UTC"}
}

// apply writes a decision back into the snapshot, as the store does.
func apply(snap *Snapshot, d Decision) {
	for i := range snap.Reps {
		r := &snap.Reps[i]
		if c, ok := d.Credits[r.RepID]; ok {
			r.Credit = c
		}
		if d.Assignment != nil && d.Assignment.RepID == r.RepID {
			r.OpenLeads++
		}
	}
}

func TestRoundRobinSpreadStaysWithinOneLeadOfTheWeights(t *testing.T) {
	p := policy.Default()
	rng := rand.New(rand.NewPCG(1, 2))
	for trial := range 100 {
		n := 2 + rng.IntN(6)
		snap := Snapshot{Teams: []Team{{TeamID: "t"}}}
		total := 0
		for i := range n {
			w := 1 + rng.IntN(5)
			total += w
			snap.Reps = append(snap.Reps, rep(fmt.Sprintf("r%d", i), "t", w))
		}
		counts := map[string]int{}
		for k := 1; k <= 1000; k++ {
			d := Decide(p, snap, Request{LeadID: "l"}, monday10)
			if d.Assignment == nil {
				t.Fatalf("trial %d: lead %d not assigned: %s", trial, k, d.NotAssigned)
			}
			counts[d.Assignment.RepID]++
			apply(&snap, d)
			for _, r := range snap.Reps {
				share := float64(k) * float64(r.Weight) / float64(total)
				if dev := math.Abs(float64(counts[r.RepID]) - share); dev > 1 {
					t.Fatalf("trial %d after %d leads: %s (weight %d of %d) has %d leads, share %.2f", trial, k, r.RepID, r.Weight, total, counts[r.RepID], share)
				}
			}
		}
	}
}

func TestMatchTeamsMostSpecificThenPriority(t *testing.T) {
	teams := []Team{
		{TeamID: "global", Priority: 0},
		{TeamID: "fa", Languages: []string{"fa"}, Priority: 10},
		{TeamID: "fa-ir-crm", Languages: []string{"fa"}, Countries: []string{"IR"}, Products: []string{"crm"}, Priority: 1},
		{TeamID: "de", Countries: []string{"DE"}, Priority: 5},
		{TeamID: "emea", Countries: []string{"DE", "GB"}, Priority: 7},
	}
	ids := func(ts []Team) string {
		var out []string
		for _, t := range ts {
			out = append(out, t.TeamID)
		}
		return fmt.Sprint(out)
	}
	for _, tc := range []struct {
		req  Request
		want string
	}{
		{Request{Language: "fa", Country: "IR", Products: []string{"crm"}}, "[fa-ir-crm fa global]"},
		{Request{Language: "fa", Country: "IR"}, "[fa global]"},
		{Request{Language: "en", Country: "DE"}, "[emea de global]"},
		{Request{Language: "ru"}, "[global]"},
	} {
		if got := ids(MatchTeams(teams, tc.req)); got != tc.want {
			t.Errorf("%+v: teams %s, want %s", tc.req, got, tc.want)
		}
	}
}

func TestDecideRules(t *testing.T) {
	p := policy.Default()
	away := monday10.Add(48 * time.Hour)
	roster := func() Snapshot {
		s := Snapshot{Teams: []Team{
			{TeamID: "fa", Languages: []string{"fa"}, Priority: 10},
			{TeamID: "global"},
		}}
		s.Reps = []Rep{rep("fa-1", "fa", 1), rep("fa-2", "fa", 1), rep("gl-1", "global", 1)}
		s.Reps[1].OnCall = true
		return s
	}
	for _, tc := range []struct {
		name        string
		edit        func(*Snapshot)
		req         Request
		rep, rule   string
		skipped     string
		notAssigned string
	}{
		{name: "language team", req: Request{Language: "fa"}, rep: "fa-1", rule: RuleTeamRoundRobin, skipped: "[]"},
		{name: "no language team falls to the fallback", req: Request{Language: "ru"}, rep: "gl-1", rule: RuleTeamRoundRobin, skipped: "[]"},
		{name: "hot goes to on-call", req: Request{Language: "fa", Tier: lead.TierHot}, rep: "fa-2", rule: RuleHotOnCall, skipped: "[]"},
		{name: "hot with on-call away goes round", req: Request{Language: "fa", Tier: lead.TierHot},
			edit: func(s *Snapshot) { s.Reps[1].OutOfOffice = &away }, rep: "fa-1", rule: RuleTeamRoundRobin,
			skipped: "[{fa-2 out_of_office}]"},
		{name: "existing owner", req: Request{Language: "fa"}, edit: func(s *Snapshot) { s.Owner = "gl-1" }, rep: "gl-1", rule: RuleExistingOwner, skipped: "[]"},
		{name: "inactive owner", req: Request{Language: "fa"},
			edit: func(s *Snapshot) { s.Owner = "gl-1"; s.Reps[2].Active = false }, rep: "fa-1", rule: RuleTeamRoundRobin, skipped: "[{gl-1 inactive}]"},
		{name: "full team overflows to the next team",
			edit: func(s *Snapshot) { s.Reps[0].MaxOpenLeads = 0; s.Reps[1].MaxOpenLeads = 0 }, req: Request{Language: "fa"},
			rep: "gl-1", rule: RuleOverflowRoundRobin, skipped: "[{fa-1 at_capacity} {fa-2 at_capacity}]"},
		{name: "full team queues",
			edit: func(s *Snapshot) {
				s.Reps[0].Active, s.Reps[1].Active = false, false
				s.Teams[0].Overflow = Overflow{To: OverflowQueue}
			}, req: Request{Language: "fa"}, notAssigned: NotAssignedQueued},
		{name: "spam reaches nobody", req: Request{Language: "fa", Tier: lead.TierHot, Spam: true}, notAssigned: NotAssignedSpam},
		{name: "no team", edit: func(s *Snapshot) { s.Teams = s.Teams[:1] }, req: Request{Language: "ru"}, notAssigned: NotAssignedNoTeam},
		{name: "everyone away", edit: func(s *Snapshot) {
			for i := range s.Reps {
				s.Reps[i].OutOfOffice = &away
			}
		}, req: Request{Language: "fa"}, notAssigned: NotAssignedNoRep},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := roster()
			if tc.edit != nil {
				tc.edit(&s)
			}
			d := Decide(p, s, tc.req, monday10)
			if tc.notAssigned != "" {
				if d.Assignment != nil || d.NotAssigned != tc.notAssigned {
					t.Fatalf("got %+v, want not assigned (%s)", d.Assignment, tc.notAssigned)
				}
				return
			}
			a := d.Assignment
			if a == nil {
				t.Fatalf("not assigned: %s", d.NotAssigned)
			}
			var skipped []string
			for _, s := range a.Skipped {
				skipped = append(skipped, fmt.Sprintf("{%s %s}", s.RepID, s.Reason))
			}
			if a.RepID != tc.rep || a.Rule != tc.rule || fmt.Sprintf("[%s]", join(skipped)) != tc.skipped {
				t.Fatalf("got %s by %s skipping %v, want %s by %s skipping %s", a.RepID, a.Rule, a.Skipped, tc.rep, tc.rule, tc.skipped)
			}
			if a.PolicyVersion != p.Version {
				t.Fatalf("policy version %q", a.PolicyVersion)
			}
		})
	}
}

func join(s []string) string {
	out := ""
	for i, v := range s {
		if i > 0 {
			out += " "
		}
		out += v
	}
	return out
}

func TestWorkingHoursOnlyWhenThePolicyAsks(t *testing.T) {
	p := policy.Default()
	s := Snapshot{Teams: []Team{{TeamID: "t"}}, Reps: []Rep{rep("day", "t", 1), rep("night", "t", 1)}}
	s.Reps[0].WorkingHours = Hours{"mon": {"09:00-17:00"}}
	s.Reps[1].WorkingHours = Hours{"mon": {"22:00-06:00"}}
	s.Reps[0].Credit = -5 // the night rep is next in the rotation, but off duty at 10:00
	if d := Decide(p, s, Request{}, monday10); d.Assignment.RepID != "night" {
		t.Fatalf("hours ignored: got %s, want the next in rotation", d.Assignment.RepID)
	}
	strict := *p
	strict.Routing.RespectWorkingHours = true
	d := Decide(&strict, s, Request{}, monday10)
	if d.Assignment.RepID != "day" || len(d.Assignment.Skipped) != 1 || d.Assignment.Skipped[0].Reason != SkipOutsideHours {
		t.Fatalf("got %+v", d.Assignment)
	}
}

// A rep back from holiday takes their share from then on, not the leads they missed.
func TestReturningRepGetsNoBurst(t *testing.T) {
	p := policy.Default()
	s := Snapshot{Teams: []Team{{TeamID: "t"}}, Reps: []Rep{rep("a", "t", 1), rep("b", "t", 1), rep("c", "t", 1)}}
	until := monday10.Add(time.Hour)
	s.Reps[2].OutOfOffice = &until
	now := monday10
	for range 60 {
		d := Decide(p, s, Request{}, now)
		if d.Assignment.RepID == "c" {
			t.Fatal("a rep out of office got a lead")
		}
		apply(&s, d)
	}
	now = until.Add(time.Minute)
	counts := map[string]int{}
	for k := 1; k <= 30; k++ {
		d := Decide(p, s, Request{}, now)
		counts[d.Assignment.RepID]++
		apply(&s, d)
		if counts["c"] > k/3+1 {
			t.Fatalf("after %d leads the returning rep has %d: a burst", k, counts["c"])
		}
	}
	if counts["c"] != 10 {
		t.Fatalf("the returning rep got %d of 30, want their share of 10", counts["c"])
	}
}

func TestOverflowFollowsTheTeamRule(t *testing.T) {
	p := policy.Default()
	s := Snapshot{Teams: []Team{
		{TeamID: "fa", Languages: []string{"fa"}, Overflow: Overflow{To: OverflowTeam, TeamID: "backup"}},
		{TeamID: "backup", Languages: []string{"xx"}}, // matches nothing itself
		{TeamID: "global"},
	}, Reps: []Rep{rep("fa-1", "fa", 1), rep("bk-1", "backup", 1), rep("gl-1", "global", 1)}}
	s.Reps[0].Active = false
	d := Decide(p, s, Request{Language: "fa"}, monday10)
	if d.Assignment == nil || d.Assignment.RepID != "bk-1" || d.Assignment.Rule != RuleOverflowRoundRobin {
		t.Fatalf("got %+v", d.Assignment)
	}
	if got := Reachable(s.Teams, Request{Language: "fa"}, ""); fmt.Sprint(got) != "[backup fa global]" {
		t.Fatalf("reachable teams %v", got)
	}
}

// A lead taken from a rep goes to someone else, and the rotation owes the rep the turn: the next
// lead is theirs.
func TestReassignCreditsTheRepBack(t *testing.T) {
	p := policy.Default()
	s := Snapshot{Teams: []Team{{TeamID: "t"}}, Reps: []Rep{rep("a", "t", 1), rep("b", "t", 1), rep("c", "t", 1)}}
	first := Decide(p, s, Request{LeadID: "l1"}, monday10)
	apply(&s, first)
	a := first.Assignment
	if a.RepID != "a" {
		t.Fatalf("first lead went to %s", a.RepID)
	}
	charge := a.Rotation.Before["a"] - a.Rotation.After["a"] + 1
	moved := Decide(p, s, Request{LeadID: "l1", From: &Reassignment{RepID: "a", TeamID: "t", Charge: charge}}, monday10)
	if moved.Assignment == nil || moved.Assignment.RepID == "a" || moved.Assignment.ReassignedFrom != "a" ||
		!slices.Contains(moved.Assignment.Skipped, lead.SkippedRep{RepID: "a", Reason: SkipReassigned}) {
		t.Fatalf("reassigned: %+v", moved.Assignment)
	}
	apply(&s, moved)
	s.Reps[0].OpenLeads-- // the lead left a
	// From here on the rotation is as if the first lead had gone to the new rep: over the next
	// leads everyone ends level, a included.
	counts := map[string]int{moved.Assignment.RepID: 1}
	for i := range 5 {
		d := Decide(p, s, Request{LeadID: fmt.Sprint("l", i+2)}, monday10)
		apply(&s, d)
		counts[d.Assignment.RepID]++
	}
	if counts["a"] != 2 || counts["b"] != 2 || counts["c"] != 2 {
		t.Fatalf("six leads spread %v, want two each", counts)
	}
}

// A rep who was owed turns when they became unavailable does not keep them: on return they start
// level, not ahead.
func TestUnavailableRepKeepsNoPositiveCredit(t *testing.T) {
	s := Snapshot{Teams: []Team{{TeamID: "t"}}, Reps: []Rep{rep("a", "t", 1), rep("b", "t", 1), rep("c", "t", 1)}}
	s.Reps[0].Credit, s.Reps[1].Credit, s.Reps[2].Credit = -1, -1, 2 // c is owed
	s.Reps[2].Active = false
	d := Decide(policy.Default(), s, Request{}, monday10)
	if c := d.Credits["c"]; c != 0 {
		t.Fatalf("c keeps credit %d while unavailable, want 0", c)
	}
	s.Reps[2].Credit = -3 // one who had more than their share keeps the debt
	if c := Decide(policy.Default(), s, Request{}, monday10).Credits["c"]; c != -3 {
		t.Fatalf("c's debt became %d, want -3", c)
	}
}
