package scoring

import (
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
)

func fields(intent lead.Intent, phone, email bool, urgency lead.Urgency) lead.Fields {
	var f lead.Fields
	f.Intent = lead.Set(intent, 0.8, "x", lead.SourceRules)
	if phone {
		f.Phone = lead.Set("+447700900123", 0.9, "x", lead.SourceRules)
	}
	if email {
		f.Email = lead.Set("sara@gmail.com", 0.9, "x", lead.SourceRules)
	}
	if urgency != "" {
		f.Urgency = lead.Set(urgency, 0.7, "x", lead.SourceRules)
	}
	return f
}

func with(f lead.Fields, edit func(*lead.Fields)) lead.Fields {
	edit(&f)
	return f
}

// The built-in policy's points, signal by signal.
func TestScore(t *testing.T) {
	p := policy.Default()
	tests := []struct {
		name      string
		in        Input
		wantScore int
		wantTier  lead.Tier
		signals   string
	}{
		{"hot demo with phone, urgency and CTA", Input{Fields: fields(lead.IntentDemoRequest, true, true, lead.UrgencyHigh), ScoreContext: lead.ScoreContext{Events: []string{"clicked_demo_cta", "viewed_pricing"}}},
			10 + 10 + 5 + 25 + 15 + 15 + 10, lead.TierHot, "base clicked_demo_cta viewed_pricing demo_request urgency_high phone_known email_known"},
		{"warm price question by email", Input{Fields: fields(lead.IntentPriceInquiry, false, true, "")}, 10 + 15 + 10, lead.TierWarm,
			"base price_inquiry email_known"},
		{"company address counts", Input{Fields: with(fields(lead.IntentPriceInquiry, false, true, ""), func(f *lead.Fields) {
			f.Email = lead.Set("sara@brightwave.example", 0.9, "x", lead.SourceRules)
		})}, 10 + 15 + 10 + 5, lead.TierWarm, "base price_inquiry email_known company_email"},
		{"cold support question", Input{Fields: fields(lead.IntentSupport, false, true, lead.UrgencyLow)}, 0, lead.TierCold,
			"base support urgency_low email_known"},
		{"spam is zero", Input{Fields: fields(lead.IntentSpam, true, true, lead.UrgencyHigh), ScoreContext: lead.ScoreContext{Events: []string{"clicked_demo_cta"}}}, 0, lead.TierCold, "spam"},
		{"repeated events count once, unknown events not at all", Input{Fields: fields(lead.IntentOther, true, false, ""), ScoreContext: lead.ScoreContext{Events: []string{"viewed_pricing", "viewed_pricing", "page_view"}}},
			10 + 5 + 15, lead.TierCold, "base viewed_pricing phone_known"},
		{"budget, a large one, size and seats", Input{Fields: with(fields(lead.IntentPurchase, true, false, ""), func(f *lead.Fields) {
			f.Budget = lead.Set(lead.Money{Amount: 12000, Currency: "EUR"}, 0.8, "x", lead.SourceRules)
			f.CompanySize = lead.Set("51-200", 0.45, "x", lead.SourceRules)
		}), ScoreContext: lead.ScoreContext{Facts: lead.TextFacts{Users: 60, Branches: 4}}}, 100, lead.TierHot,
			"base purchase budget_stated budget_large company_size_51-200 users branches phone_known"},
		{"a budget in toman is small", Input{Fields: with(fields(lead.IntentPurchase, true, false, ""), func(f *lead.Fields) {
			f.Budget = lead.Set(lead.Money{Amount: 500_000_000, Currency: "IRR"}, 0.8, "x", lead.SourceRules)
		})}, 10 + 30 + 10 + 15, lead.TierHot, "base purchase budget_stated phone_known"},
		{"no way to reach them, and vague", Input{Fields: func() lead.Fields {
			var f lead.Fields
			f.Intent = lead.Set(lead.IntentDemoRequest, 0.8, "x", lead.SourceRules)
			return f
		}(), ScoreContext: lead.ScoreContext{Facts: lead.TextFacts{Words: 3}}}, 0, lead.TierCold, "base demo_request missing_contact vague"},
		{"contact read with low confidence; links", Input{Fields: with(fields(lead.IntentPriceInquiry, true, false, ""), func(f *lead.Fields) {
			f.Phone.Confidence = 0.4
		}), ScoreContext: lead.ScoreContext{Facts: lead.TextFacts{Words: 40, Links: 3}}}, 10 + 15 + 15 - 10 - 15, lead.TierCold, "base price_inquiry phone_known low_confidence_contact links"},
		{"a complete profile", Input{Fields: with(fields(lead.IntentDemoRequest, true, true, ""), func(f *lead.Fields) {
			f.FullName = lead.Set("Sara Kim", 0.9, "x", lead.SourceRules)
			f.Company = lead.Set("Brightwave", 0.9, "x", lead.SourceRules)
		})}, 10 + 25 + 15 + 10 + 5 + 5 + 5, lead.TierHot, "base demo_request phone_known email_known name_known company_known profile_complete"},
		{"silence decays, a return raises", Input{Fields: fields(lead.IntentPriceInquiry, false, true, ""), ScoreContext: lead.ScoreContext{Silences: 2, Reengagements: 1}},
			10 + 15 + 10 + 15 - 20, lead.TierCold, "base price_inquiry email_known reengaged silence_decay"},
		{"never below 0", Input{Fields: fields(lead.IntentSupport, false, true, lead.UrgencyLow), ScoreContext: lead.ScoreContext{Silences: 9}}, 0, lead.TierCold,
			"base support urgency_low email_known silence_decay"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Score(p, tt.in)
			var names []string
			sum := 0
			for _, s := range got.Breakdown {
				names = append(names, s.Signal)
				sum += s.Points
			}
			if got.Score != tt.wantScore || got.Tier != tt.wantTier || strings.Join(names, " ") != tt.signals {
				t.Fatalf("Score = %d %s by %v, want %d %s by %s", got.Score, got.Tier, got.Breakdown, tt.wantScore, tt.wantTier, tt.signals)
			}
			if tt.wantScore > 0 && tt.wantScore < 100 && sum != got.Score {
				t.Fatalf("breakdown sums to %d, score is %d", sum, got.Score)
			}
			if got.PolicyVersion != p.Version || got.DecayAfter != 168*time.Hour || got.ReengageAfter != 72*time.Hour {
				t.Fatalf("policy clock not carried: %+v", got)
			}
		})
	}
}

// Points come from the policy: a manager's file changes the score, and nothing else does.
func TestScoreFollowsThePolicy(t *testing.T) {
	p, err := policy.Parse([]byte(`
version: strict-1
scoring:
  base: 0
  tiers: {hot: 80, warm: 20}
  intent: {demo_request: 50}
routing:
  rules: [team_round_robin]
`))
	if err != nil {
		t.Fatal(err)
	}
	got := Score(p, Input{Fields: fields(lead.IntentDemoRequest, true, true, lead.UrgencyHigh), ScoreContext: lead.ScoreContext{Events: []string{"clicked_demo_cta"}}})
	if got.Score != 50 || got.Tier != lead.TierWarm || len(got.Breakdown) != 1 || got.PolicyVersion != "strict-1" {
		t.Fatalf("got %+v", got)
	}
}

func TestTierOf(t *testing.T) {
	tiers := policy.Default().Scoring.Tiers
	for score, want := range map[int]lead.Tier{0: lead.TierCold, 34: lead.TierCold, 35: lead.TierWarm, 59: lead.TierWarm, 60: lead.TierHot, 100: lead.TierHot} {
		if got := TierOf(tiers, score); got != want {
			t.Errorf("TierOf(%d) = %s, want %s", score, got, want)
		}
	}
}

func BenchmarkScore(b *testing.B) {
	p := policy.Default()
	in := Input{Fields: fields(lead.IntentDemoRequest, true, true, lead.UrgencyHigh), ScoreContext: lead.ScoreContext{Events: []string{"clicked_demo_cta"}}}
	for b.Loop() {
		Score(p, in)
	}
}
