package hubspot

import (
	"fmt"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
)

// HubSpot properties the adapter itself relies on.
const (
	// contactKey and leadKey are Leadflow's keys: custom properties with unique values that
	// batch upserts find records by.
	contactKey = "leadflow_contact_id"
	leadKey    = "leadflow_lead_id"
	// stageProperty is the deal's stage in its pipeline, which outcomes move and webhooks report.
	stageProperty    = "dealstage"
	pipelineProperty = "pipeline"
	ownerProperty    = "hubspot_owner_id"
)

// Required are the properties every HubSpot mapping must write: the upsert keys, and the stage
// HubSpot refuses to create a deal without.
var Required = map[string][]string{
	crmadapters.ObjectContact: {contactKey},
	crmadapters.ObjectLead:    {leadKey, stageProperty},
}

// keySources are the Leadflow fields the required properties must be read from, unchanged: a
// key mapped from anything else would upsert into the wrong record.
var keySources = map[string]string{contactKey: "contact.id", leadKey: "lead.id", stageProperty: "lead.stage"}

func checkKeys(m crmadapters.Mapping) error {
	for _, rules := range [][]crmadapters.Rule{m.Contact, m.Lead} {
		for _, r := range rules {
			if from, ok := keySources[r.To]; ok && (r.From != from || r.Transform != "" || r.Default != "") {
				return fmt.Errorf("hubspot mapping: %s must be mapped from %s, without transform or default", r.To, from)
			}
		}
	}
	return nil
}

// DefaultMapping writes contacts to HubSpot's standard contact properties and leads to deals of
// the default sales pipeline; what HubSpot has no standard property for goes to leadflow_*
// custom properties. The stages are the default pipeline's: a rejected lead is closed lost, as
// HubSpot has no stage for it.
func DefaultMapping() crmadapters.Mapping {
	return crmadapters.Mapping{
		Contact: []crmadapters.Rule{
			{From: "contact.id", To: contactKey},
			{From: "contact.first_name", To: "firstname"},
			{From: "contact.last_name", To: "lastname"},
			{From: "contact.email", To: "email", Transform: "lower"},
			{From: "contact.phone", To: "phone"},
			{From: "contact.company", To: "company"},
			{From: "contact.job_title", To: "jobtitle"},
			{From: "contact.country", To: "country"},
			{From: "contact.language", To: "hs_language", Transform: "lower"},
		},
		Lead: []crmadapters.Rule{
			{From: "lead.id", To: leadKey},
			{From: "lead.title", To: "dealname", Transform: "truncate", Max: 255},
			{From: "lead.stage", To: stageProperty},
			{From: "lead.budget_amount", To: "amount"},
			{From: "lead.budget_currency", To: "deal_currency_code", Transform: "upper"},
			{From: "lead.summary", To: "description", Transform: "truncate", Max: 65536},
			{From: "lead.score", To: "leadflow_score"},
			{From: "lead.tier", To: "leadflow_tier"},
			{From: "lead.intent", To: "leadflow_intent"},
			{From: "lead.urgency", To: "leadflow_urgency"},
			{From: "lead.product_interest", To: "leadflow_product_interest", Transform: "join"},
			{From: "lead.transcript_url", To: "leadflow_transcript_url"},
		},
		Stages: map[lead.Status]string{
			lead.StatusProcessing:  "appointmentscheduled",
			lead.StatusAssigned:    "appointmentscheduled",
			lead.StatusContacted:   "qualifiedtobuy",
			lead.StatusQualified:   "presentationscheduled",
			lead.StatusUnqualified: "closedlost",
			lead.StatusWon:         "closedwon",
			lead.StatusLost:        "closedlost",
		},
	}
}
