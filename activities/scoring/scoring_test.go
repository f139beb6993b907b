package scoring

import (
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
)

func fields(intent lead.Intent, phone, email bool, urgency lead.Urgency) lead.Fields {
	var f lead.Fields
	f.Intent = lead.Set(intent, 0.8, "x", lead.SourceRules)
	if phone {
		f.Phone = lead.Set("+447700900123", 0.9, "x", lead.SourceRules)
	}
	if email {
		f.Email = lead.Set("sara@acme.io", 0.9, "x", lead.SourceRules)
	}
	if urgency != "" {
		f.Urgency = lead.Set(urgency, 0.7, "x", lead.SourceRules)
	}
	return f
}

func TestScore(t *testing.T) {
	tests := []struct {
		name      string
		in        Input
		wantScore int
		wantTier  lead.Tier
	}{
		{"hot demo with phone, urgency and CTA", Input{Fields: fields(lead.IntentDemoRequest, true, true, lead.UrgencyHigh), Events: []string{"clicked_demo_cta", "viewed_pricing"}}, 10 + 25 + 15 + 15 + 10 + 10 + 5, lead.TierHot},
		{"warm price question by email", Input{Fields: fields(lead.IntentPriceInquiry, false, true, "")}, 10 + 15 + 10, lead.TierWarm},
		{"cold support question", Input{Fields: fields(lead.IntentSupport, false, true, lead.UrgencyLow)}, 0, lead.TierCold}, // base 10, support -10, low urgency -10, email +10,
		{"spam is zero", Input{Fields: fields(lead.IntentSpam, true, true, lead.UrgencyHigh), Events: []string{"clicked_demo_cta"}}, 0, lead.TierCold},
		{"repeated events count once", Input{Fields: fields(lead.IntentOther, true, false, ""), Events: []string{"viewed_pricing", "viewed_pricing"}}, 10 + 15 + 5, lead.TierCold},
		{"never above 100", Input{Fields: func() lead.Fields {
			f := fields(lead.IntentPurchase, true, true, lead.UrgencyHigh)
			f.FullName = lead.Set("Sara", 1, "x", lead.SourceRules)
			f.Company = lead.Set("Acme", 1, "x", lead.SourceRules)
			f.Budget = lead.Set(lead.Money{Amount: 5000, Currency: "USD"}, 1, "x", lead.SourceRules)
			return f
		}(), Events: []string{"clicked_demo_cta", "viewed_pricing", "started_checkout"}}, 100, lead.TierHot},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := Score(tt.in)
			if got.Score != tt.wantScore || got.Tier != tt.wantTier {
				t.Fatalf("Score = %d %s, want %d %s (breakdown %+v)", got.Score, got.Tier, tt.wantScore, tt.wantTier, got.Breakdown)
			}
			sum := 0
			for _, s := range got.Breakdown {
				sum += s.Points
			}
			if tt.wantScore > 0 && tt.wantScore < 100 && sum != got.Score {
				t.Fatalf("breakdown sums to %d, score is %d", sum, got.Score)
			}
		})
	}
}

func TestTierOf(t *testing.T) {
	for score, want := range map[int]lead.Tier{0: lead.TierCold, 34: lead.TierCold, 35: lead.TierWarm, 59: lead.TierWarm, 60: lead.TierHot, 100: lead.TierHot} {
		if got := TierOf(score); got != want {
			t.Errorf("TierOf(%d) = %s, want %s", score, got, want)
		}
	}
}

func BenchmarkScore(b *testing.B) {
	in := Input{Fields: fields(lead.IntentDemoRequest, true, true, lead.UrgencyHigh), Events: []string{"clicked_demo_cta"}}
	for b.Loop() {
		Score(in)
	}
}
