package pipedrive

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/retryafter"
)

// pageSize is the most items a Pipedrive v1 list returns per page.
const pageSize = 500

// answer is every Pipedrive v1 success: {"success":true,"data":…,"additional_data":…}.
type answer[T any] struct {
	Data           T `json:"data"`
	AdditionalData struct {
		Pagination pagination `json:"pagination"`
	} `json:"additional_data"`
}

type pagination struct {
	More      bool `json:"more_items_in_collection"`
	NextStart int  `json:"next_start"`
}

// record is the part of a person, organization, deal, note or activity the adapter reads.
type record struct {
	ID int `json:"id"`
}

// call sends one request and reads its answer's data, or classifies its failure.
func call[T any](ctx context.Context, a *Adapter, method, path string, body any) (answer[T], error) {
	var out answer[T]
	ans, err := a.http.Do(ctx, method, path, body)
	if err != nil {
		return out, err
	}
	if !ans.OK() {
		return out, fail(a.http, ans)
	}
	return out, ans.Decode(name, &out)
}

// errorCode is the shape of a code worth reporting; anything else may be free text.
var errorCode = regexp.MustCompile(`^[A-Za-z0-9_.-]{1,64}$`)

// fail classifies a Pipedrive error answer, {"success":false,"error":…,"errorCode":N}. Only the
// code is kept: "error" and "error_info" may echo what was sent, personal data included. A 429
// waits as Retry-After asks, or else until the rate-limit window resets (x-ratelimit-reset,
// seconds), which Pipedrive sends on every answer.
func fail(h *crmadapters.HTTP, ans crmadapters.Answer) error {
	var body struct {
		ErrorCode json.RawMessage `json:"errorCode"`
	}
	_ = json.Unmarshal(ans.Body, &body) // a proxy's error page has no code, only a status
	code := strings.Trim(string(body.ErrorCode), `"`)
	if !errorCode.MatchString(code) {
		code = ""
	}
	var reset time.Duration
	if ans.Status == http.StatusTooManyRequests {
		reset, _ = retryafter.Parse(ans.Header.Get("X-Ratelimit-Reset"), time.Now())
	}
	return h.Fail(ans, code, reset)
}

func (a *Adapter) create(ctx context.Context, path string, body map[string]any) (string, error) {
	ans, err := call[record](ctx, a, http.MethodPost, path, body)
	if err != nil {
		return "", err
	}
	if ans.Data.ID <= 0 {
		return "", fmt.Errorf("%s: POST %s answered without an id", name, path)
	}
	return strconv.Itoa(ans.Data.ID), nil
}

func (a *Adapter) update(ctx context.Context, path string, body map[string]any) error {
	_, err := call[record](ctx, a, http.MethodPut, path, body)
	return err
}

// search finds records of entity ("persons", "deals", "organizations") whose field holds
// exactly term, through Pipedrive's search index (which lags fresh records: see the package doc).
func (a *Adapter) search(ctx context.Context, entity, field, term string) ([]string, error) {
	q := url.Values{"term": {term}, "fields": {field}, "exact_match": {"true"}}
	ans, err := call[struct {
		Items []struct {
			Item record `json:"item"`
		} `json:"items"`
	}](ctx, a, http.MethodGet, "/v1/"+entity+"/search?"+q.Encode(), nil)
	if err != nil {
		return nil, err
	}
	ids := make([]string, 0, len(ans.Data.Items))
	for _, it := range ans.Data.Items {
		ids = append(ids, strconv.Itoa(it.Item.ID))
	}
	return ids, nil
}

// findByKey finds the one record of entity carrying a Leadflow key in a custom field. Several
// records with one key are a person's call (a rep copied a record, or an import did): Leadflow
// does not pick one.
func (a *Adapter) findByKey(ctx context.Context, entity, key string) (string, bool, error) {
	ids, err := a.search(ctx, entity, "custom_fields", key)
	switch {
	case err != nil || len(ids) == 0:
		return "", false, err
	case len(ids) > 1:
		return "", false, &crmadapters.ReviewError{CRM: name, Reason: fmt.Sprintf("%d %s carry one Leadflow key", len(ids), entity), Candidates: ids}
	}
	return ids[0], true, nil
}

// entry is a note ("content") or an activity ("note") as lists return them.
type entry struct {
	ID      int    `json:"id"`
	Content string `json:"content"`
	Note    string `json:"note"`
}

// findMarked pages through a list of notes or activities for the one whose text carries marker.
func (a *Adapter) findMarked(ctx context.Context, path string, q url.Values, marker string) (string, bool, error) {
	for start := 0; ; {
		q.Set("start", strconv.Itoa(start))
		q.Set("limit", strconv.Itoa(pageSize))
		ans, err := call[[]entry](ctx, a, http.MethodGet, path+"?"+q.Encode(), nil)
		if err != nil {
			return "", false, err
		}
		for _, e := range ans.Data {
			if strings.Contains(e.Content, marker) || strings.Contains(e.Note, marker) {
				return strconv.Itoa(e.ID), true, nil
			}
		}
		p := ans.AdditionalData.Pagination
		if !p.More || p.NextStart <= start {
			return "", false, nil
		}
		start = p.NextStart
	}
}

// recordID reads the id of a Pipedrive record Leadflow holds as text.
func recordID(ref, field, property string) (int, error) {
	id, err := strconv.Atoi(ref)
	if err != nil || id <= 0 {
		return 0, &crmadapters.MappingError{CRM: name, Field: field, Property: property, Reason: "not a Pipedrive record id"}
	}
	return id, nil
}
