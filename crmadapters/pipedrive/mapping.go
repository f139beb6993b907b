package pipedrive

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
)

// Properties a mapping names that the adapter turns into what Pipedrive takes. Every other
// property is sent as mapped: a standard field, or a custom field by its 40-character key.
const (
	// ContactKeyProperty holds Leadflow's contact id; it is written to the person custom field
	// OptionContactKeyField names, since a default mapping cannot know an account's field keys.
	ContactKeyProperty = "leadflow_contact_id"
	// LeadKeyProperty holds Leadflow's lead id, written to the deal field OptionLeadKeyField names.
	LeadKeyProperty = "leadflow_lead_id"
	// StageProperty holds the deal's stage as the Stages convention writes it (StageWon,
	// StageLost or a stage id); the adapter splits it into Pipedrive's stage_id and status.
	StageProperty = "stage_id"
	// OrganizationProperty holds a company name; the adapter sends the id of the organization of
	// that name, finding or creating it.
	OrganizationProperty = "org_id"
)

// The Stages convention. Pipedrive's stages are numbered and belong to a pipeline, while won and
// lost are the deal's status, not stages. A mapping's stage is therefore either StageWon or
// StageLost (the deal's status; its stage is left as it is) or a stage id in decimal (the deal
// moves there and is open). Fake servers and ReadLeads report a deal's stage the same way.
const (
	StageWon  = "won"
	StageLost = "lost"
)

// Required are the properties the adapter relies on: the keys it finds records by, the stage it
// moves deals with, and the fields Pipedrive refuses a person or a deal without.
var Required = map[string][]string{
	crmadapters.ObjectContact: {ContactKeyProperty, "name"},
	crmadapters.ObjectLead:    {LeadKeyProperty, "title", StageProperty},
}

// reserved are deal properties the adapter sets itself.
var reserved = []string{"status", "person_id", "pipeline_id"}

// DefaultMapping writes the standard fields every Pipedrive account has; Leadflow's other values
// need custom fields, whose keys differ per account, so a configured mapping adds them. Stages
// follow Pipedrive's default pipeline (1 Qualified, 2 Contact made, 3 Demo scheduled, …);
// unqualified leads are lost deals, as Pipedrive has no stage for them.
func DefaultMapping() crmadapters.Mapping {
	return crmadapters.Mapping{
		Contact: []crmadapters.Rule{
			{From: "contact.id", To: ContactKeyProperty, Required: true},
			// Pipedrive refuses a nameless person; a phone-only visitor still needs a call.
			{From: "contact.full_name", To: "name", Default: "Unknown", Max: 255},
			{From: "contact.email", To: "email"},
			{From: "contact.phone", To: "phone"},
			{From: "contact.company", To: OrganizationProperty},
		},
		Lead: []crmadapters.Rule{
			{From: "lead.id", To: LeadKeyProperty, Required: true},
			{From: "lead.title", To: "title", Transform: "truncate", Max: 255},
			{From: "lead.stage", To: StageProperty, Required: true},
			{From: "lead.budget_amount", To: "value"},
			{From: "lead.budget_currency", To: "currency", Transform: "upper"},
			{From: "contact.company", To: OrganizationProperty},
		},
		Stages: map[lead.Status]string{
			lead.StatusProcessing:  "1",
			lead.StatusAssigned:    "1",
			lead.StatusContacted:   "2",
			lead.StatusQualified:   "3",
			lead.StatusUnqualified: StageLost,
			lead.StatusWon:         StageWon,
			lead.StatusLost:        StageLost,
		},
	}
}

// checkMapping checks what crmadapters.Mapping.Validate cannot know: that the keys hold
// Leadflow's ids unchanged, that every stage follows the Stages convention, and that nothing is
// written over the fields the adapter sets.
func (a *Adapter) checkMapping() error {
	want := map[string]string{ContactKeyProperty: "contact.id", LeadKeyProperty: "lead.id", StageProperty: "lead.stage"}
	for _, o := range []struct {
		object string
		rules  []crmadapters.Rule
		key    string // the configured custom field the key property stands for
	}{{crmadapters.ObjectContact, a.mapping.Contact, a.contactKey}, {crmadapters.ObjectLead, a.mapping.Lead, a.leadKey}} {
		for _, r := range o.rules {
			switch {
			case want[r.To] != "" && r.From != want[r.To]:
				return fmt.Errorf("%s: %s must be mapped from %s", o.object, r.To, want[r.To])
			case (r.To == ContactKeyProperty || r.To == LeadKeyProperty) && r.Transform != "":
				return fmt.Errorf("%s: %s must be mapped without a transform: it is searched for as is", o.object, r.To)
			case r.To == o.key:
				return fmt.Errorf("%s: the key field %s is written through %s, not mapped directly", o.object, r.To, keyProperty(o.object))
			case o.object == crmadapters.ObjectLead && slices.Contains(reserved, r.To):
				return fmt.Errorf("lead: %s is set by the adapter and cannot be mapped", r.To)
			}
		}
	}
	for _, s := range slices.Sorted(maps.Keys(a.mapping.Stages)) {
		if _, err := stageFields(a.mapping.Stages[s]); err != nil {
			return fmt.Errorf("stages: %s: %w", s, err)
		}
	}
	return nil
}

func keyProperty(object string) string {
	if object == crmadapters.ObjectContact {
		return ContactKeyProperty
	}
	return LeadKeyProperty
}

// stageFields is what a deal is sent for a stage of the Stages convention.
func stageFields(stage string) (map[string]any, error) {
	switch stage {
	case StageWon, StageLost:
		return map[string]any{"status": stage}, nil
	}
	id, err := strconv.Atoi(stage)
	if err != nil || id <= 0 {
		return nil, fmt.Errorf("stage %q is neither %q, %q nor a stage id", stage, StageWon, StageLost)
	}
	return map[string]any{"stage_id": id, "status": "open"}, nil
}

// stageOf reads a deal's stage back in the Stages convention.
func stageOf(status string, stageID int) string {
	if status == StageWon || status == StageLost {
		return status
	}
	return strconv.Itoa(stageID)
}

// body turns mapped properties into a Pipedrive request body.
func (a *Adapter) body(ctx context.Context, object string, props crmadapters.Properties) (map[string]any, error) {
	body := map[string]any{}
	for _, k := range slices.Sorted(maps.Keys(props)) {
		v := props[k]
		switch {
		case k == ContactKeyProperty && object == crmadapters.ObjectContact:
			body[a.contactKey] = v
		case k == LeadKeyProperty && object == crmadapters.ObjectLead:
			body[a.leadKey] = v
		case (k == "email" || k == "phone") && object == crmadapters.ObjectContact:
			s, ok := v.(string)
			if !ok {
				return nil, &crmadapters.MappingError{CRM: name, Field: "contact." + k, Property: k, Reason: fmt.Sprintf("needs a text, got %T", v)}
			}
			// A chat gives one address and one number: the person's primary ones.
			label := "work"
			if k == "phone" {
				label = "mobile"
			}
			body[k] = []channel{{Value: s, Primary: true, Label: label}}
		case k == OrganizationProperty:
			company, ok := v.(string)
			if !ok {
				return nil, &crmadapters.MappingError{CRM: name, Field: "contact.company", Property: k, Reason: fmt.Sprintf("needs a company name, got %T", v)}
			}
			org, err := a.organization(ctx, company)
			if err != nil {
				return nil, err
			}
			if org != 0 {
				body[k] = org
			}
		case k == StageProperty && object == crmadapters.ObjectLead:
			s, _ := v.(string)
			fields, err := stageFields(s)
			if err != nil {
				return nil, &crmadapters.MappingError{CRM: name, Field: "lead.stage", Property: k, Reason: err.Error()}
			}
			maps.Copy(body, fields)
		default:
			body[k] = v
		}
	}
	return body, nil
}

// channel is one of a person's e-mail addresses or phone numbers.
type channel struct {
	Value   string `json:"value"`
	Primary bool   `json:"primary"`
	Label   string `json:"label"`
}
