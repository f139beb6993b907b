package main

import (
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/store"
)

var (
	languageCode = regexp.MustCompile(`^[a-z]{2}$`)
	countryCode  = regexp.MustCompile(`^[A-Z]{2}$`)
	hoursRange   = regexp.MustCompile(`^([01]\d|2[0-3]):[0-5]\d-([01]\d|2[0-4]):[0-5]\d$`)
	weekdays     = map[string]bool{"mon": true, "tue": true, "wed": true, "thu": true, "fri": true, "sat": true, "sun": true}
)

type teamRequest struct {
	Name         string   `json:"name"`
	Languages    []string `json:"languages"`
	Countries    []string `json:"countries"`
	Products     []string `json:"products"`
	Priority     int      `json:"priority"`
	ManagerRepID *string  `json:"manager_rep_id"`
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
		Products: req.Products, Priority: req.Priority, ManagerRepID: req.ManagerRepID}
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
	Name         string              `json:"name"`
	TeamID       string              `json:"team_id"`
	Email        *string             `json:"email"`
	Languages    []string            `json:"languages"`
	MaxOpenLeads *int                `json:"max_open_leads"`
	OnCall       bool                `json:"on_call"`
	Active       *bool               `json:"active"`
	Timezone     string              `json:"timezone"`
	WorkingHours map[string][]string `json:"working_hours"`
	Notify       *store.RepNotify    `json:"notify"`
}

// repResponse is a rep as the API shows it.
type repResponse struct {
	store.Rep
	WorkingHours map[string][]string `json:"working_hours"`
	Notify       store.RepNotify     `json:"notify"`
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
	saved, err := s.store.RepByID(c.Request.Context(), id)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	c.JSON(http.StatusOK, repView(saved))
}

func repFromRequest(id string, req repRequest) (store.Rep, error) {
	r := store.Rep{RepID: id, TeamID: req.TeamID, Name: strings.TrimSpace(req.Name), Email: req.Email,
		Languages: lower(req.Languages), MaxOpenLeads: 25, OnCall: req.OnCall, Active: true, Timezone: req.Timezone}
	if req.MaxOpenLeads != nil {
		r.MaxOpenLeads = *req.MaxOpenLeads
	}
	if req.Active != nil {
		r.Active = *req.Active
	}
	if r.Timezone == "" {
		r.Timezone = "UTC"
	}
	r.WorkingHours.V = req.WorkingHours
	if r.WorkingHours.V == nil {
		r.WorkingHours.V = map[string][]string{}
	}
	if req.Notify != nil {
		r.Notify.V = *req.Notify
	}
	switch {
	case r.Name == "" || len(r.Name) > 200:
		return r, unprocessable("invalid_name", "name is required (at most 200 characters)", "name")
	case !idPattern.MatchString(r.TeamID):
		return r, unprocessable("invalid_id", "team_id is required", "team_id")
	case r.MaxOpenLeads < 0 || r.MaxOpenLeads > 100000:
		return r, unprocessable("invalid_capacity", "max_open_leads must be from 0 to 100000", "max_open_leads")
	case r.Email != nil && (!strings.Contains(*r.Email, "@") || len(*r.Email) > 254):
		return r, unprocessable("invalid_email", "email is not an email address", "email")
	}
	if _, err := time.LoadLocation(r.Timezone); err != nil {
		return r, unprocessable("invalid_timezone", "timezone must be an IANA zone such as Asia/Tehran", "timezone")
	}
	if err := each(r.Languages, "languages", languageCode, "ISO 639-1 codes such as fa"); err != nil {
		return r, err
	}
	for day, ranges := range r.WorkingHours.V {
		if !weekdays[day] {
			return r, unprocessable("invalid_day", "working_hours keys are mon…sun", "working_hours."+day)
		}
		for _, h := range ranges {
			if !hoursRange.MatchString(h) || h[:5] >= h[6:] {
				return r, unprocessable("invalid_hours", "working hours are ranges such as 09:00-17:00", "working_hours."+day)
			}
		}
	}
	if u := r.Notify.V.WebhookURL; u != nil && *u != "" && !strings.HasPrefix(*u, "https://") && !strings.HasPrefix(*u, "http://") {
		return r, unprocessable("invalid_url", "notify.webhook_url must be an http(s) URL", "notify.webhook_url")
	}
	return r, nil
}

func (s *server) listReps(c *gin.Context) {
	reps, err := s.store.Reps(c.Request.Context())
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	out := make([]repResponse, len(reps))
	for i, r := range reps {
		out[i] = repView(r)
	}
	c.JSON(http.StatusOK, gin.H{"reps": out})
}

func repView(r store.Rep) repResponse {
	r.Languages = nonNil(r.Languages)
	wh := r.WorkingHours.V
	if wh == nil {
		wh = map[string][]string{}
	}
	return repResponse{Rep: r, WorkingHours: wh, Notify: r.Notify.V}
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
