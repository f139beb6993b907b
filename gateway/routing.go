package main

import (
	"encoding/json"
	"net/http"
	"slices"
	"strings"

	"github.com/gin-gonic/gin"

	"github.com/leadflow/leadflow/activities/scoring"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/routing"
)

// previewRequest is a lead-like body: the fields of a Lead (each as {"value": …, "confidence": …}
// or as a bare value, read as certain), the contact it belongs to, and the chatbot's events.
type previewRequest struct {
	ContactID string                     `json:"contact_id"`
	Fields    map[string]json.RawMessage `json:"fields"`
	Events    []string                   `json:"events"`
	Country   string                     `json:"country"` // the visit's country when the fields have none
}

// previewResponse is where the lead would go now, and why, under the gateway's policy.
type previewResponse struct {
	PolicyVersion  string             `json:"policy_version"`
	Score          int                `json:"score"`
	Tier           lead.Tier          `json:"tier"`
	ScoreBreakdown []lead.ScoreSignal `json:"score_breakdown"`
	Teams          []string           `json:"teams"` // the teams that cover it, best first
	Assignment     *lead.Assignment   `json:"assignment"`
	NotAssigned    string             `json:"not_assigned,omitempty"`
	QueueTeamID    string             `json:"queue_team_id,omitempty"`
}

// previewRoute scores a lead-like body and routes it with the real roster, rotation and
// capacities, without assigning anything or moving the rotation.
func (s *server) previewRoute(c *gin.Context) {
	var req previewRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	fields, err := previewFields(req.Fields)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	country := strings.ToUpper(req.Country)
	if country == "" {
		country = string(fields.Country.Or(""))
	}
	if country != "" && !countryCode.MatchString(country) {
		fail(c, s.logger, unprocessable("invalid_code", "country must be an ISO 3166-1 alpha-2 code such as IR", "country"))
		return
	}
	score := scoring.Score(s.policy, scoring.Input{Fields: fields, ScoreContext: lead.ScoreContext{Events: req.Events}})
	r := routing.Request{LeadID: "preview", ContactID: req.ContactID, Language: fields.Language.Or(""), Country: country,
		Products: fields.ProductInterest.Or(nil), Tier: score.Tier, Spam: fields.IsSpam()}
	d, err := s.store.PreviewRoute(c.Request.Context(), s.policy, r)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	c.JSON(http.StatusOK, previewResponse{PolicyVersion: s.policy.Version, Score: score.Score, Tier: score.Tier,
		ScoreBreakdown: score.Breakdown, Teams: d.Teams, Assignment: d.Assignment, NotAssigned: d.NotAssigned, QueueTeamID: d.QueueTeamID})
}

// previewFields reads a Lead's fields given as Field objects or as bare values, and checks the
// enumerations and codes routing relies on.
func previewFields(raw map[string]json.RawMessage) (lead.Fields, error) {
	norm := map[string]json.RawMessage{}
	for k, v := range raw {
		var obj map[string]json.RawMessage
		if json.Unmarshal(v, &obj) == nil && obj["value"] != nil {
			if obj["confidence"] == nil {
				obj["confidence"] = json.RawMessage("1")
			}
			v, _ = json.Marshal(obj)
		} else {
			v, _ = json.Marshal(map[string]json.RawMessage{"value": v, "confidence": json.RawMessage("1")})
		}
		norm[k] = v
	}
	b, _ := json.Marshal(norm)
	var f lead.Fields
	if err := json.Unmarshal(b, &f); err != nil {
		return f, badRequest("invalid_type", "fields must be a Lead's fields: "+err.Error(), "fields")
	}
	if f.Language.Known() {
		*f.Language.Value = strings.ToLower(*f.Language.Value)
		if !languageCode.MatchString(*f.Language.Value) {
			return f, unprocessable("invalid_code", "language must be an ISO 639-1 code such as fa", "fields.language")
		}
	}
	if f.Country.Known() {
		*f.Country.Value = strings.ToUpper(*f.Country.Value)
	}
	if f.Intent.Known() && !slices.Contains(lead.Intents(), string(*f.Intent.Value)) {
		return f, unprocessable("invalid_intent", "intent must be one of "+strings.Join(lead.Intents(), ", "), "fields.intent")
	}
	if f.Urgency.Known() && !slices.Contains(lead.Urgencies(), string(*f.Urgency.Value)) {
		return f, unprocessable("invalid_urgency", "urgency must be one of "+strings.Join(lead.Urgencies(), ", "), "fields.urgency")
	}
	return f, nil
}
