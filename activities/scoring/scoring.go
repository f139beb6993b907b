// Package scoring turns a lead's extracted fields and the visit's behaviour into an explainable
// 0–100 score and a hot/warm/cold tier. It is deterministic: the model extracts facts, it never sets
// points. Every signal that counted is listed in the breakdown, in the order it was applied.
package scoring

import (
	"github.com/leadflow/leadflow/internal/lead"
)

// Input is what a score is computed from.
type Input struct {
	Fields lead.Fields
	Events []string // context.events from the chatbot, e.g. viewed_pricing, clicked_demo_cta
}

// Result is a score with its reasons.
type Result struct {
	Score     int                `json:"score"`
	Tier      lead.Tier          `json:"tier"`
	Breakdown []lead.ScoreSignal `json:"score_breakdown"`
}

// Tier thresholds: a hot lead gets the on-call treatment, a cold one waits its turn.
const (
	HotAt  = 60
	WarmAt = 35
)

// base is what any reachable conversation starts with: somebody took the time to write.
const base = 10

var intentPoints = map[lead.Intent]int{
	lead.IntentPurchase:     30,
	lead.IntentDemoRequest:  25,
	lead.IntentPriceInquiry: 15,
	lead.IntentPartnership:  10,
	lead.IntentOther:        0,
	lead.IntentSupport:      -10, // an existing customer's question, not a new sale
}

var eventPoints = map[string]int{
	"clicked_demo_cta": 10,
	"viewed_pricing":   5,
	"started_checkout": 15,
}

var urgencyPoints = map[lead.Urgency]int{
	lead.UrgencyHigh: 15,
	lead.UrgencyLow:  -10,
}

// Score computes the lead's score. Spam scores zero whatever else it says.
func Score(in Input) Result {
	f := in.Fields
	if f.IsSpam() {
		return Result{Score: 0, Tier: lead.TierCold, Breakdown: []lead.ScoreSignal{{Signal: "spam", Points: 0}}}
	}
	r := Result{Breakdown: []lead.ScoreSignal{}}
	add := func(signal string, points int) {
		if points != 0 {
			r.Breakdown = append(r.Breakdown, lead.ScoreSignal{Signal: signal, Points: points})
			r.Score += points
		}
	}
	add("base", base)
	if f.Intent.Known() {
		add(string(*f.Intent.Value), intentPoints[*f.Intent.Value])
	}
	if f.Urgency.Known() {
		add("urgency_"+string(*f.Urgency.Value), urgencyPoints[*f.Urgency.Value])
	}
	if f.Phone.Known() {
		add("phone_known", 15)
	}
	if f.Email.Known() {
		add("email_known", 10)
	}
	if f.FullName.Known() {
		add("name_known", 5)
	}
	if f.Company.Known() {
		add("company_known", 5)
	}
	if f.Budget.Known() && f.Budget.Value.Amount > 0 {
		add("budget_stated", 10)
	}
	seen := map[string]bool{}
	for _, e := range in.Events {
		if !seen[e] {
			seen[e] = true
			add(e, eventPoints[e])
		}
	}
	r.Score = min(max(r.Score, 0), 100)
	r.Tier = TierOf(r.Score)
	return r
}

// TierOf maps a score to its tier.
func TierOf(score int) lead.Tier {
	switch {
	case score >= HotAt:
		return lead.TierHot
	case score >= WarmAt:
		return lead.TierWarm
	}
	return lead.TierCold
}
