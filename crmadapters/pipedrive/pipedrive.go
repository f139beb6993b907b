// Package pipedrive writes Leadflow's leads to Pipedrive through its REST API v1: a contact is a
// person (its company an organization), a lead is a deal, a note is a note and a task is a call
// activity.
//
// Pipedrive has no upsert and no unique fields, so every create goes through crmadapters.Once and
// Leadflow's own id map (crmadapters.IDs): the map, not Pipedrive's search, is what makes a write
// happen once. A key the map knows is updated in place (PUT); a key an earlier attempt claimed
// without learning an id is searched for first, since that attempt may have created the record and
// lost the answer. Pipedrive's search index is filled asynchronously, so a person or deal created
// a moment ago may not be found yet: a retry that comes within that lag after a lost answer can
// still create a second record. Keeping the map primary makes that window the only one, instead
// of every write depending on the index. Notes and activities are found through their deal's
// lists, which read the records themselves and do not lag.
package pipedrive

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strconv"
	"strings"

	"github.com/leadflow/leadflow/crmadapters"
)

// name is the CRM's name in configuration, Lead.crm and the audit log.
const name = "pipedrive"

// DefaultBaseURL is Pipedrive's API host; a company domain (https://acme.pipedrive.com/api)
// works as well. Paths start at /v1.
const DefaultBaseURL = "https://api.pipedrive.com"

// Kinds in the id map, each keyed by what makes the record unique for Leadflow.
const (
	kindContact      = "contact"      // a person, by Leadflow's contact id
	kindLead         = "lead"         // a deal, by Leadflow's lead id
	kindNote         = "note"         // a note, by Note.Key
	kindTask         = "task"         // an activity, by Task.Key
	kindOrganization = "organization" // an organization, by its normalised company name
)

// Options an adapter takes (Settings.Options).
const (
	// OptionContactKeyField is the 40-character key of the person custom field holding
	// Leadflow's contact id. The field must be a text type Pipedrive's search reads (varchar,
	// text): retries find a lost create by it.
	OptionContactKeyField = "contact_key_field"
	// OptionLeadKeyField is the key of the deal custom field holding Leadflow's lead id.
	OptionLeadKeyField = "lead_key_field"
	// OptionPipelineID is the pipeline a deal created closed (won, lost) is put in; a deal
	// created open goes where its stage is. Optional: the account's default pipeline otherwise.
	OptionPipelineID = "pipeline_id"
)

var knownOptions = []string{OptionContactKeyField, OptionLeadKeyField, OptionPipelineID}

// fieldKey is the shape of Pipedrive's custom field keys: a SHA-1 in hex, different per account,
// which is why they are options and not part of the default mapping.
var fieldKey = regexp.MustCompile(`^[0-9a-f]{40}$`)

// Adapter writes to one Pipedrive company account.
type Adapter struct {
	http       *crmadapters.HTTP
	ids        crmadapters.IDs
	mapping    crmadapters.Mapping
	contactKey string // hash key of the person custom field holding the contact id
	leadKey    string // hash key of the deal custom field holding the lead id
	pipelineID int    // 0: the account's default pipeline
}

var _ crmadapters.Adapter = (*Adapter)(nil)

// New checks the settings and the mapping, so a bad configuration stops the worker at start
// rather than failing every lead. client may be nil (http.DefaultClient).
func New(s crmadapters.Settings, getenv func(string) string, ids crmadapters.IDs, client *http.Client) (*Adapter, error) {
	if ids == nil {
		return nil, errors.New("pipedrive: an id map is required: Pipedrive cannot upsert")
	}
	token, err := s.Credential(name, "api_token", getenv)
	if err != nil {
		return nil, err
	}
	for _, k := range slices.Sorted(maps.Keys(s.Options)) {
		if !slices.Contains(knownOptions, k) {
			return nil, fmt.Errorf("pipedrive: unknown option %q (one of %s)", k, strings.Join(knownOptions, ", "))
		}
	}
	a := &Adapter{ids: ids}
	if a.contactKey, err = keyOption(s.Options, OptionContactKeyField); err != nil {
		return nil, err
	}
	if a.leadKey, err = keyOption(s.Options, OptionLeadKeyField); err != nil {
		return nil, err
	}
	if p, ok := s.Options[OptionPipelineID]; ok {
		if a.pipelineID, err = strconv.Atoi(p); err != nil || a.pipelineID <= 0 {
			return nil, fmt.Errorf("pipedrive: options.%s must be a pipeline id (a positive number)", OptionPipelineID)
		}
	}
	base, err := baseURL(s.BaseURL)
	if err != nil {
		return nil, err
	}
	if a.mapping, err = s.MappingOr(name, DefaultMapping(), Required); err != nil {
		return nil, err
	}
	if err := a.checkMapping(); err != nil {
		return nil, fmt.Errorf("pipedrive mapping: %w", err)
	}
	a.http = &crmadapters.HTTP{CRM: name, BaseURL: base, Client: client,
		// The header keeps the token out of URLs, and so out of proxies' and servers' logs.
		Authorize: func(_ context.Context, r *http.Request) error {
			r.Header.Set("x-api-token", token)
			return nil
		}}
	return a, nil
}

// Name implements crmadapters.Adapter.
func (a *Adapter) Name() string { return name }

// Mapping implements crmadapters.Mapped.
func (a *Adapter) Mapping() crmadapters.Mapping { return a.mapping }

func keyOption(opts map[string]string, key string) (string, error) {
	v := opts[key]
	if v == "" {
		return "", fmt.Errorf("pipedrive: options.%s is required: the custom field key Leadflow's ids are written to", key)
	}
	if !fieldKey.MatchString(v) {
		return "", fmt.Errorf("pipedrive: options.%s must be a custom field key (40 lower-case hex characters)", key)
	}
	return v, nil
}

func baseURL(s string) (string, error) {
	if s == "" {
		return DefaultBaseURL, nil
	}
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || u.RawQuery != "" {
		return "", errors.New("pipedrive: base_url must be an http(s) URL without a query")
	}
	return strings.TrimSuffix(s, "/"), nil
}
