package pipedrive_test

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/pipedrive"
	"github.com/leadflow/leadflow/internal/lead"
)

func TestNewRefusesBadSettings(t *testing.T) {
	mapping := func(edit func(m *crmadapters.Mapping)) func(s *crmadapters.Settings) {
		return func(s *crmadapters.Settings) {
			m := pipedrive.DefaultMapping()
			edit(&m)
			s.Mapping = &m
		}
	}
	tests := []struct {
		name  string
		edit  func(s *crmadapters.Settings)
		noIDs bool
		want  string // part of the error
	}{
		{"no token configured", func(s *crmadapters.Settings) { s.Credentials = nil }, false, "credentials.api_token is not configured"},
		{"token not set", func(s *crmadapters.Settings) { s.Credentials["api_token"] = "UNSET_VAR" }, false, "UNSET_VAR (credentials.api_token) is not set"},
		{"no contact key field", func(s *crmadapters.Settings) { delete(s.Options, "contact_key_field") }, false, "options.contact_key_field is required"},
		{"lead key field not a key", func(s *crmadapters.Settings) { s.Options["lead_key_field"] = "Leadflow lead id" }, false, "options.lead_key_field must be a custom field key"},
		{"pipeline not a number", func(s *crmadapters.Settings) { s.Options["pipeline_id"] = "sales" }, false, "options.pipeline_id must be a pipeline id"},
		{"pipeline zero", func(s *crmadapters.Settings) { s.Options["pipeline_id"] = "0" }, false, "options.pipeline_id"},
		{"unknown option", func(s *crmadapters.Settings) { s.Options["pipline_id"] = "1" }, false, `unknown option "pipline_id"`},
		{"base URL not http", func(s *crmadapters.Settings) { s.BaseURL = "api.pipedrive.com" }, false, "base_url must be an http(s) URL"},
		{"no id map", func(*crmadapters.Settings) {}, true, "an id map is required"},
		{"contact key unmapped", mapping(func(m *crmadapters.Mapping) { m.Contact = m.Contact[1:] }), false, `property "leadflow_contact_id" must be mapped`},
		{"stage unmapped", mapping(func(m *crmadapters.Mapping) { m.Lead = m.Lead[:2] }), false, `property "stage_id" must be mapped`},
		{"lead key from another field", mapping(func(m *crmadapters.Mapping) { m.Lead[0].From = "lead.title" }), false, "leadflow_lead_id must be mapped from lead.id"},
		{"contact key transformed", mapping(func(m *crmadapters.Mapping) { m.Contact[0].Transform = "upper" }), false, "without a transform"},
		{"key field mapped directly", mapping(func(m *crmadapters.Mapping) {
			m.Contact = append(m.Contact, crmadapters.Rule{From: "contact.id", To: contactField})
		}), false, "written through leadflow_contact_id"},
		{"status mapped", mapping(func(m *crmadapters.Mapping) {
			m.Lead = append(m.Lead, crmadapters.Rule{From: "lead.status", To: "status"})
		}), false, "status is set by the adapter"},
		{"stage neither won, lost nor an id", mapping(func(m *crmadapters.Mapping) { m.Stages[lead.StatusQualified] = "Qualified" }), false, `stage "Qualified" is neither`},
		{"stage missing", mapping(func(m *crmadapters.Mapping) { delete(m.Stages, lead.StatusWon) }), false, `no stage for status "won"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings()
			tt.edit(&s)
			var ids crmadapters.IDs = &crmtest.MemoryIDs{}
			if tt.noIDs {
				ids = nil
			}
			a, err := pipedrive.New(s, getenv, ids, nil)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("New = %v, %v; want an error with %q", a, err, tt.want)
			}
			if strings.Contains(err.Error(), token) {
				t.Errorf("the error carries the token: %v", err)
			}
		})
	}
}

func TestNewAcceptsDefaults(t *testing.T) {
	s := settings()
	s.Options["pipeline_id"] = "3"
	a, err := pipedrive.New(s, getenv, &crmtest.MemoryIDs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	if a.Name() != "pipedrive" {
		t.Errorf("Name = %q", a.Name())
	}
}
