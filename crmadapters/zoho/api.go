package zoho

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/retryafter"
)

// maxRecords is how many records Zoho takes in one insert, update or upsert; more is refused
// with LIMIT_EXCEEDED.
const maxRecords = 100

// apiError is Zoho's error answer: {"code":"INVALID_TOKEN","details":{},"message":"…",
// "status":"error"}. The message is never read: it may echo what was sent.
type apiError struct {
	Code string `json:"code"`
}

// recordAnswer is Zoho's answer for one record of a write, in the order the records were sent:
// {"code":"SUCCESS","details":{"id":"…",…},"status":"success","action":"insert"} or
// {"code":"MANDATORY_NOT_FOUND","details":{"api_name":"Last_Name"},"status":"error"}.
type recordAnswer struct {
	Code    string `json:"code"`
	Status  string `json:"status"`
	Details struct {
		ID      zid    `json:"id"`
		APIName string `json:"api_name"`
	} `json:"details"`
}

// zid is a record id; Zoho writes them as strings, but a long number is read too.
type zid string

func (z *zid) UnmarshalJSON(b []byte) error {
	var s string
	if err := json.Unmarshal(b, &s); err == nil {
		*z = zid(s)
		return nil
	}
	var n json.Number
	if err := json.Unmarshal(b, &n); err != nil {
		return err
	}
	*z = zid(n.String())
	return nil
}

// do sends a request with the current access token. A 401 for an expired or revoked token
// (INVALID_TOKEN, AUTHENTICATION_FAILURE) refreshes the token once and repeats the request once.
func (a *Adapter) do(ctx context.Context, method, path string, body any) (crmadapters.Answer, error) {
	tok, err := a.auth.current(ctx)
	if err != nil {
		return crmadapters.Answer{}, err
	}
	ans, err := a.http.Do(context.WithValue(ctx, tokenKey{}, tok), method, path, body)
	if err != nil || ans.Status != http.StatusUnauthorized {
		return ans, err
	}
	if code := codeOf(ans); code != "INVALID_TOKEN" && code != "AUTHENTICATION_FAILURE" {
		return ans, nil
	}
	if tok, err = a.auth.refresh(ctx, tok); err != nil {
		return crmadapters.Answer{}, err
	}
	return a.http.Do(context.WithValue(ctx, tokenKey{}, tok), method, path, body)
}

// fail classifies an answer that is not a success. Zoho sends no Retry-After with its 429
// (TOO_MANY_REQUESTS); the wait is read from X-RATELIMIT-RESET, the epoch milliseconds at which
// the window reopens.
func (a *Adapter) fail(ans crmadapters.Answer) error {
	return a.http.Fail(ans, codeOf(ans), resetWait(ans.Header.Get("X-RATELIMIT-RESET"), time.Now()))
}

func resetWait(reset string, now time.Time) time.Duration {
	ms, err := strconv.ParseInt(reset, 10, 64)
	if err != nil {
		return 0
	}
	return min(max(time.UnixMilli(ms).Sub(now), 0), retryafter.Max)
}

func codeOf(ans crmadapters.Answer) string {
	var e apiError
	_ = json.Unmarshal(ans.Body, &e)
	return e.Code
}

// written is one record's outcome in a write.
type written struct {
	id  string
	err error
}

// write sends records (at most maxRecords) and reads Zoho's answer for each. The error is the
// request's own; a record Zoho refused carries its error in its outcome.
func (a *Adapter) write(ctx context.Context, method, path, module string, body any, n int) ([]written, error) {
	ans, err := a.do(ctx, method, path, body)
	if err != nil {
		return nil, err
	}
	var answer struct {
		Data []recordAnswer `json:"data"`
	}
	// A refused write is answered per record too (400 when all failed, 207 when some did);
	// a refused request (LIMIT_EXCEEDED, INVALID_TOKEN, 429) has no data.
	if json.Unmarshal(ans.Body, &answer) != nil || len(answer.Data) != n {
		if !ans.OK() {
			return nil, a.fail(ans)
		}
		return nil, fmt.Errorf("%s: %s %s: %d answers for %d records (HTTP %d)", name, method, module, len(answer.Data), n, ans.Status)
	}
	out := make([]written, n)
	for i, r := range answer.Data {
		switch {
		case r.Status == "success" && r.Details.ID != "":
			out[i].id = string(r.Details.ID)
		case r.Status == "success":
			out[i].err = fmt.Errorf("%s: %s record written without an id (HTTP %d)", name, module, ans.Status)
		default:
			out[i].err = refused(ans.Status, module, r)
		}
	}
	return out, nil
}

// refused is a record Zoho would not write. DUPLICATE_DATA names the record that already holds
// a unique value (another contact with the e-mail, say): a person decides whether they are one.
func refused(status int, module string, r recordAnswer) error {
	on := ""
	if r.Details.APIName != "" {
		on = " on " + r.Details.APIName
	}
	if r.Code == "DUPLICATE_DATA" && r.Details.ID != "" {
		return &crmadapters.ReviewError{CRM: name, Reason: module + ": DUPLICATE_DATA" + on, Candidates: []string{string(r.Details.ID)}}
	}
	return &crmadapters.RejectedError{CRM: name, Status: status, Code: r.Code, Msg: module + " record refused" + on}
}

// one writes a single record and returns its id.
func (a *Adapter) one(ctx context.Context, method, path, module string, record any) (string, error) {
	out, err := a.write(ctx, method, path, module, map[string]any{"data": []any{record}}, 1)
	if err != nil {
		return "", err
	}
	return out[0].id, out[0].err
}
