// Package scoring turns a lead's extracted fields, the visit's behaviour and the customer's own
// words into an explainable 0–100 score and a hot/warm/cold tier, with the points the policy file
// gives each signal. It is deterministic: the model extracts facts, it never sets points. Every
// signal that counted is listed in the breakdown, in the order it was applied.
package scoring

import (
	"strings"
	"time"

	"github.com/leadflow/leadflow/internal/identity"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
)

// Input is what a score is computed from.
type Input struct {
	Fields lead.Fields
	// The workflow counts silences and returns on its clock; the policy gives them points.
	lead.ScoreContext
}

// Result is a score with its reasons, and the policy's clock for the workflow: when silence next
// costs points and how long a silence must be to count as a return.
type Result struct {
	Score         int                `json:"score"`
	Tier          lead.Tier          `json:"tier"`
	Breakdown     []lead.ScoreSignal `json:"score_breakdown"`
	PolicyVersion string             `json:"policy_version,omitempty"`
	DecayAfter    time.Duration      `json:"decay_after,omitempty"`
	ReengageAfter time.Duration      `json:"reengage_after,omitempty"`
}

// Signals named in the breakdown besides intents, urgencies and events.
const (
	SignalBase           = "base"
	SignalSpam           = "spam"
	SignalPhone          = "phone_known"
	SignalEmail          = "email_known"
	SignalName           = "name_known"
	SignalCompany        = "company_known"
	SignalCompanyEmail   = "company_email"
	SignalBudget         = "budget_stated"
	SignalLargeBudget    = "budget_large"
	SignalComplete       = "profile_complete"
	SignalLowConfidence  = "low_confidence_contact"
	SignalMissingContact = "missing_contact"
	SignalVague          = "vague"
	SignalLinks          = "links"
	SignalSilence        = "silence_decay"
	SignalReengaged      = "reengaged"
)

// Score computes the lead's score under a policy. Spam scores zero whatever else it says.
func Score(p *policy.Policy, in Input) Result {
	s := &p.Scoring
	r := Result{Breakdown: []lead.ScoreSignal{}, PolicyVersion: p.Version,
		DecayAfter: time.Duration(s.Decay.After), ReengageAfter: time.Duration(s.Reengagement.After)}
	f := in.Fields
	if f.IsSpam() {
		r.Tier = lead.TierCold
		r.Breakdown = append(r.Breakdown, lead.ScoreSignal{Signal: SignalSpam, Points: 0})
		return r
	}
	add := func(signal string, points int) {
		if points != 0 {
			r.Breakdown = append(r.Breakdown, lead.ScoreSignal{Signal: signal, Points: points})
			r.Score += points
		}
	}
	add(SignalBase, s.Base)

	// Behaviour.
	seen := map[string]bool{}
	for _, e := range in.Events {
		if !seen[e] {
			seen[e] = true
			add(e, s.Events[e])
		}
	}

	// Content.
	if f.Intent.Known() {
		add(string(*f.Intent.Value), s.Intent[string(*f.Intent.Value)])
	}
	if f.Urgency.Known() {
		add("urgency_"+string(*f.Urgency.Value), s.Urgency[string(*f.Urgency.Value)])
	}
	if f.Budget.Known() && f.Budget.Value.Amount > 0 {
		add(SignalBudget, s.Budget.Stated)
		if rate, ok := s.USDPerUnit(f.Budget.Value.Currency); ok && s.Budget.Large.USD > 0 && f.Budget.Value.Amount*rate >= s.Budget.Large.USD {
			add(SignalLargeBudget, s.Budget.Large.Points)
		}
	}
	if f.CompanySize.Known() {
		add("company_size_"+*f.CompanySize.Value, s.CompanySize[*f.CompanySize.Value])
	}
	add("users", stepPoints(s.Users, in.Facts.Users))
	add("branches", stepPoints(s.Branches, in.Facts.Branches))

	// Quality.
	if f.Phone.Known() {
		add(SignalPhone, s.Contact.Phone)
	}
	if f.Email.Known() {
		add(SignalEmail, s.Contact.Email)
		if companyAddress(*f.Email.Value) {
			add(SignalCompanyEmail, s.Contact.CompanyEmail)
		}
	}
	if f.FullName.Known() {
		add(SignalName, s.Contact.Name)
	}
	if f.Company.Known() {
		add(SignalCompany, s.Contact.Company)
	}
	if completeness(f) >= s.Complete.At && s.Complete.At > 0 {
		add(SignalComplete, s.Complete.Points)
	}
	if best, ok := contactConfidence(f); ok && best < s.LowConfidence.Below {
		add(SignalLowConfidence, s.LowConfidence.Points)
	}

	// Risk.
	if !f.Reachable() {
		add(SignalMissingContact, s.MissingContact)
	}
	if in.Facts.Words > 0 && in.Facts.Words <= s.Vague.MaxWords {
		add(SignalVague, s.Vague.Points)
	}
	if s.Links.AtLeast > 0 && in.Facts.Links >= s.Links.AtLeast {
		add(SignalLinks, s.Links.Points)
	}

	// Time: silence decays, a return raises.
	add(SignalReengaged, in.Reengagements*s.Reengagement.Points)
	add(SignalSilence, -in.Silences*s.Decay.Points)

	r.Score = min(max(r.Score, 0), 100)
	r.Tier = TierOf(s.Tiers, r.Score)
	return r
}

// TierOf maps a score to its tier.
func TierOf(t policy.Tiers, score int) lead.Tier {
	switch {
	case score >= t.Hot:
		return lead.TierHot
	case score >= t.Warm:
		return lead.TierWarm
	}
	return lead.TierCold
}

// stepPoints is the points of the highest step n reaches (steps are in increasing order).
func stepPoints(steps []policy.Step, n int) int {
	points := 0
	for _, st := range steps {
		if n >= st.AtLeast {
			points = st.Points
		}
	}
	return points
}

// companyAddress reports whether an address is on a company's own domain: not free mail, not a
// role mailbox's free domain.
func companyAddress(email string) bool {
	at := strings.LastIndexByte(email, '@')
	return at > 0 && !identity.FreeMailDomain(email[at+1:])
}

// completeness is the share of the profile a rep needs that is known.
func completeness(f lead.Fields) float64 {
	known := 0
	for _, k := range []bool{f.FullName.Known(), f.Phone.Known(), f.Email.Known(), f.Company.Known(), f.Country.Known(), f.Intent.Known()} {
		if k {
			known++
		}
	}
	return float64(known) / 6
}

// contactConfidence is the confidence of the best way to reach the person.
func contactConfidence(f lead.Fields) (float64, bool) {
	best, ok := 0.0, false
	if f.Phone.Known() {
		best, ok = max(best, f.Phone.Confidence), true
	}
	if f.Email.Known() {
		best, ok = max(best, f.Email.Confidence), true
	}
	return best, ok
}
