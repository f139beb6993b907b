package crmadapters_test

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/internal/lead"
)

func stages() map[lead.Status]string {
	return map[lead.Status]string{lead.StatusProcessing: "new", lead.StatusAssigned: "new", lead.StatusContacted: "working",
		lead.StatusQualified: "qualified", lead.StatusUnqualified: "closed_lost", lead.StatusWon: "closed_won", lead.StatusLost: "closed_lost"}
}

func TestRulesTransformValues(t *testing.T) {
	l := crmtest.SampleLead("l-1", "c-1", 0) // Sara Ahmadi, IR, demo_request, 5000 USD
	cases := []struct {
		name string
		rule crmadapters.Rule
		want any
		err  string
	}{
		{"plain text", crmadapters.Rule{From: "contact.email", To: "email"}, "sara@parsian.example", ""},
		{"first name", crmadapters.Rule{From: "contact.first_name", To: "firstname"}, "Sara", ""},
		{"last name", crmadapters.Rule{From: "contact.last_name", To: "lastname"}, "Ahmadi", ""},
		{"upper", crmadapters.Rule{From: "contact.country", To: "c", Transform: "lower"}, "ir", ""},
		{"number", crmadapters.Rule{From: "lead.budget_amount", To: "amount"}, 5000.0, ""},
		{"list joined", crmadapters.Rule{From: "lead.product_interest", To: "p", Transform: "join", Separator: ","}, "crm-integration", ""},
		{"date", crmadapters.Rule{From: "lead.created_at", To: "d", Transform: "date"}, "2026-11-01", ""},
		{"epoch ms", crmadapters.Rule{From: "lead.created_at", To: "d", Transform: "epoch_ms"}, time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC).UnixMilli(), ""},
		{"time as RFC 3339", crmadapters.Rule{From: "lead.created_at", To: "d"}, "2026-11-01T09:00:00Z", ""},
		{"map", crmadapters.Rule{From: "lead.intent", To: "type", Transform: "map", Values: map[string]string{"demo_request": "Demo"}}, "Demo", ""},
		{"map default", crmadapters.Rule{From: "lead.intent", To: "type", Transform: "map", Values: map[string]string{"x": "X"}, Default: "Other"}, "Other", ""},
		{"map unknown value", crmadapters.Rule{From: "lead.intent", To: "type", Transform: "map", Values: map[string]string{"x": "X"}}, nil, "the value is not in the rule's values"},
		{"truncate", crmadapters.Rule{From: "lead.summary", To: "s", Transform: "truncate", Max: 6}, "Wants ", ""},
		{"too long is an error, never cut", crmadapters.Rule{From: "lead.summary", To: "s", Max: 6}, nil, "the property takes 6"},
		{"unknown value left out", crmadapters.Rule{From: "lead.urgency", To: "u"}, nil, ""},
		{"unknown value with a default", crmadapters.Rule{From: "lead.urgency", To: "u", Default: "normal"}, "normal", ""},
		{"required unknown value", crmadapters.Rule{From: "lead.urgency", To: "u", Required: true}, nil, "required"},
		{"stage", crmadapters.Rule{From: "lead.stage", To: "dealstage"}, "new", ""},
		{"title", crmadapters.Rule{From: "lead.title", To: "dealname"}, "Parsian Logistics: demo request", ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := crmadapters.Mapping{Lead: []crmadapters.Rule{c.rule}, Stages: stages()}
			props, err := m.LeadProperties("test", l)
			if c.err != "" {
				var me *crmadapters.MappingError
				if !errors.As(err, &me) || !strings.Contains(err.Error(), c.err) {
					t.Fatalf("err = %v, want a mapping error with %q", err, c.err)
				}
				if me.Field != c.rule.From || me.Property != c.rule.To || crmadapters.Retryable(err) {
					t.Fatalf("mapping error %+v: wrong field or retryable", me)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			got, ok := props[c.rule.To]
			if c.want == nil {
				if ok {
					t.Fatalf("property %s = %v, want it left out", c.rule.To, got)
				}
				return
			}
			if got != c.want {
				t.Fatalf("property %s = %#v, want %#v", c.rule.To, got, c.want)
			}
		})
	}
}

func TestMappingValidate(t *testing.T) {
	ok := crmadapters.Mapping{Contact: []crmadapters.Rule{{From: "contact.id", To: "leadflow_contact_id"}},
		Lead: []crmadapters.Rule{{From: "lead.id", To: "leadflow_lead_id"}, {From: "contact.email", To: "email"}}, Stages: stages()}
	required := map[string][]string{crmadapters.ObjectContact: {"leadflow_contact_id"}, crmadapters.ObjectLead: {"leadflow_lead_id"}}
	if err := ok.Validate(required); err != nil {
		t.Fatalf("a good mapping: %v", err)
	}
	cases := []struct {
		name   string
		change func(m *crmadapters.Mapping)
		want   string
	}{
		{"unknown field", func(m *crmadapters.Mapping) { m.Lead[1].From = "lead.colour" }, `unknown field "lead.colour"`},
		{"lead field on a contact", func(m *crmadapters.Mapping) {
			m.Contact = append(m.Contact, crmadapters.Rule{From: "lead.score", To: "score"})
		}, "a contact cannot be given a lead's field"},
		{"no property", func(m *crmadapters.Mapping) { m.Lead[1].To = " " }, "no property"},
		{"mapped twice", func(m *crmadapters.Mapping) { m.Lead[1].To = "leadflow_lead_id" }, "mapped twice"},
		{"unknown transform", func(m *crmadapters.Mapping) { m.Lead[1].Transform = "reverse" }, `unknown transform "reverse"`},
		{"truncate without max", func(m *crmadapters.Mapping) { m.Lead[1].Transform = "truncate" }, "truncate needs max"},
		{"map without values", func(m *crmadapters.Mapping) { m.Lead[1].Transform = "map" }, "map needs values"},
		{"key not mapped", func(m *crmadapters.Mapping) { m.Contact = nil }, `"leadflow_contact_id" must be mapped`},
		{"status without a stage", func(m *crmadapters.Mapping) { delete(m.Stages, lead.StatusWon) }, `no stage for status "won"`},
		{"stage for a status no CRM holds", func(m *crmadapters.Mapping) { m.Stages[lead.StatusNoLead] = "x" }, `"no_lead" is not a lead status`},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			m := ok
			m.Contact = append([]crmadapters.Rule(nil), ok.Contact...)
			m.Lead = append([]crmadapters.Rule(nil), ok.Lead...)
			m.Stages = stages()
			c.change(&m)
			if err := m.Validate(required); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("Validate = %v, want %q", err, c.want)
			}
		})
	}
}

func TestSharedStageReadsBackAsTheLeastItCanMean(t *testing.T) {
	m := crmadapters.Mapping{Stages: stages()}
	m.Stages[lead.StatusQualified] = "working"
	for stage, want := range map[string]lead.Status{"closed_lost": lead.StatusLost, "closed_won": lead.StatusWon, "new": lead.StatusProcessing, "working": lead.StatusContacted} {
		if got, ok := m.Status(stage); !ok || got != want {
			t.Errorf("Status(%q) = %q, %t; want %q", stage, got, ok, want)
		}
	}
	if _, ok := m.Status("appointmentscheduled"); ok {
		t.Error("a stage the mapping does not name read as a status")
	}
}

func TestParseFile(t *testing.T) {
	good := "version: 1\ncrms:\n  hubspot:\n    base_url: https://api.hubapi.com\n    credentials: {token: HUBSPOT_TOKEN}\n"
	f, err := crmadapters.ParseFile([]byte(good))
	if err != nil || f.CRMs["hubspot"].Credentials["token"] != "HUBSPOT_TOKEN" {
		t.Fatalf("ParseFile = %+v, %v", f, err)
	}
	for name, c := range map[string]struct{ file, want string }{
		"other version":        {"version: 2\ncrms: {}\n", "version 2"},
		"unknown key":          {"version: 1\ncrms: {}\ncolour: red\n", "colour"},
		"unknown crm":          {"version: 1\ncrms:\n  dynamics: {base_url: https://x}\n", `unknown CRM "dynamics"`},
		"not a url":            {"version: 1\ncrms:\n  zoho: {base_url: ftp://x}\n", "base_url"},
		"a secret in the file": {"version: 1\ncrms:\n  zoho: {base_url: https://x, credentials: {refresh_token: 1000.abc.def}}\n", "must name an environment variable"},
	} {
		if _, err := crmadapters.ParseFile([]byte(c.file)); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: ParseFile = %v, want %q", name, err, c.want)
		}
	}
	s := f.CRMs["hubspot"]
	if _, err := s.Credential("hubspot", "token", func(string) string { return "" }); err == nil || !strings.Contains(err.Error(), "HUBSPOT_TOKEN") {
		t.Errorf("a missing secret: %v", err)
	}
	if v, err := s.Credential("hubspot", "token", func(k string) string { return map[string]string{"HUBSPOT_TOKEN": "pat-1"}[k] }); err != nil || v != "pat-1" {
		t.Errorf("Credential = %q, %v", v, err)
	}
}
