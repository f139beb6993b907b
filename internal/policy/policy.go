// Package policy is the versioned file that says how leads are scored and where they go: the
// points of every signal, the tier thresholds, decay and re-engagement, and the order of the
// routing rules. It is data, validated when it is loaded, so that a sales manager's edit is checked
// before it reaches a lead, and every score and assignment names the version that made it.
package policy

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"go.yaml.in/yaml/v3"

	"github.com/leadflow/leadflow/internal/lead"
)

// Policy is one version of the scoring and routing policy.
type Policy struct {
	Version string  `yaml:"version" json:"version"`
	Scoring Scoring `yaml:"scoring" json:"scoring"`
	Routing Routing `yaml:"routing" json:"routing"`
	// Followups are the SLA, the escalation chain, the follow-up sequences and the customer
	// message rules (followups.go).
	Followups Followups `yaml:"followups" json:"followups"`
}

// Scoring gives every signal its points. Maps are keyed by the value that earns the points.
type Scoring struct {
	Base           int                `yaml:"base" json:"base"`
	Tiers          Tiers              `yaml:"tiers" json:"tiers"`
	Events         map[string]int     `yaml:"events" json:"events"`
	Intent         map[string]int     `yaml:"intent" json:"intent"`
	Urgency        map[string]int     `yaml:"urgency" json:"urgency"`
	Budget         Budget             `yaml:"budget" json:"budget"`
	CompanySize    map[string]int     `yaml:"company_size" json:"company_size"`
	Users          []Step             `yaml:"users" json:"users"`
	Branches       []Step             `yaml:"branches" json:"branches"`
	Contact        ContactPoints      `yaml:"contact" json:"contact"`
	Complete       Share              `yaml:"complete" json:"complete"`
	LowConfidence  Below              `yaml:"low_confidence" json:"low_confidence"`
	MissingContact int                `yaml:"missing_contact" json:"missing_contact"`
	Vague          Vague              `yaml:"vague" json:"vague"`
	Links          Step               `yaml:"links" json:"links"`
	Decay          Every              `yaml:"decay" json:"decay"`
	Reengagement   Every              `yaml:"reengagement" json:"reengagement"`
	usd            map[string]float64 // Budget.USDPerUnit with upper-case codes
}

// Tiers are the lowest scores of the hot and warm tiers; anything below warm is cold.
type Tiers struct {
	Hot  int `yaml:"hot" json:"hot"`
	Warm int `yaml:"warm" json:"warm"`
}

// Budget rewards a stated budget, and a large one more.
type Budget struct {
	Stated     int                `yaml:"stated" json:"stated"`
	Large      LargeBudget        `yaml:"large" json:"large"`
	USDPerUnit map[string]float64 `yaml:"usd_per_unit" json:"usd_per_unit"`
}

// LargeBudget is a budget worth at least USD dollars.
type LargeBudget struct {
	USD    float64 `yaml:"usd" json:"usd"`
	Points int     `yaml:"points" json:"points"`
}

// Step earns Points from AtLeast on.
type Step struct {
	AtLeast int `yaml:"at_least" json:"at_least"`
	Points  int `yaml:"points" json:"points"`
}

// ContactPoints reward what we can reach and know the person by.
type ContactPoints struct {
	Phone        int `yaml:"phone" json:"phone"`
	Email        int `yaml:"email" json:"email"`
	Name         int `yaml:"name" json:"name"`
	Company      int `yaml:"company" json:"company"`
	CompanyEmail int `yaml:"company_email" json:"company_email"`
}

// Share earns Points when at least At (0–1) of something holds.
type Share struct {
	At     float64 `yaml:"at" json:"at"`
	Points int     `yaml:"points" json:"points"`
}

// Below earns Points under a confidence.
type Below struct {
	Below  float64 `yaml:"below" json:"below"`
	Points int     `yaml:"points" json:"points"`
}

// Vague earns Points when the customer wrote at most MaxWords words.
type Vague struct {
	MaxWords int `yaml:"max_words" json:"max_words"`
	Points   int `yaml:"points" json:"points"`
}

// Every earns Points once per After.
type Every struct {
	After  Duration `yaml:"after" json:"after"`
	Points int      `yaml:"points" json:"points"`
}

// Routing rules, in the order they are tried.
const (
	RuleExistingOwner  = "existing_owner"
	RuleHotOnCall      = "hot_on_call"
	RuleTeamRoundRobin = "team_round_robin"
)

// Routing says which rules run, in which order, and how strictly.
type Routing struct {
	Rules               []string `yaml:"rules" json:"rules"`
	RespectWorkingHours bool     `yaml:"respect_working_hours" json:"respect_working_hours"`
	QueueEscalateAfter  Duration `yaml:"queue_escalate_after" json:"queue_escalate_after"`
}

// Has reports whether the policy turns a rule on.
func (r Routing) Has(rule string) bool { return slices.Contains(r.Rules, rule) }

// Duration is a time.Duration written as "90m" or "168h".
type Duration time.Duration

// UnmarshalYAML reads "90m".
func (d *Duration) UnmarshalYAML(n *yaml.Node) error {
	v, err := time.ParseDuration(n.Value)
	if err != nil {
		return fmt.Errorf("line %d: %q is not a duration like 90m or 168h", n.Line, n.Value)
	}
	*d = Duration(v)
	return nil
}

// MarshalText writes "1h30m0s".
func (d Duration) MarshalText() ([]byte, error) { return []byte(time.Duration(d).String()), nil }

// UnmarshalText reads what MarshalText wrote.
func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	*d = Duration(v)
	return err
}

//go:embed default.yaml
var builtin []byte

// Default is the built-in policy, used when LEADFLOW_POLICY_FILE is not set. It is parsed once and
// shared: callers must not change it (copy it to try a variation).
func Default() *Policy { return builtinPolicy() }

var builtinPolicy = sync.OnceValue(func() *Policy {
	p, err := Parse(builtin)
	if err != nil {
		panic("the built-in policy is invalid: " + err.Error()) // caught by the package's tests
	}
	return p
})

// Load reads a policy file, or the built-in policy when path is empty.
func Load(path string) (*Policy, error) {
	if path == "" {
		return Default(), nil
	}
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("policy: %w", err)
	}
	p, err := Parse(b)
	if err != nil {
		return nil, fmt.Errorf("policy %s: %w", path, err)
	}
	return p, nil
}

// Parse reads a policy in YAML or JSON (JSON is YAML) and checks it. Every key must be known.
func Parse(b []byte) (*Policy, error) {
	dec := yaml.NewDecoder(bytes.NewReader(b))
	dec.KnownFields(true)
	var p Policy
	if err := dec.Decode(&p); err != nil {
		return nil, fmt.Errorf("read: %w", err)
	}
	if err := p.validate(); err != nil {
		return nil, err
	}
	return &p, nil
}

// maxPoints bounds one signal: a single fact must not decide a 0–100 score on its own by mistake.
const maxPoints = 100

func (p *Policy) validate() error {
	var errs []string
	bad := func(format string, args ...any) { errs = append(errs, fmt.Sprintf(format, args...)) }
	if strings.TrimSpace(p.Version) == "" {
		bad("version is required: every score and assignment names the policy that made it")
	}
	s := &p.Scoring
	if !(0 < s.Tiers.Warm && s.Tiers.Warm < s.Tiers.Hot && s.Tiers.Hot <= 100) {
		bad("tiers: need 0 < warm < hot <= 100, got warm %d and hot %d", s.Tiers.Warm, s.Tiers.Hot)
	}
	points := func(name string, v int) {
		if v < -maxPoints || v > maxPoints {
			bad("%s: %d points is outside [-%d, %d]", name, v, maxPoints, maxPoints)
		}
	}
	keyed := func(name string, m map[string]int, allowed []string) {
		for _, k := range slices.Sorted(maps.Keys(m)) {
			if allowed != nil && !slices.Contains(allowed, k) {
				bad("%s: unknown %q (one of %s)", name, k, strings.Join(allowed, ", "))
			}
			points(name+"."+k, m[k])
		}
	}
	points("base", s.Base)
	keyed("events", s.Events, nil)
	keyed("intent", s.Intent, lead.Intents())
	keyed("urgency", s.Urgency, lead.Urgencies())
	keyed("company_size", s.CompanySize, lead.CompanySizes())
	if _, ok := s.Intent[string(lead.IntentSpam)]; ok {
		bad("intent.spam: spam always scores 0, it takes no points")
	}
	points("budget.stated", s.Budget.Stated)
	points("budget.large.points", s.Budget.Large.Points)
	s.usd = map[string]float64{}
	for code, rate := range s.Budget.USDPerUnit {
		if len(code) != 3 || rate <= 0 {
			bad("budget.usd_per_unit.%s: need an ISO 4217 code and a positive rate", code)
		}
		s.usd[strings.ToUpper(code)] = rate
	}
	for _, v := range []struct {
		name  string
		steps []Step
	}{{"users", s.Users}, {"branches", s.Branches}} {
		name, steps := v.name, v.steps
		for i, st := range steps {
			if st.AtLeast <= 0 || (i > 0 && st.AtLeast <= steps[i-1].AtLeast) {
				bad("%s: steps need at_least > 0, in increasing order", name)
			}
			points(name, st.Points)
		}
	}
	for _, v := range []struct {
		name   string
		points int
	}{{"contact.phone", s.Contact.Phone}, {"contact.email", s.Contact.Email}, {"contact.name", s.Contact.Name},
		{"contact.company", s.Contact.Company}, {"contact.company_email", s.Contact.CompanyEmail}, {"complete.points", s.Complete.Points},
		{"low_confidence.points", s.LowConfidence.Points}, {"missing_contact", s.MissingContact}, {"vague.points", s.Vague.Points},
		{"links.points", s.Links.Points}, {"decay.points", s.Decay.Points}, {"reengagement.points", s.Reengagement.Points}} {
		points(v.name, v.points)
	}
	if s.Complete.At < 0 || s.Complete.At > 1 || s.LowConfidence.Below < 0 || s.LowConfidence.Below > 1 {
		bad("complete.at and low_confidence.below are shares in [0, 1]")
	}
	if s.Decay.Points < 0 || s.Reengagement.Points < 0 {
		bad("decay.points and reengagement.points are sizes: decay takes points away, re-engagement adds them")
	}
	if (s.Decay.Points != 0 && time.Duration(s.Decay.After) < time.Minute) ||
		(s.Reengagement.Points != 0 && time.Duration(s.Reengagement.After) < time.Minute) {
		bad("decay.after and reengagement.after: at least one minute when they have points")
	}
	r := p.Routing
	if !r.Has(RuleTeamRoundRobin) {
		bad("routing.rules: %s is required (it is how a lead finds a team)", RuleTeamRoundRobin)
	}
	for i, rule := range r.Rules {
		if !slices.Contains([]string{RuleExistingOwner, RuleHotOnCall, RuleTeamRoundRobin}, rule) {
			bad("routing.rules: unknown rule %q", rule)
		}
		if slices.Contains(r.Rules[:i], rule) {
			bad("routing.rules: %q is listed twice", rule)
		}
	}
	if i := slices.Index(r.Rules, RuleTeamRoundRobin); i >= 0 && i != len(r.Rules)-1 {
		bad("routing.rules: %s must come last, the rules after it would never run", RuleTeamRoundRobin)
	}
	if r.QueueEscalateAfter < 0 {
		bad("routing.queue_escalate_after: must not be negative")
	}
	p.Followups.validate(bad)
	if len(errs) > 0 {
		return errors.New(strings.Join(errs, "; "))
	}
	return nil
}

// USDPerUnit is what one unit of a currency is worth in US dollars; false when the policy does not say.
func (s *Scoring) USDPerUnit(currency string) (float64, bool) {
	r, ok := s.usd[strings.ToUpper(currency)]
	return r, ok
}
