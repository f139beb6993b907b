package policy

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestDefaultIsValid(t *testing.T) {
	p := Default()
	if p.Version == "" || p.Scoring.Tiers.Hot != 60 || !p.Routing.Has(RuleHotOnCall) {
		t.Fatalf("unexpected built-in policy: %+v", p)
	}
	if r, ok := p.Scoring.USDPerUnit("eur"); !ok || r <= 1 {
		t.Fatalf("EUR rate %v %v", r, ok)
	}
	if time.Duration(p.Scoring.Decay.After) != 168*time.Hour || time.Duration(p.Routing.QueueEscalateAfter) != 30*time.Minute {
		t.Fatalf("durations: %+v %+v", p.Scoring.Decay, p.Routing)
	}
}

func TestLoad(t *testing.T) {
	p, err := Load("")
	if err != nil || p.Version != Default().Version {
		t.Fatalf("empty path: %v %v", p, err)
	}
	dir := t.TempDir()
	json := filepath.Join(dir, "p.json")
	if err := os.WriteFile(json, []byte(`{"version": "json-1", "scoring": {"tiers": {"hot": 70, "warm": 30}},
		"routing": {"rules": ["hot_on_call", "team_round_robin"], "respect_working_hours": true}}`), 0o600); err != nil {
		t.Fatal(err)
	}
	p, err = Load(json)
	if err != nil || p.Version != "json-1" || !p.Routing.RespectWorkingHours || p.Routing.Has(RuleExistingOwner) {
		t.Fatalf("json policy: %+v %v", p, err)
	}
	if _, err := Load(filepath.Join(dir, "missing.yaml")); err == nil {
		t.Fatal("a missing file loaded")
	}
}

// A manager's mistake is caught at start, with the key that is wrong.
func TestParseRejects(t *testing.T) {
	valid := "version: v1\nscoring:\n  tiers: {hot: 60, warm: 35}\nrouting:\n  rules: [team_round_robin]\n"
	if _, err := Parse([]byte(valid)); err != nil {
		t.Fatalf("valid policy rejected: %v", err)
	}
	for _, tc := range []struct{ policy, want string }{
		{strings.Replace(valid, "version: v1", "version: ''", 1), "version is required"},
		{strings.Replace(valid, "hot: 60", "hot: 20", 1), "tiers"},
		{strings.Replace(valid, "tiers:", "teirs:", 1), "field teirs not found"},
		{valid + "  respect_working_hourz: true\n", "respect_working_hourz"},
		{strings.Replace(valid, "[team_round_robin]", "[team_round_robin, hot_on_call]", 1), "must come last"},
		{strings.Replace(valid, "[team_round_robin]", "[round_robin]", 1), "unknown rule"},
		{strings.Replace(valid, "[team_round_robin]", "[hot_on_call]", 1), "team_round_robin is required"},
		{strings.Replace(valid, "routing:", "  intent: {demo: 10}\nrouting:", 1), `unknown "demo"`},
		{strings.Replace(valid, "routing:", "  intent: {spam: 10}\nrouting:", 1), "spam always scores 0"},
		{strings.Replace(valid, "routing:", "  urgency: {high: 500}\nrouting:", 1), "outside"},
		{strings.Replace(valid, "routing:", "  decay: {after: soon, points: 5}\nrouting:", 1), "not a duration"},
		{strings.Replace(valid, "routing:", "  decay: {after: 1s, points: 5}\nrouting:", 1), "at least one minute"},
		{strings.Replace(valid, "routing:", "  users: [{at_least: 50, points: 5}, {at_least: 10, points: 10}]\nrouting:", 1), "increasing"},
		{"[1, 2]", "read"},
	} {
		_, err := Parse([]byte(tc.policy))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("want an error containing %q, got %v\n%s", tc.want, err, tc.policy)
		}
	}
}

// Whatever bytes arrive as a policy file, Parse answers with a policy or an error, never a panic,
// and what it accepts passes its own checks.
func FuzzParse(f *testing.F) {
	f.Add(builtin)
	f.Add([]byte(`{"version": "x", "scoring": {"tiers": {"hot": 2, "warm": 1}}, "routing": {"rules": ["team_round_robin"]}}`))
	f.Fuzz(func(t *testing.T, b []byte) {
		p, err := Parse(b)
		if err == nil && p.validate() != nil {
			t.Fatal("accepted an invalid policy")
		}
	})
}
