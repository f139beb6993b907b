package hubspot_test

import (
	"slices"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/hubspot"
	"github.com/leadflow/leadflow/internal/lead"
)

func TestNew(t *testing.T) {
	withRule := func(object string, r crmadapters.Rule) func(*crmadapters.Settings) {
		return func(s *crmadapters.Settings) {
			m := hubspot.DefaultMapping()
			if object == crmadapters.ObjectContact {
				m.Contact = append(m.Contact, r)
			} else {
				m.Lead = append(m.Lead, r)
			}
			s.Mapping = &m
		}
	}
	withoutRule := func(property string) func(*crmadapters.Settings) {
		return func(s *crmadapters.Settings) {
			m := hubspot.DefaultMapping()
			drop := func(r crmadapters.Rule) bool { return r.To == property }
			m.Contact = slices.DeleteFunc(m.Contact, drop)
			m.Lead = slices.DeleteFunc(m.Lead, drop)
			s.Mapping = &m
		}
	}
	tests := []struct {
		name   string
		change func(*crmadapters.Settings)
		ids    crmadapters.IDs
		err    string // "" for settings New accepts
	}{
		{"default", func(*crmadapters.Settings) {}, &crmtest.MemoryIDs{}, ""},
		{"no webhook", func(s *crmadapters.Settings) {
			delete(s.Credentials, "webhook_secret")
			delete(s.Options, "webhook_url")
		}, &crmtest.MemoryIDs{}, ""},
		{"pipeline and time zone", func(s *crmadapters.Settings) { s.Options["pipeline"] = "123"; s.Options["timezone"] = "UTC" }, &crmtest.MemoryIDs{}, ""},
		{"no id map", func(*crmadapters.Settings) {}, nil, "id map"},
		{"token not configured", func(s *crmadapters.Settings) { delete(s.Credentials, "token") }, &crmtest.MemoryIDs{}, "credentials.token is not configured"},
		{"token not in the environment", func(s *crmadapters.Settings) { s.Credentials["token"] = "UNSET" }, &crmtest.MemoryIDs{}, "UNSET (credentials.token) is not set"},
		{"unknown credential", func(s *crmadapters.Settings) { s.Credentials["api_key"] = "X" }, &crmtest.MemoryIDs{}, "unknown credentials.api_key"},
		{"unknown option", func(s *crmadapters.Settings) { s.Options["pipline"] = "default" }, &crmtest.MemoryIDs{}, "unknown options.pipline"},
		{"empty pipeline", func(s *crmadapters.Settings) { s.Options["pipeline"] = " " }, &crmtest.MemoryIDs{}, "options.pipeline"},
		{"unknown time zone", func(s *crmadapters.Settings) { s.Options["timezone"] = "Mars/Olympus" }, &crmtest.MemoryIDs{}, "options.timezone"},
		{"bad base URL", func(s *crmadapters.Settings) { s.BaseURL = "api.hubapi.com" }, &crmtest.MemoryIDs{}, "base_url"},
		{"webhook secret without URL", func(s *crmadapters.Settings) { delete(s.Options, "webhook_url") }, &crmtest.MemoryIDs{}, "go together"},
		{"webhook URL without secret", func(s *crmadapters.Settings) { delete(s.Credentials, "webhook_secret") }, &crmtest.MemoryIDs{}, "go together"},
		{"relative webhook URL", func(s *crmadapters.Settings) { s.Options["webhook_url"] = "/v1/crm/hubspot/events" }, &crmtest.MemoryIDs{}, "webhook_url"},
		{"webhook secret not in the environment", func(s *crmadapters.Settings) { s.Credentials["webhook_secret"] = "UNSET" }, &crmtest.MemoryIDs{}, "UNSET"},
		{"mapping without the contact key", withoutRule("leadflow_contact_id"), &crmtest.MemoryIDs{}, `"leadflow_contact_id" must be mapped`},
		{"mapping without the stage", withoutRule("dealstage"), &crmtest.MemoryIDs{}, `"dealstage" must be mapped`},
		{"lead key from another field", func(s *crmadapters.Settings) {
			withoutRule("leadflow_lead_id")(s)
			s.Mapping.Lead = append(s.Mapping.Lead, crmadapters.Rule{From: "lead.rep_id", To: "leadflow_lead_id"})
		}, &crmtest.MemoryIDs{}, "leadflow_lead_id must be mapped from lead.id"},
		{"contact key transformed", func(s *crmadapters.Settings) {
			withoutRule("leadflow_contact_id")(s)
			s.Mapping.Contact = append(s.Mapping.Contact, crmadapters.Rule{From: "contact.id", To: "leadflow_contact_id", Transform: "upper"})
		}, &crmtest.MemoryIDs{}, "leadflow_contact_id must be mapped from contact.id"},
		{"unknown field", withRule(crmadapters.ObjectLead, crmadapters.Rule{From: "lead.mood", To: "mood"}), &crmtest.MemoryIDs{}, "unknown field"},
		{"a status without a stage", func(s *crmadapters.Settings) {
			m := hubspot.DefaultMapping()
			delete(m.Stages, lead.StatusWon)
			s.Mapping = &m
		}, &crmtest.MemoryIDs{}, `no stage for status "won"`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := settings("https://api.hubapi.com")
			tt.change(&s)
			a, err := hubspot.New(s, getenv, tt.ids, nil)
			switch {
			case tt.err == "" && err != nil:
				t.Fatalf("New: %v", err)
			case tt.err == "" && a.Name() != "hubspot":
				t.Fatalf("Name = %q", a.Name())
			case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
				t.Fatalf("New: %v, want an error with %q", err, tt.err)
			case err != nil && (strings.Contains(err.Error(), token) || strings.Contains(err.Error(), webhookSecret)):
				t.Fatalf("the error carries a secret: %v", err)
			}
		})
	}
}

// The default mapping has a stage for every status a lead in HubSpot can reach, and reads the
// webhook's stages back into the furthest status they stand for.
func TestDefaultMappingStages(t *testing.T) {
	m := hubspot.DefaultMapping()
	if err := m.Validate(hubspot.Required); err != nil {
		t.Fatal(err)
	}
	for stage, want := range map[string]lead.Status{"closedwon": lead.StatusWon, "closedlost": lead.StatusLost, "qualifiedtobuy": lead.StatusContacted} {
		if got, ok := m.Status(stage); !ok || got != want {
			t.Errorf("Status(%q) = %q, want %q", stage, got, want)
		}
	}
}
