package salesforce

import (
	"fmt"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
)

// Fields the adapter itself writes and reads by. The three external IDs are custom fields an admin
// adds for Leadflow (Text, External ID, Unique).
const (
	contactKeyField = "Leadflow_Contact_Id__c" // Contact: Leadflow's contact id
	leadKeyField    = "Leadflow_Id__c"         // Lead: Leadflow's lead id
	taskKeyField    = "Leadflow_Key__c"        // Task: the task's key
	statusField     = "Status"                 // Lead: the status picklist, the lead's stage
)

// Required are the properties a mapping must write: the external IDs contacts and leads are
// upserted by, the Status ReadLeads and ChangedSince read as the stage, and the fields Salesforce
// itself requires (LastName; a lead's Company), so a mapping without them is refused at start
// rather than by every write.
var Required = map[string][]string{
	crmadapters.ObjectContact: {contactKeyField, "LastName"},
	crmadapters.ObjectLead:    {leadKeyField, statusField, "LastName", "Company"},
}

// notProvided fills a required field the lead has no value for, as Salesforce's own Web-to-Lead
// does, so a lead without a company or a surname is still written.
const notProvided = "[not provided]"

// DefaultMapping writes standard fields only (besides the external IDs), with Salesforce's field
// lengths as Max, so a value too long is a mapping error rather than a refused write. Stages are
// the values of Lead Status's default picklist; an org with its own statuses maps its own.
func DefaultMapping() crmadapters.Mapping {
	return crmadapters.Mapping{
		Contact: []crmadapters.Rule{
			{From: "contact.id", To: contactKeyField, Max: 255},
			{From: "contact.first_name", To: "FirstName", Max: 40},
			{From: "contact.last_name", To: "LastName", Max: 80, Default: notProvided},
			{From: "contact.email", To: "Email", Max: 80},
			{From: "contact.phone", To: "Phone", Max: 40},
			{From: "contact.job_title", To: "Title", Max: 128},
			{From: "contact.country", To: "MailingCountry", Max: 80},
		},
		Lead: []crmadapters.Rule{
			{From: "lead.id", To: leadKeyField, Max: 255},
			{From: "lead.stage", To: statusField},
			{From: "contact.first_name", To: "FirstName", Max: 40},
			{From: "contact.last_name", To: "LastName", Max: 80, Default: notProvided},
			{From: "contact.company", To: "Company", Max: 255, Default: notProvided},
			{From: "contact.email", To: "Email", Max: 80},
			{From: "contact.phone", To: "Phone", Max: 40},
			{From: "contact.job_title", To: "Title", Max: 128},
			{From: "contact.country", To: "Country", Max: 80},
			{From: "lead.tier", To: "Rating", Transform: "map", Values: map[string]string{
				string(lead.TierHot): "Hot", string(lead.TierWarm): "Warm", string(lead.TierCold): "Cold"}},
			{From: "lead.summary", To: "Description", Max: 32000},
		},
		Stages: map[lead.Status]string{
			lead.StatusProcessing:  "Open - Not Contacted",
			lead.StatusAssigned:    "Open - Not Contacted",
			lead.StatusContacted:   "Working - Contacted",
			lead.StatusQualified:   "Working - Contacted",
			lead.StatusUnqualified: "Closed - Not Converted",
			lead.StatusWon:         "Closed - Converted",
			lead.StatusLost:        "Closed - Not Converted",
		},
	}
}

// checkKeyRules checks what Mapping.Validate cannot: that the fields the adapter writes and reads
// by hold the values it means, untransformed. The upsert URL carries Leadflow's id itself,
// ReadLeads matches it, and RecordOutcome writes Mapping.Stage as the status.
func checkKeyRules(m crmadapters.Mapping) error {
	for _, want := range []struct {
		object   string
		rules    []crmadapters.Rule
		to, from string
	}{
		{crmadapters.ObjectContact, m.Contact, contactKeyField, "contact.id"},
		{crmadapters.ObjectLead, m.Lead, leadKeyField, "lead.id"},
		{crmadapters.ObjectLead, m.Lead, statusField, "lead.stage"},
	} {
		for _, r := range want.rules {
			if r.To == want.to && (r.From != want.from || r.Transform != "" || r.Default != "") {
				return fmt.Errorf("%s mapping: %s property %s must be mapped from %s, without a transform or a default",
					name, want.object, want.to, want.from)
			}
		}
	}
	return nil
}
