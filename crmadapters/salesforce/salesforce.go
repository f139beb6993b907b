// Package salesforce writes Leadflow's contacts, leads, notes and tasks to a Salesforce org through
// its REST API. Contacts, leads and tasks are upserted by an external ID field holding Leadflow's
// key, so a write whose answer was lost is repeated as an update of the record it created. Notes
// go to the standard Note object, which takes no custom fields and has no upsert: they are created
// once through crmadapters.Once and found again by their title, which carries the note's key.
// Stage changes reps make in Salesforce are read by polling (ChangedSince).
//
// The org needs, besides a connected app whose refresh token Leadflow holds, three custom fields
// of type Text(255) marked External ID and Unique: Contact.Leadflow_Contact_Id__c,
// Lead.Leadflow_Id__c and Task.Leadflow_Key__c. Every request goes to the configured instance URL
// with the API version of options.api_version.
package salesforce

import (
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"

	"github.com/leadflow/leadflow/crmadapters"
)

const name = "salesforce"

// Options of the adapter (Settings.Options).
const (
	// optAPIVersion is the REST API version, "v60.0" by default.
	optAPIVersion = "api_version"
	// optTokenURL is the OAuth token endpoint: login.salesforce.com for production orgs,
	// test.salesforce.com for sandboxes, or the org's My Domain.
	optTokenURL = "token_url"
	// optLeadContactField names a custom lookup field from Lead to Contact (e.g.
	// Leadflow_Contact__c) that UpsertLead fills with the contact's id. Salesforce's Lead has no
	// standard link to a Contact, so leads are not linked when it is not set.
	optLeadContactField = "lead_contact_field"
)

var options = []string{optAPIVersion, optTokenURL, optLeadContactField}

// Credentials of the connected app Leadflow calls Salesforce as (Settings.Credentials).
var credentials = []string{"client_id", "client_secret", "refresh_token"}

const (
	defaultAPIVersion = "v60.0"
	defaultTokenURL   = "https://login.salesforce.com/services/oauth2/token"
)

var (
	apiVersion  = regexp.MustCompile(`^v[1-9][0-9]*\.[0-9]$`)
	customField = regexp.MustCompile(`^[A-Za-z][A-Za-z0-9_]*__c$`)
)

// Adapter writes to one Salesforce org.
type Adapter struct {
	// http is the round trip; its Authorize is set per request (see do).
	http   crmadapters.HTTP
	tokens *tokens
	// data is the REST API's root path, "/services/data/v60.0".
	data             string
	mapping          crmadapters.Mapping
	ids              crmadapters.IDs
	leadContactField string
}

var _ crmadapters.Adapter = (*Adapter)(nil)

// New checks the settings and the mapping, so a bad one stops Leadflow at start rather than
// failing every lead. client is nil for http.DefaultClient.
func New(s crmadapters.Settings, getenv func(string) string, ids crmadapters.IDs, client *http.Client) (*Adapter, error) {
	base := strings.TrimRight(s.BaseURL, "/")
	if !httpURL(base) {
		return nil, fmt.Errorf("%s: base_url must be the org's instance URL (https://MyDomain.my.salesforce.com)", name)
	}
	for k := range s.Options {
		if !slices.Contains(options, k) {
			return nil, fmt.Errorf("%s: unknown option %q (known: %s)", name, k, strings.Join(options, ", "))
		}
	}
	version := option(s, optAPIVersion, defaultAPIVersion)
	if !apiVersion.MatchString(version) {
		return nil, fmt.Errorf("%s: options.%s %q is not an API version such as %s", name, optAPIVersion, version, defaultAPIVersion)
	}
	tokenURL := option(s, optTokenURL, defaultTokenURL)
	if !httpURL(tokenURL) {
		return nil, fmt.Errorf("%s: options.%s must be an http(s) URL", name, optTokenURL)
	}
	leadContact := s.Options[optLeadContactField]
	if leadContact != "" && !customField.MatchString(leadContact) {
		return nil, fmt.Errorf("%s: options.%s %q is not a custom field's API name (Name__c)", name, optLeadContactField, leadContact)
	}
	form := url.Values{"grant_type": {"refresh_token"}}
	for _, key := range credentials {
		v, err := s.Credential(name, key, getenv)
		if err != nil {
			return nil, err
		}
		form.Set(key, v)
	}
	m, err := s.MappingOr(name, DefaultMapping(), Required)
	if err != nil {
		return nil, err
	}
	if err := checkKeyRules(m); err != nil {
		return nil, err
	}
	if ids == nil {
		return nil, fmt.Errorf("%s: an id map is needed to create notes once", name)
	}
	if client == nil {
		client = http.DefaultClient
	}
	a := &Adapter{
		http:             crmadapters.HTTP{CRM: name, BaseURL: base, Client: client},
		data:             "/services/data/" + version,
		mapping:          m,
		ids:              ids,
		leadContactField: leadContact,
	}
	a.tokens = newTokens(client, tokenURL, form, a.fail)
	return a, nil
}

// Name implements crmadapters.Adapter.
func (a *Adapter) Name() string { return name }

// Mapping implements crmadapters.Mapped.
func (a *Adapter) Mapping() crmadapters.Mapping { return a.mapping }

func option(s crmadapters.Settings, key, def string) string {
	if v := s.Options[key]; v != "" {
		return v
	}
	return def
}

func httpURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "https" || u.Scheme == "http") && u.Host != ""
}
