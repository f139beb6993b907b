package zoho

import (
	"fmt"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
)

// The custom fields Leadflow owns in Zoho, each marked "Do not allow duplicate values" in the
// module's layout: the contact and deal upserts check duplicates by them, and the task's is what a
// retry searches for.
const (
	contactKey = "Leadflow_Contact_Id" // Contacts
	leadKey    = "Leadflow_Id"         // Deals
	taskKey    = "Leadflow_Key"        // Tasks
)

// contactLink is the Deals lookup that ties a deal to its contact; the adapter sets it from
// Lead.ContactRef, so no mapping may write it.
const contactLink = "Contact_Name"

// Required are the properties the adapter writes by: the duplicate-check keys, and what Zoho will
// not create a deal without (Deal_Name, Stage).
var Required = map[string][]string{
	crmadapters.ObjectContact: {contactKey},
	crmadapters.ObjectLead:    {leadKey, "Deal_Name", "Stage"},
}

// DefaultMapping writes contacts to the standard Contacts fields and leads as deals of the
// standard pipeline. Zoho will not create a contact without Last_Name, so a lead known only by
// phone is filed under "Unknown" until the chatbot learns a name.
func DefaultMapping() crmadapters.Mapping {
	return crmadapters.Mapping{
		Contact: []crmadapters.Rule{
			{From: "contact.id", To: contactKey, Required: true},
			{From: "contact.first_name", To: "First_Name", Max: 40},
			{From: "contact.last_name", To: "Last_Name", Max: 80, Default: "Unknown"},
			{From: "contact.email", To: "Email", Max: 100},
			{From: "contact.phone", To: "Phone", Max: 30},
			{From: "contact.job_title", To: "Title", Max: 100},
			{From: "contact.country", To: "Mailing_Country", Max: 100},
		},
		Lead: []crmadapters.Rule{
			{From: "lead.id", To: leadKey, Required: true},
			{From: "lead.title", To: "Deal_Name", Transform: "truncate", Max: 120, Required: true},
			{From: "lead.stage", To: "Stage", Required: true},
			{From: "lead.budget_amount", To: "Amount"},
			{From: "lead.summary", To: "Description", Max: 32000},
		},
		// The stages of Zoho's standard pipeline, in the order a deal moves through them.
		Stages: map[lead.Status]string{
			lead.StatusProcessing:  "Qualification",
			lead.StatusAssigned:    "Qualification",
			lead.StatusContacted:   "Needs Analysis",
			lead.StatusQualified:   "Value Proposition",
			lead.StatusUnqualified: "Closed Lost",
			lead.StatusWon:         "Closed Won",
			lead.StatusLost:        "Closed Lost",
		},
	}
}

// checkKeys makes sure the keys are fed by Leadflow's ids (a key mapped from a name would merge
// strangers' records) and finds the property the stage is written to.
func checkKeys(m crmadapters.Mapping) (stage crmadapters.Rule, err error) {
	for _, r := range m.Contact {
		if r.To == contactKey && r.From != "contact.id" {
			return stage, fmt.Errorf("%s mapping: contact property %q must be mapped from contact.id", name, contactKey)
		}
	}
	found := false
	for _, r := range m.Lead {
		switch {
		case r.To == leadKey && r.From != "lead.id":
			return stage, fmt.Errorf("%s mapping: lead property %q must be mapped from lead.id", name, leadKey)
		case r.To == contactLink:
			return stage, fmt.Errorf("%s mapping: lead property %q is the adapter's link to the contact", name, contactLink)
		case r.From == "lead.stage":
			stage, found = r, true
		}
	}
	if !found {
		return stage, fmt.Errorf("%s mapping: no lead rule maps lead.stage (outcomes are written through it)", name)
	}
	return stage, nil
}
