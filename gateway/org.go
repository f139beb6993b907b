package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/internal/store"
)

var (
	languageCode = regexp.MustCompile(`^[a-z]{2}$`)
	countryCode  = regexp.MustCompile(`^[A-Z]{2}$`)
)

type teamRequest struct {
	Name         string   `json:"name"`
	Languages    []string `json:"languages"`
	Countries    []string `json:"countries"`
	Products     []string `json:"products"`
	Priority     int      `json:"priority"`
	ManagerRepID *string  `json:"manager_rep_id"`
	// Overflow is what happens when nobody in the team can take a lead; absent means next_team.
	Overflow *routing.Overflow `json:"overflow"`
}

func (s *server) putTeam(c *gin.Context) {
	id, err := pathID(c, "team_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req teamRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	t := store.Team{TeamID: id, Name: strings.TrimSpace(req.Name), Languages: lower(req.Languages), Countries: upper(req.Countries),
		Products: req.Products, Priority: req.Priority, ManagerRepID: req.ManagerRepID, Overflow: routing.Overflow{To: routing.OverflowNextTeam}}
	if req.Overflow != nil && req.Overflow.To != "" {
		t.Overflow = *req.Overflow
	}
	if err := validateTeam(t); err != nil {
		fail(c, s.logger, err)
		return
	}
	if _, err := s.store.PutTeam(c.Request.Context(), t); err != nil {
		fail(c, s.logger, err)
		return
	}
	c.JSON(http.StatusOK, teamView(t))
}

func validateTeam(t store.Team) error {
	if t.Name == "" || len(t.Name) > 200 {
		return unprocessable("invalid_name", "name is required (at most 200 characters)", "name")
	}
	if err := each(t.Languages, "languages", languageCode, "ISO 639-1 codes such as fa"); err != nil {
		return err
	}
	if err := each(t.Countries, "countries", countryCode, "ISO 3166-1 alpha-2 codes such as IR"); err != nil {
		return err
	}
	for i, p := range t.Products {
		if p == "" || len(p) > 100 {
			return unprocessable("invalid_product", "products must be non-empty names", fmt.Sprintf("products[%d]", i))
		}
	}
	if t.ManagerRepID != nil && !idPattern.MatchString(*t.ManagerRepID) {
		return unprocessable("invalid_id", "manager_rep_id is not a valid id", "manager_rep_id")
	}
	if err := t.Overflow.Validate(); err != nil {
		return unprocessable("invalid_overflow", err.Error(), "overflow")
	}
	if t.Overflow.To == routing.OverflowTeam && (!idPattern.MatchString(t.Overflow.TeamID) || t.Overflow.TeamID == t.TeamID) {
		return unprocessable("invalid_overflow", "overflow.team_id must name another team", "overflow.team_id")
	}
	return nil
}

func (s *server) listTeams(c *gin.Context) {
	teams, err := s.store.Teams(c.Request.Context())
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	out := make([]store.Team, len(teams))
	for i, t := range teams {
		out[i] = teamView(t)
	}
	c.JSON(http.StatusOK, gin.H{"teams": out})
}

// teamView makes empty lists render as [] rather than null.
func teamView(t store.Team) store.Team {
	t.Languages, t.Countries, t.Products = nonNil(t.Languages), nonNil(t.Countries), nonNil(t.Products)
	return t
}

type repRequest struct {
	Name         string           `json:"name"`
	TeamID       string           `json:"team_id"`
	Email        *string          `json:"email"`
	Languages    []string         `json:"languages"`
	MaxOpenLeads *int             `json:"max_open_leads"`
	Weight       *int             `json:"weight"` // share of the team's round-robin, 1–100; 1 when absent
	OnCall       bool             `json:"on_call"`
	Active       *bool            `json:"active"`
	Timezone     string           `json:"timezone"`
	WorkingHours routing.Hours    `json:"working_hours"`
	Notify       *store.RepNotify `json:"notify"`
}

func (s *server) putRep(c *gin.Context) {
	id, err := pathID(c, "rep_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req repRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	r, err := repFromRequest(id, req)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	if _, err := s.store.PutRep(c.Request.Context(), r); errors.Is(err, store.ErrNotFound) {
		fail(c, s.logger, unprocessable("unknown_team", "team_id names no team; PUT the team first", "team_id"))
		return
	} else if err != nil {
		fail(c, s.logger, err)
		return
	}
	s.answerRep(c, id)
}

func repFromRequest(id string, req repRequest) (store.Rep, error) {
	r := store.Rep{RepID: id, TeamID: req.TeamID, Name: strings.TrimSpace(req.Name), Email: req.Email,
		Languages: lower(req.Languages), MaxOpenLeads: 25, Weight: 1, OnCall: req.OnCall, Active: true, Timezone: req.Timezone,
		WorkingHours: req.WorkingHours}
	if req.MaxOpenLeads != nil {
		r.MaxOpenLeads = *req.MaxOpenLeads
	}
	if req.Weight != nil {
		r.Weight = *req.Weight
	}
	if req.Active != nil {
		r.Active = *req.Active
	}
	if r.Timezone == "" {
		r.Timezone = "UTC"
	}
	if r.WorkingHours == nil {
		r.WorkingHours = routing.Hours{}
	}
	if req.Notify != nil {
		r.Notify = *req.Notify
	}
	switch {
	case r.Name == "" || len(r.Name) > 200:
		return r, unprocessable("invalid_name", "name is required (at most 200 characters)", "name")
	case !idPattern.MatchString(r.TeamID):
		return r, unprocessable("invalid_id", "team_id is required", "team_id")
	case r.MaxOpenLeads < 0 || r.MaxOpenLeads > 100000:
		return r, unprocessable("invalid_capacity", "max_open_leads must be from 0 to 100000", "max_open_leads")
	case r.Weight < 1 || r.Weight > 100:
		return r, unprocessable("invalid_weight", "weight must be from 1 to 100", "weight")
	case r.Email != nil && (!strings.Contains(*r.Email, "@") || len(*r.Email) > 254):
		return r, unprocessable("invalid_email", "email is not an email address", "email")
	}
	if _, err := time.LoadLocation(r.Timezone); err != nil {
		return r, unprocessable("invalid_timezone", "timezone must be an IANA zone such as Asia/Tehran", "timezone")
	}
	if err := each(r.Languages, "languages", languageCode, "ISO 639-1 codes such as fa"); err != nil {
		return r, err
	}
	for day, ranges := range r.WorkingHours {
		if err := (routing.Hours{day: ranges}).Validate(); err != nil {
			return r, unprocessable("invalid_hours", err.Error(), "working_hours."+day)
		}
	}
	if err := validateRepNotify(r); err != nil {
		return r, err
	}
	return r, nil
}

// validateRepNotify checks the rep's notification channels; the error's field is the setting at
// fault, e.g. notify.slack_webhook_url.
func validateRepNotify(r store.Rep) error {
	if err := r.Notify.Validate(); err != nil {
		var ne *routing.RepNotifyError
		if !errors.As(err, &ne) {
			return unprocessable("invalid_notify", err.Error(), "notify")
		}
		code := "invalid_notify"
		if strings.HasSuffix(ne.Field, "_url") {
			code = "invalid_url" // as before for notify.webhook_url
		}
		return unprocessable(code, ne.Error(), ne.Field)
	}
	if r.Notify.Email && (r.Email == nil || *r.Email == "") {
		return unprocessable("invalid_notify", "notify.email: the rep needs an email address to be notified by e-mail", "notify.email")
	}
	return nil
}

func (s *server) listReps(c *gin.Context) {
	reps, err := s.store.Reps(c.Request.Context())
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	for i, r := range reps {
		reps[i] = repView(r)
	}
	c.JSON(http.StatusOK, gin.H{"reps": reps})
}

// repView makes empty lists and hours render as [] and {} rather than null.
func repView(r store.Rep) store.Rep {
	r.Languages = nonNil(r.Languages)
	if r.WorkingHours == nil {
		r.WorkingHours = routing.Hours{}
	}
	return r
}

// availabilityRequest is PUT /v1/reps/{rep_id}/availability. A null out_of_office_until means
// back now; a missing one (or on_call) leaves it as it is.
type availabilityRequest struct {
	OutOfOfficeUntil optional[time.Time] `json:"out_of_office_until"`
	OnCall           *bool               `json:"on_call"`
}

func (s *server) putAvailability(c *gin.Context) {
	id, err := pathID(c, "rep_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req availabilityRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	if !req.OutOfOfficeUntil.Set && req.OnCall == nil {
		fail(c, s.logger, unprocessable("nothing_to_change", "give out_of_office_until (a time, or null for back now) or on_call", "out_of_office_until"))
		return
	}
	a := store.Availability{OnCall: req.OnCall}
	if req.OutOfOfficeUntil.Set {
		a.OutOfOfficeUntil, a.ClearOutOfOffice = req.OutOfOfficeUntil.V, req.OutOfOfficeUntil.V == nil
	}
	if err := s.store.SetAvailability(c.Request.Context(), id, a); err != nil {
		fail(c, s.logger, err)
		return
	}
	s.answerRep(c, id)
}

// optional is a JSON value that may be absent (Set false), null (V nil) or given.
type optional[T any] struct {
	Set bool
	V   *T
}

func (o *optional[T]) UnmarshalJSON(b []byte) error {
	o.Set = true
	return json.Unmarshal(b, &o.V)
}

func each(values []string, field string, pattern *regexp.Regexp, want string) error {
	for i, v := range values {
		if !pattern.MatchString(v) {
			return unprocessable("invalid_code", field+" must be "+want, fmt.Sprintf("%s[%d]", field, i))
		}
	}
	return nil
}

func lower(in []string) pq.StringArray {
	out := make(pq.StringArray, len(in))
	for i, v := range in {
		out[i] = strings.ToLower(strings.TrimSpace(v))
	}
	return out
}

func upper(in []string) pq.StringArray {
	out := make(pq.StringArray, len(in))
	for i, v := range in {
		out[i] = strings.ToUpper(strings.TrimSpace(v))
	}
	return out
}

func nonNil(a pq.StringArray) pq.StringArray {
	if a == nil {
		return pq.StringArray{}
	}
	return a
}

// answerRep answers with the rep as stored now, after a change to it.
func (s *server) answerRep(c *gin.Context, id string) {
	saved, err := s.store.RepByID(c.Request.Context(), id)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	c.JSON(http.StatusOK, repView(saved))
}
