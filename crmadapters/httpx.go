package crmadapters

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/leadflow/leadflow/internal/retryafter"
)

// maxAnswer caps what is read of a CRM's answer: a broken or hostile server cannot exhaust memory.
const maxAnswer = 4 << 20

// HTTP is the round trip every external adapter makes: JSON in and out, a bounded answer, and
// the answer's status classified into this package's error classes.
type HTTP struct {
	CRM     string
	BaseURL string // without a trailing slash
	Client  *http.Client
	// Authorize sets the request's credentials; it may fetch or refresh a token first.
	Authorize func(ctx context.Context, r *http.Request) error
	Now       func() time.Time
}

// Answer is a CRM's answer, whatever its status.
type Answer struct {
	Status int
	Header http.Header
	Body   []byte
}

// OK reports a 2xx status.
func (a Answer) OK() bool { return a.Status >= 200 && a.Status < 300 }

// Decode reads the answer's JSON body into v; a body that is not what the CRM documents is an
// error that a retry may fix (a proxy's error page, a truncated answer).
func (a Answer) Decode(crm string, v any) error {
	if err := json.Unmarshal(a.Body, v); err != nil {
		return fmt.Errorf("%s: unreadable answer (HTTP %d): %w", crm, a.Status, err)
	}
	return nil
}

// Do sends a request with body as JSON (none when nil) and returns the answer whatever its
// status; the error is the transport's (refused, reset, timed out): a retry may succeed.
func (h *HTTP) Do(ctx context.Context, method, path string, body any) (Answer, error) {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return Answer{}, err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, h.BaseURL+path, rd)
	if err != nil {
		return Answer{}, err
	}
	req.Header.Set("Accept", "application/json")
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if h.Authorize != nil {
		if err := h.Authorize(ctx, req); err != nil {
			return Answer{}, err
		}
	}
	client := h.Client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		// The URL may carry a search value; the error names the CRM and the method only.
		return Answer{}, fmt.Errorf("%s: %s %s: %w", h.CRM, method, pathOnly(path), unwrapURL(err))
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(io.LimitReader(resp.Body, maxAnswer+1))
	if err != nil {
		return Answer{}, fmt.Errorf("%s: reading the answer: %w", h.CRM, err)
	}
	if len(b) > maxAnswer {
		return Answer{}, &RejectedError{CRM: h.CRM, Status: resp.StatusCode, Msg: "answer larger than 4 MiB"}
	}
	return Answer{Status: resp.StatusCode, Header: resp.Header, Body: b}, nil
}

// Fail classifies an answer that is not a success: 429, 408 and 5xx are retried (as long as
// Retry-After asks, else fallback), anything else is rejected. code is the CRM's error code when
// the adapter read one; error messages never carry the CRM's free text, which may echo personal
// data. fallback is the wait the CRM's own rate-limit headers ask for; zero leaves it to the
// retry policy.
func (h *HTTP) Fail(a Answer, code string, fallback time.Duration) error {
	if a.Status == http.StatusTooManyRequests || a.Status == http.StatusRequestTimeout || a.Status >= 500 {
		return h.RetryLater(a, code, fallback)
	}
	return &RejectedError{CRM: h.CRM, Status: a.Status, Code: code, Msg: http.StatusText(a.Status)}
}

// RetryLater is a retryable error that waits what the answer's Retry-After asks, or fallback
// when it asks nothing: CRMs that say when their window reopens in headers of their own.
func (h *HTTP) RetryLater(a Answer, code string, fallback time.Duration) error {
	now := time.Now()
	if h.Now != nil {
		now = h.Now()
	}
	after, asked := retryafter.Parse(a.Header.Get("Retry-After"), now)
	if !asked {
		after = fallback
	}
	msg := http.StatusText(a.Status)
	if code != "" {
		msg = code
	}
	return &RetryError{CRM: h.CRM, Status: a.Status, After: after, Msg: msg}
}

func pathOnly(p string) string {
	if i := strings.IndexByte(p, '?'); i >= 0 {
		return p[:i]
	}
	return p
}

// unwrapURL drops *url.Error's wrapper, which repeats the whole URL with its query.
func unwrapURL(err error) error {
	var u *url.Error
	if errors.As(err, &u) {
		return u.Err
	}
	return err
}
