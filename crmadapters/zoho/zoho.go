// Package zoho writes Leadflow's leads to Zoho CRM through its REST API v2: contacts and deals by
// upsert on Leadflow's own unique fields, notes and tasks once each through the id map, and stage
// changes by updating the deal.
package zoho

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"

	"github.com/leadflow/leadflow/crmadapters"
)

const name = "zoho"

// api is the root of every CRM path: Zoho CRM's REST API, version 2.
const api = "/crm/v2"

// defaultAccounts is Zoho's accounts server for the US data centre; an organisation in another
// (accounts.zoho.eu, accounts.zoho.in …) sets options.accounts_url.
const defaultAccounts = "https://accounts.zoho.com"

var options = []string{"accounts_url"}

// Adapter writes to one Zoho CRM organisation.
type Adapter struct {
	http    *crmadapters.HTTP
	auth    *tokens
	ids     crmadapters.IDs
	mapping crmadapters.Mapping
	// stage is the mapping's lead.stage rule, which RecordOutcome writes on its own.
	stage crmadapters.Rule
}

var (
	_ crmadapters.Adapter = (*Adapter)(nil)
	_ crmadapters.Mapped  = (*Adapter)(nil)
)

// New checks the settings and builds the adapter: base_url is the organisation's API domain
// (https://www.zohoapis.com), credentials name client_id, client_secret and refresh_token of a
// Zoho OAuth client, and the mapping must write the keys in Required.
func New(s crmadapters.Settings, getenv func(string) string, ids crmadapters.IDs, client *http.Client) (*Adapter, error) {
	if ids == nil {
		return nil, errors.New("zoho: an id map is needed to create notes and tasks once")
	}
	base, err := httpURL("base_url", s.BaseURL)
	if err != nil {
		return nil, err
	}
	for k := range s.Options {
		if !slices.Contains(options, k) {
			return nil, fmt.Errorf("zoho: unknown option %q (one of %s)", k, strings.Join(options, ", "))
		}
	}
	accounts := defaultAccounts
	if v, ok := s.Options["accounts_url"]; ok {
		if accounts, err = httpURL("options.accounts_url", v); err != nil {
			return nil, err
		}
	}
	secrets := map[string]string{}
	for _, k := range []string{"client_id", "client_secret", "refresh_token"} {
		if secrets[k], err = s.Credential(name, k, getenv); err != nil {
			return nil, err
		}
	}
	m, err := s.MappingOr(name, DefaultMapping(), Required)
	if err != nil {
		return nil, err
	}
	stage, err := checkKeys(m)
	if err != nil {
		return nil, err
	}
	a := &Adapter{ids: ids, mapping: m, stage: stage}
	a.auth = &tokens{
		accounts: &crmadapters.HTTP{CRM: name, BaseURL: accounts, Client: client},
		clientID: secrets["client_id"], clientSecret: secrets["client_secret"], refreshToken: secrets["refresh_token"],
	}
	a.http = &crmadapters.HTTP{CRM: name, BaseURL: base, Client: client, Authorize: authorize}
	return a, nil
}

// Name implements crmadapters.Adapter.
func (a *Adapter) Name() string { return name }

// Mapping implements crmadapters.Mapped.
func (a *Adapter) Mapping() crmadapters.Mapping { return a.mapping }

func httpURL(setting, v string) (string, error) {
	u, err := url.Parse(v)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return "", fmt.Errorf("zoho: %s must be an http(s) URL", setting)
	}
	return strings.TrimSuffix(v, "/"), nil
}

// needRef refuses a write about a deal Zoho has not given an id for yet: the activity must
// write the lead first.
func needRef(what, ref string) error {
	if ref == "" {
		return &crmadapters.RejectedError{CRM: name, Code: "NO_LEAD_REF", Msg: what + " needs the deal's Zoho id"}
	}
	return nil
}

// recordPath is a record's path, or one below it.
func recordPath(module, id string, below ...string) string {
	return strings.Join(append([]string{api, module, url.PathEscape(id)}, below...), "/")
}

// authorize is the HTTP's Authorize: do puts the token it chose in the context, so a 401 tells
// it which token failed.
func authorize(ctx context.Context, r *http.Request) error {
	tok, _ := ctx.Value(tokenKey{}).(string)
	if tok == "" {
		return errors.New("zoho: no access token for the request")
	}
	r.Header.Set("Authorization", "Zoho-oauthtoken "+tok)
	return nil
}
