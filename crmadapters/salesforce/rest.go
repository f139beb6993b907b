package salesforce

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"path"
	"regexp"
	"strings"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
)

// orgLimitWait is how long a call waits after REQUEST_LIMIT_EXCEEDED. That answer is the org's
// rolling 24-hour API allowance running out, not a burst limit: calls come back only as the day's
// oldest age out, and Salesforce sends no Retry-After. Fifteen minutes keeps leads from hammering
// an org out of calls without parking them for a day.
const orgLimitWait = 15 * time.Minute

// do sends a request with the org's access token. A 401 (INVALID_SESSION_ID: the session timed out
// or was revoked) refreshes the token and sends the request again, once: a second 401 is returned
// and refused for good by fail.
func (a *Adapter) do(ctx context.Context, method, path string, body any) (crmadapters.Answer, error) {
	var ans crmadapters.Answer
	stale := ""
	for range 2 {
		used := ""
		h := a.http
		h.Authorize = func(ctx context.Context, r *http.Request) error {
			tok, err := a.tokens.get(ctx, stale)
			if err != nil {
				return err
			}
			used = tok
			r.Header.Set("Authorization", "Bearer "+tok)
			return nil
		}
		var err error
		if ans, err = h.Do(ctx, method, path, body); err != nil || ans.Status != http.StatusUnauthorized {
			return ans, err
		}
		stale = used
	}
	return ans, nil
}

// apiError is one entry of Salesforce's error answer, a JSON array. Its message is never read: it
// echoes the record's values ("Email: invalid email address: …").
type apiError struct {
	ErrorCode       string `json:"errorCode"`
	DuplicateResult *struct {
		DuplicateRule string `json:"duplicateRule"`
		MatchResults  []struct {
			MatchRecords []struct {
				Record struct {
					ID string `json:"Id"`
				} `json:"record"`
			} `json:"matchRecords"`
		} `json:"matchResults"`
	} `json:"duplicateResult"`
}

var (
	errorCode = regexp.MustCompile(`^[A-Za-z_]{1,80}$`)
	recordID  = regexp.MustCompile(`^[A-Za-z0-9]{15}([A-Za-z0-9]{3})?$`)
	ruleName  = regexp.MustCompile(`^[A-Za-z0-9_]{1,80}$`)
)

// readErrors reads an error answer: the REST API's array, or the OAuth endpoint's {"error": code}.
// A code that is not one (a proxy's page, a hostile server) reads as none, so no free text reaches
// an error message.
func readErrors(body []byte) []apiError {
	var errs []apiError
	if json.Unmarshal(body, &errs) != nil {
		var oauth struct {
			Error string `json:"error"`
		}
		_ = json.Unmarshal(body, &oauth)
		errs = []apiError{{ErrorCode: oauth.Error}}
	}
	for i := range errs {
		if !errorCode.MatchString(errs[i].ErrorCode) {
			errs[i].ErrorCode = ""
		}
	}
	return errs
}

// fail turns an answer that is not a success into the error class that says what a retry can do.
// what names the record for a reviewer ("Lead Leadflow_Id__c=l-1"): keys and ids, never values.
func (a *Adapter) fail(ans crmadapters.Answer, what string) error {
	if ans.Status == http.StatusMultipleChoices {
		// Several records hold the external ID; the answer lists their URLs.
		var urls []string
		_ = json.Unmarshal(ans.Body, &urls)
		var ids []string
		for _, u := range urls {
			if id := path.Base(u); recordID.MatchString(id) {
				ids = append(ids, id)
			}
		}
		return &crmadapters.ReviewError{CRM: name, Reason: "several records hold " + what, Candidates: ids}
	}
	errs := readErrors(ans.Body)
	code := ""
	if len(errs) > 0 {
		code = errs[0].ErrorCode
	}
	switch code {
	case "DUPLICATES_DETECTED":
		// An org duplicate rule blocked the save. Overriding it (Sforce-Duplicate-Rule-Header) is
		// the org's call, not Leadflow's: a person picks the record.
		reason, ids := "a duplicate rule blocked "+what, []string(nil)
		for _, e := range errs {
			if e.DuplicateResult == nil {
				continue
			}
			if r := e.DuplicateResult.DuplicateRule; ruleName.MatchString(r) {
				reason = "duplicate rule " + r + " blocked " + what
			}
			for _, m := range e.DuplicateResult.MatchResults {
				for _, rec := range m.MatchRecords {
					if recordID.MatchString(rec.Record.ID) {
						ids = append(ids, rec.Record.ID)
					}
				}
			}
		}
		return &crmadapters.ReviewError{CRM: name, Reason: reason, Candidates: ids}
	case "REQUEST_LIMIT_EXCEEDED":
		return a.http.RetryLater(ans, code, orgLimitWait)
	case "UNABLE_TO_LOCK_ROW":
		// Another transaction held the record (a trigger, a rep's save): gone in a moment.
		return a.http.RetryLater(ans, code, 0)
	}
	return a.http.Fail(ans, code, 0)
}

// extID names a record by an external ID field and Leadflow's key in it.
type extID struct {
	object, field string
	from          string // Leadflow's name of the key, for a mapping error
	value         string
}

func (k extID) path(data string) string {
	return data + "/sobjects/" + k.object + "/" + k.field + "/" + url.PathEscape(k.value)
}

func (k extID) String() string { return k.object + " " + k.field + "=" + k.value }

// save upserts body into the record k names: Salesforce creates it (201) when no record holds the
// key and updates the one that does (200 from API 46.0, 204 No Content before), so a retry after a
// lost answer updates what the first attempt created.
func (a *Adapter) save(ctx context.Context, k extID, body crmadapters.Properties) (crmadapters.Answer, error) {
	if k.value == "" {
		return crmadapters.Answer{}, &crmadapters.MappingError{CRM: name, Field: k.from, Property: k.object + "." + k.field, Reason: "no key to upsert by"}
	}
	// The URL carries the external ID; Salesforce refuses it in the body as well.
	delete(body, k.field)
	ans, err := a.do(ctx, http.MethodPatch, k.path(a.data), body)
	if err != nil {
		return ans, err
	}
	switch ans.Status {
	case http.StatusOK, http.StatusCreated, http.StatusNoContent:
		return ans, nil
	}
	return ans, a.fail(ans, k.String())
}

// upsert saves and returns the record's id, which a 204 leaves out: it is read by the external ID.
func (a *Adapter) upsert(ctx context.Context, k extID, body crmadapters.Properties) (string, error) {
	ans, err := a.save(ctx, k, body)
	if err != nil {
		return "", err
	}
	if ans.Status != http.StatusNoContent {
		return savedID(ans)
	}
	if ans, err = a.do(ctx, http.MethodGet, k.path(a.data)+"?fields=Id", nil); err != nil {
		return "", err
	}
	if ans.Status != http.StatusOK {
		return "", a.fail(ans, k.String())
	}
	var rec struct {
		ID string `json:"Id"`
	}
	if err := ans.Decode(name, &rec); err != nil {
		return "", err
	}
	if rec.ID == "" {
		return "", fmt.Errorf("%s: %s read back without an Id", name, k)
	}
	return rec.ID, nil
}

// savedID reads a create's or an upsert's answer: {"id", "success", "errors"[, "created"]}.
func savedID(ans crmadapters.Answer) (string, error) {
	var res struct {
		ID      string `json:"id"`
		Success bool   `json:"success"`
	}
	if err := ans.Decode(name, &res); err != nil {
		return "", err
	}
	if res.ID == "" || !res.Success {
		return "", fmt.Errorf("%s: HTTP %d answer without a record id", name, ans.Status)
	}
	return res.ID, nil
}

// soqlString quotes s as a SOQL string literal, escaping what would end it early or is not
// allowed raw in it.
func soqlString(s string) string {
	var b strings.Builder
	b.WriteByte('\'')
	for _, r := range s {
		switch r {
		case '\'', '"', '\\':
			b.WriteByte('\\')
			b.WriteRune(r)
		case '\n':
			b.WriteString(`\n`)
		case '\r':
			b.WriteString(`\r`)
		case '\t':
			b.WriteString(`\t`)
		case '\b':
			b.WriteString(`\b`)
		case '\f':
			b.WriteString(`\f`)
		default:
			b.WriteRune(r)
		}
	}
	b.WriteByte('\'')
	return b.String()
}

// query runs a SOQL query and reads every batch of its answer, following nextRecordsUrl.
func query[T any](ctx context.Context, a *Adapter, soql string) ([]T, error) {
	next := a.data + "/query?q=" + url.QueryEscape(soql)
	var out []T
	for {
		ans, err := a.do(ctx, http.MethodGet, next, nil)
		if err != nil {
			return nil, err
		}
		if ans.Status != http.StatusOK {
			return nil, a.fail(ans, "a query")
		}
		var page struct {
			Done           bool   `json:"done"`
			NextRecordsURL string `json:"nextRecordsUrl"`
			Records        []T    `json:"records"`
		}
		if err := ans.Decode(name, &page); err != nil {
			return nil, err
		}
		out = append(out, page.Records...)
		if page.Done || page.NextRecordsURL == "" {
			return out, nil
		}
		if !strings.HasPrefix(page.NextRecordsURL, a.data+"/query/") {
			return nil, fmt.Errorf("%s: a query answer's nextRecordsUrl is not a query locator of %s", name, a.data)
		}
		next = page.NextRecordsURL
	}
}
