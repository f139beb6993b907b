package hubspot

import (
	"cmp"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/retryafter"
)

// object is a CRM record as HubSpot answers it. Properties HubSpot answers null for read as "".
type object struct {
	ID         string            `json:"id"`
	Properties map[string]string `json:"properties"`
}

// batchAnswer is the answer of the batch endpoints: 200, or 207 Multi-Status with the inputs that
// failed in errors.
type batchAnswer struct {
	Results []object `json:"results"`
	Errors  []struct {
		Category string `json:"category"`
	} `json:"errors"`
}

// only is the id of the one record a one-input batch wrote.
func (b batchAnswer) only() (string, error) {
	if len(b.Results) != 1 || b.Results[0].ID == "" {
		return "", fmt.Errorf("hubspot: a batch of one answered %d results", len(b.Results))
	}
	return b.Results[0].ID, nil
}

// errorAnswer is what the adapter reads of HubSpot's error body: the category and the rate
// limit's policy, never the message, which may echo a contact's data.
type errorAnswer struct {
	Category   string `json:"category"`
	ErrorType  string `json:"errorType"`
	PolicyName string `json:"policyName"`
}

// call sends one request and decodes a 2xx answer into out when out is not nil. Any other answer
// is classified into crmadapters' error classes; the answer is returned either way, for the
// callers that handle a status themselves.
func (a *Adapter) call(ctx context.Context, method, path string, body, out any) (crmadapters.Answer, error) {
	ans, err := a.http.Do(ctx, method, path, body)
	if err != nil {
		return ans, err
	}
	if !ans.OK() {
		return ans, a.fail(ans)
	}
	if out != nil {
		return ans, ans.Decode(crmName, out)
	}
	return ans, nil
}

// fail classifies an answer that is not a success.
func (a *Adapter) fail(ans crmadapters.Answer) error {
	var e errorAnswer
	_ = json.Unmarshal(ans.Body, &e) // an answer that is not HubSpot's (a proxy's page) has no code
	if ans.Status != http.StatusTooManyRequests {
		return a.http.Fail(ans, e.Category, 0)
	}
	return a.http.RetryLater(ans, cmp.Or(e.PolicyName, e.ErrorType), rateLimitWait(ans.Header, e.PolicyName, time.Now(), a.portalTZ))
}

// rateLimitWait is how long a 429 without Retry-After asks to wait. The secondly and
// ten-secondly limits roll over within their interval (X-HubSpot-RateLimit-Interval-Milliseconds,
// else the policy's own length). The daily limit resets at midnight in the portal's time zone,
// which the answer does not say: the adapter waits until midnight in the configured one, capped
// at retryafter.Max like any wait, so a wrong time zone costs one refused call an hour rather than
// a day of parked leads.
func rateLimitWait(h http.Header, policy string, now time.Time, portal *time.Location) time.Duration {
	if policy == "DAILY" {
		local := now.In(portal)
		midnight := time.Date(local.Year(), local.Month(), local.Day()+1, 0, 0, 0, 0, portal)
		return min(midnight.Sub(now), retryafter.Max)
	}
	if ms, err := strconv.Atoi(h.Get("X-HubSpot-RateLimit-Interval-Milliseconds")); err == nil && ms > 0 {
		return min(time.Duration(ms)*time.Millisecond, retryafter.Max)
	}
	if policy == "TEN_SECONDLY_ROLLING" {
		return 10 * time.Second
	}
	return time.Second
}

// text is properties as HubSpot takes them: every value a string.
func text(p crmadapters.Properties) map[string]string {
	out := make(map[string]string, len(p))
	for k, v := range p {
		switch v := v.(type) {
		case string:
			out[k] = v
		case float64:
			out[k] = strconv.FormatFloat(v, 'f', -1, 64)
		default:
			out[k] = fmt.Sprint(v)
		}
	}
	return out
}

// stamp is a time as HubSpot's datetime properties take it.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }
