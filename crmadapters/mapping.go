package crmadapters

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/leadflow/leadflow/internal/lead"
)

// DictionaryVersion is the version of Leadflow's field dictionary (Dictionary): a configuration
// written for another version is refused at start rather than read differently.
const DictionaryVersion = 1

// Objects a mapping writes.
const (
	ObjectContact = "contact"
	ObjectLead    = "lead"
)

// Properties are a record's values under the CRM's own property names.
type Properties map[string]any

// Source is what a mapped value is read from: the contact alone, or a lead with its contact.
type Source struct {
	Contact Contact
	Lead    *Lead // nil when a contact is mapped
	// Stage is the CRM's stage or status for the lead's status (Mapping.Stage).
	Stage string
}

// field reads one of Leadflow's values; nil means unknown, and unknown values are left out.
type field struct {
	object string // the object whose mapping may use it; contact fields serve leads too
	read   func(s Source) any
}

// Dictionary is Leadflow's field dictionary, version DictionaryVersion: every value a mapping may
// send, by the name mapping files use.
var Dictionary = map[string]field{
	"contact.id":         {ObjectContact, func(s Source) any { return s.Contact.ContactID }},
	"contact.full_name":  {ObjectContact, func(s Source) any { return str(s.Contact.Fields.FullName) }},
	"contact.first_name": {ObjectContact, func(s Source) any { return namePart(s.Contact.Fields.FullName, true) }},
	"contact.last_name":  {ObjectContact, func(s Source) any { return namePart(s.Contact.Fields.FullName, false) }},
	"contact.email":      {ObjectContact, func(s Source) any { return str(s.Contact.Fields.Email) }},
	"contact.phone":      {ObjectContact, func(s Source) any { return str(s.Contact.Fields.Phone) }},
	"contact.company":    {ObjectContact, func(s Source) any { return str(s.Contact.Fields.Company) }},
	"contact.job_title":  {ObjectContact, func(s Source) any { return str(s.Contact.Fields.JobTitle) }},
	"contact.country":    {ObjectContact, func(s Source) any { return str(s.Contact.Fields.Country) }},
	"contact.language":   {ObjectContact, func(s Source) any { return str(s.Contact.Fields.Language) }},

	"lead.id":      {ObjectLead, func(s Source) any { return s.Lead.Doc.LeadID }},
	"lead.title":   {ObjectLead, func(s Source) any { return leadTitle(s) }},
	"lead.status":  {ObjectLead, func(s Source) any { return string(s.Lead.Doc.Status) }},
	"lead.stage":   {ObjectLead, func(s Source) any { return nonEmpty(s.Stage) }},
	"lead.score":   {ObjectLead, func(s Source) any { return s.Lead.Doc.Score }},
	"lead.tier":    {ObjectLead, func(s Source) any { return nonEmpty(string(s.Lead.Doc.Tier)) }},
	"lead.intent":  {ObjectLead, func(s Source) any { return str(s.Lead.Doc.Fields.Intent) }},
	"lead.urgency": {ObjectLead, func(s Source) any { return str(s.Lead.Doc.Fields.Urgency) }},
	"lead.product_interest": {ObjectLead, func(s Source) any {
		if v := s.Lead.Doc.Fields.ProductInterest.Value; v != nil && len(*v) > 0 {
			return *v
		}
		return nil
	}},
	"lead.budget_amount": {ObjectLead, func(s Source) any {
		if v := s.Lead.Doc.Fields.Budget.Value; v != nil {
			return v.Amount
		}
		return nil
	}},
	"lead.budget_currency": {ObjectLead, func(s Source) any {
		if v := s.Lead.Doc.Fields.Budget.Value; v != nil {
			return nonEmpty(v.Currency)
		}
		return nil
	}},
	"lead.company_size":   {ObjectLead, func(s Source) any { return str(s.Lead.Doc.Fields.CompanySize) }},
	"lead.summary":        {ObjectLead, func(s Source) any { return str(s.Lead.Doc.Fields.Summary) }},
	"lead.owner_email":    {ObjectLead, func(s Source) any { return nonEmpty(s.Lead.OwnerEmail) }},
	"lead.transcript_url": {ObjectLead, func(s Source) any { return nonEmpty(s.Lead.TranscriptURL) }},
	"lead.rep_id": {ObjectLead, func(s Source) any {
		if a := s.Lead.Doc.Assignment; a != nil {
			return a.RepID
		}
		return nil
	}},
	"lead.team_id": {ObjectLead, func(s Source) any {
		if a := s.Lead.Doc.Assignment; a != nil {
			return a.TeamID
		}
		return nil
	}},
	"lead.created_at": {ObjectLead, func(s Source) any {
		if t := s.Lead.Doc.Timings.FirstMessageAt; t != nil {
			return *t
		}
		return nil
	}},
}

// Rule maps one of Leadflow's fields to one property of the CRM.
type Rule struct {
	From string `yaml:"from" json:"from"` // a Dictionary name
	To   string `yaml:"to" json:"to"`     // the CRM's property
	// Transform changes the value on the way: lower, upper, join, truncate, epoch_ms, date, map.
	Transform string `yaml:"transform,omitempty" json:"transform,omitempty"`
	// Values is map's table (Leadflow's value → the CRM's); a value missing from it is a mapping
	// error unless Default is set.
	Values map[string]string `yaml:"values,omitempty" json:"values,omitempty"`
	// Default is sent when the lead has no value (or map's table has none for it), for
	// properties the CRM requires, such as Salesforce's Lead.Company.
	Default string `yaml:"default,omitempty" json:"default,omitempty"`
	// Max is truncate's length in characters, and for any other rule the longest text the
	// property takes: a longer one is a mapping error, never cut silently.
	Max int `yaml:"max,omitempty" json:"max,omitempty"`
	// Separator joins a list (join); ";" by default, what multi-select properties take.
	Separator string `yaml:"separator,omitempty" json:"separator,omitempty"`
	// Required makes an unknown value a mapping error instead of leaving the property out.
	Required bool `yaml:"required,omitempty" json:"required,omitempty"`
}

// Mapping is how one CRM receives Leadflow's records: the rules per object and the CRM's stage
// for each lead status.
type Mapping struct {
	Contact []Rule                 `yaml:"contact" json:"contact"`
	Lead    []Rule                 `yaml:"lead" json:"lead"`
	Stages  map[lead.Status]string `yaml:"stages" json:"stages"`
}

var transforms = []string{"", "lower", "upper", "join", "truncate", "epoch_ms", "date", "map"}

// StageStatuses are the lead statuses a CRM must have a stage for: every status a lead in a CRM
// can reach. Their order is how a stage several statuses share reads back (Mapping.Status).
var StageStatuses = []lead.Status{lead.StatusProcessing, lead.StatusAssigned, lead.StatusContacted, lead.StatusQualified,
	lead.StatusWon, lead.StatusLost, lead.StatusUnqualified}

// Validate checks the mapping before anything is written with it; required names the properties
// the adapter itself relies on (its upsert keys), per object.
func (m Mapping) Validate(required map[string][]string) error {
	for _, o := range []struct {
		object string
		rules  []Rule
	}{{ObjectContact, m.Contact}, {ObjectLead, m.Lead}} {
		seen := map[string]bool{}
		for i, r := range o.rules {
			where := fmt.Sprintf("%s rule %d (%s → %s)", o.object, i+1, r.From, r.To)
			f, ok := Dictionary[r.From]
			switch {
			case !ok:
				return fmt.Errorf("%s: unknown field %q (dictionary v%d: %s)", where, r.From, DictionaryVersion, strings.Join(slices.Sorted(maps.Keys(Dictionary)), ", "))
			case o.object == ObjectContact && f.object != ObjectContact:
				return fmt.Errorf("%s: a contact cannot be given a lead's field", where)
			case strings.TrimSpace(r.To) == "":
				return fmt.Errorf("%s: no property to map to", where)
			case seen[r.To]:
				return fmt.Errorf("%s: property %q is mapped twice", where, r.To)
			case !slices.Contains(transforms, r.Transform):
				return fmt.Errorf("%s: unknown transform %q (one of %s)", where, r.Transform, strings.Join(transforms[1:], ", "))
			case r.Transform == "truncate" && r.Max <= 0:
				return fmt.Errorf("%s: truncate needs max > 0", where)
			case r.Transform == "map" && len(r.Values) == 0:
				return fmt.Errorf("%s: map needs values", where)
			case r.Max < 0:
				return fmt.Errorf("%s: max must not be negative", where)
			}
			seen[r.To] = true
		}
		for _, p := range required[o.object] {
			if !seen[p] {
				return fmt.Errorf("%s: property %q must be mapped (the adapter writes by it)", o.object, p)
			}
		}
	}
	for _, s := range StageStatuses {
		if strings.TrimSpace(m.Stages[s]) == "" {
			return fmt.Errorf("stages: no stage for status %q", s)
		}
	}
	for s := range m.Stages {
		if !slices.Contains(StageStatuses, s) {
			return fmt.Errorf("stages: %q is not a lead status a CRM holds", s)
		}
	}
	return nil
}

// Stage is the CRM's stage for a lead status ("" for a status with none, e.g. new).
func (m Mapping) Stage(s lead.Status) string { return m.Stages[s] }

// Status is the lead status a CRM stage stands for, for stage changes made inside the CRM. A
// stage several statuses share reads as the first of them in StageStatuses' order: the least a
// rep can have meant (Salesforce's "Working - Contacted" is contacted, not qualified), and a
// closed-lost stage is lost rather than unqualified.
func (m Mapping) Status(stage string) (lead.Status, bool) {
	for _, s := range StageStatuses {
		if m.Stages[s] == stage {
			return s, true
		}
	}
	return "", false
}

// ContactProperties maps a contact.
func (m Mapping) ContactProperties(crm string, c Contact) (Properties, error) {
	return apply(crm, m.Contact, Source{Contact: c})
}

// LeadProperties maps a lead, with its contact's fields available too.
func (m Mapping) LeadProperties(crm string, l Lead) (Properties, error) {
	c := Contact{ContactID: l.Doc.ContactID, Fields: l.Doc.Fields}
	return apply(crm, m.Lead, Source{Contact: c, Lead: &l, Stage: m.Stage(l.Doc.Status)})
}

func apply(crm string, rules []Rule, s Source) (Properties, error) {
	out := Properties{}
	for _, r := range rules {
		v, err := r.value(Dictionary[r.From].read(s))
		if err != nil {
			return nil, &MappingError{CRM: crm, Field: r.From, Property: r.To, Reason: err.Error()}
		}
		if v == nil && r.Default != "" {
			v = r.Default
		}
		if v == nil {
			if r.Required {
				return nil, &MappingError{CRM: crm, Field: r.From, Property: r.To, Reason: "required, but the lead has no value"}
			}
			continue
		}
		out[r.To] = v
	}
	return out, nil
}

// value runs the rule's transform; nil in, nil out.
func (r Rule) value(v any) (any, error) {
	if v == nil {
		return nil, nil
	}
	switch r.Transform {
	case "lower", "upper":
		s, err := text(v)
		if err != nil {
			return nil, err
		}
		if r.Transform == "lower" {
			v = strings.ToLower(s)
		} else {
			v = strings.ToUpper(s)
		}
	case "join":
		list, ok := v.([]string)
		if !ok {
			return nil, fmt.Errorf("join needs a list, got %T", v)
		}
		sep := r.Separator
		if sep == "" {
			sep = ";"
		}
		v = strings.Join(list, sep)
	case "truncate":
		s, err := text(v)
		if err != nil {
			return nil, err
		}
		if utf8.RuneCountInString(s) > r.Max {
			s = string([]rune(s)[:r.Max])
		}
		return s, nil
	case "epoch_ms", "date":
		t, ok := v.(time.Time)
		if !ok {
			return nil, fmt.Errorf("%s needs a time, got %T", r.Transform, v)
		}
		if r.Transform == "date" {
			return t.UTC().Format(time.DateOnly), nil
		}
		return t.UnixMilli(), nil
	case "map":
		s, err := text(v)
		if err != nil {
			return nil, err
		}
		mapped, ok := r.Values[s]
		if !ok {
			if r.Default == "" {
				// The value is not named: a map rule may be given a personal field.
				return nil, errors.New("the value is not in the rule's values")
			}
			mapped = r.Default
		}
		v = mapped
	}
	if t, ok := v.(time.Time); ok {
		v = t.UTC().Format(time.RFC3339)
	}
	if s, ok := v.(string); ok && r.Max > 0 && utf8.RuneCountInString(s) > r.Max {
		return nil, fmt.Errorf("%d characters, the property takes %d", utf8.RuneCountInString(s), r.Max)
	}
	if list, ok := v.([]string); ok {
		v = strings.Join(list, ";") // a list reaches a CRM as a multi-select's text
	}
	return v, nil
}

func text(v any) (string, error) {
	s, ok := v.(string)
	if !ok {
		return "", fmt.Errorf("needs a text, got %T", v)
	}
	return s, nil
}

func str[T ~string](f lead.Field[T]) any {
	if f.Value == nil || *f.Value == "" {
		return nil
	}
	return string(*f.Value)
}

func nonEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// namePart splits a full name at its last space: CRMs that want first and last names get the
// whole name as the last name when it is one word, since last name is the one they require.
func namePart(f lead.Field[string], first bool) any {
	if f.Value == nil || strings.TrimSpace(*f.Value) == "" {
		return nil
	}
	name := strings.TrimSpace(*f.Value)
	i := strings.LastIndexByte(name, ' ')
	if first {
		if i < 0 {
			return nil
		}
		return strings.TrimSpace(name[:i])
	}
	return name[i+1:]
}

// leadTitle names a deal the way reps scan a pipeline: who, then what they want.
func leadTitle(s Source) any {
	f := s.Lead.Doc.Fields
	who := str(f.Company)
	if who == nil {
		who = str(f.FullName)
	}
	if who == nil {
		who = "Lead " + s.Lead.Doc.LeadID
	}
	what := "enquiry"
	if f.Intent.Value != nil {
		what = strings.ReplaceAll(string(*f.Intent.Value), "_", " ")
	}
	return fmt.Sprintf("%s: %s", who, what)
}
