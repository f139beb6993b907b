// Package hubspot writes Leadflow's leads to HubSpot through its CRM API: contacts and deals by
// batch upsert on Leadflow's own keys (unique custom properties of the portal), the deal linked
// to its contact, notes and tasks created once per key, and deal stages moved inside HubSpot read
// back from its signed webhooks.
//
// The portal needs two custom properties with unique values, leadflow_contact_id on contacts and
// leadflow_lead_id on deals, and a private app token with the crm.objects.contacts, deals and
// owners scopes.
package hubspot

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
)

// crmName is the adapter's name in configuration, Lead.crm and the id map.
const crmName = "hubspot"

// defaultBaseURL is HubSpot's API host, for a configuration that names none.
const defaultBaseURL = "https://api.hubapi.com"

// Settings keys the adapter reads.
var (
	credentialKeys = []string{"token", "webhook_secret"}
	optionKeys     = []string{"pipeline", "timezone", "webhook_url"}
)

// Adapter is HubSpot for Leadflow. It is safe for concurrent use.
type Adapter struct {
	http     *crmadapters.HTTP
	ids      crmadapters.IDs
	mapping  crmadapters.Mapping
	pipeline string
	// portalTZ is the portal's time zone, where HubSpot's daily API limit resets at midnight.
	portalTZ *time.Location
	// webhookSecret (the app's client secret) and webhookURL (the public URL HubSpot calls) sign
	// webhook requests; both empty when the webhook is not set up.
	webhookSecret string
	webhookURL    string

	mu     sync.Mutex
	owners map[string]knownOwner // by rep e-mail, lower case
}

var (
	_ crmadapters.Adapter     = (*Adapter)(nil)
	_ crmadapters.EventSource = (*Adapter)(nil)
	_ crmadapters.Mapped      = (*Adapter)(nil)
)

// New checks the settings and builds the adapter: the token (credentials.token), the deal
// pipeline (options.pipeline, "default" unless set), the portal's time zone (options.timezone,
// UTC unless set) and, for the webhook, the app's client secret (credentials.webhook_secret) with
// the URL HubSpot calls (options.webhook_url), both or neither. A setting the adapter does not
// know is an error, so a typo fails at start rather than being ignored.
func New(s crmadapters.Settings, getenv func(string) string, ids crmadapters.IDs, client *http.Client) (*Adapter, error) {
	if ids == nil {
		return nil, errors.New("hubspot: an id map is required")
	}
	if err := known("credentials", slices.Collect(maps.Keys(s.Credentials)), credentialKeys); err != nil {
		return nil, err
	}
	if err := known("options", slices.Collect(maps.Keys(s.Options)), optionKeys); err != nil {
		return nil, err
	}
	token, err := s.Credential(crmName, "token", getenv)
	if err != nil {
		return nil, err
	}
	base := strings.TrimRight(s.BaseURL, "/")
	if base == "" {
		base = defaultBaseURL
	}
	if !absoluteURL(base) {
		return nil, errors.New("hubspot: base_url must be an absolute http(s) URL")
	}
	m, err := s.MappingOr(crmName, DefaultMapping(), Required)
	if err != nil {
		return nil, err
	}
	if err := checkKeys(m); err != nil {
		return nil, err
	}
	a := &Adapter{ids: ids, mapping: m, pipeline: "default", portalTZ: time.UTC, owners: map[string]knownOwner{}}
	if p, ok := s.Options["pipeline"]; ok {
		if a.pipeline = strings.TrimSpace(p); a.pipeline == "" {
			return nil, errors.New("hubspot: options.pipeline must not be empty")
		}
	}
	if tz, ok := s.Options["timezone"]; ok {
		if a.portalTZ, err = time.LoadLocation(tz); err != nil || tz == "" {
			return nil, fmt.Errorf("hubspot: options.timezone %q is not an IANA time zone", tz)
		}
	}
	if err := a.setWebhook(s, getenv); err != nil {
		return nil, err
	}
	a.http = &crmadapters.HTTP{CRM: crmName, BaseURL: base, Client: client,
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("Authorization", "Bearer "+token)
			return nil
		}}
	return a, nil
}

func (a *Adapter) setWebhook(s crmadapters.Settings, getenv func(string) string) error {
	_, hasSecret := s.Credentials["webhook_secret"]
	u, hasURL := s.Options["webhook_url"]
	if !hasSecret && !hasURL {
		return nil
	}
	if hasSecret != hasURL {
		return errors.New("hubspot: credentials.webhook_secret and options.webhook_url go together: HubSpot signs the URL it calls with the secret")
	}
	if !absoluteURL(u) {
		return errors.New("hubspot: options.webhook_url must be the absolute http(s) URL HubSpot calls")
	}
	secret, err := s.Credential(crmName, "webhook_secret", getenv)
	if err != nil {
		return err
	}
	a.webhookSecret, a.webhookURL = secret, u
	return nil
}

func known(what string, got, allowed []string) error {
	for _, k := range got {
		if !slices.Contains(allowed, k) {
			return fmt.Errorf("hubspot: unknown %s.%s (one of %s)", what, k, strings.Join(allowed, ", "))
		}
	}
	return nil
}

func absoluteURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}

// Name implements crmadapters.Adapter.
func (*Adapter) Name() string { return crmName }

// Mapping implements crmadapters.Mapped: the mapping the adapter writes with, whose stages read
// the webhook's deal stages back into lead statuses.
func (a *Adapter) Mapping() crmadapters.Mapping { return a.mapping }
