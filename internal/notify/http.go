package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/leadflow/leadflow/internal/retryafter"
)

// DefaultTimeout bounds one HTTP send when the caller brings no client of its own.
const DefaultTimeout = 30 * time.Second

// maxResponseBody caps how much of an answer is read: enough for any error document.
const maxResponseBody = 64 << 10

// answer is what the notifiers look at in an HTTP response.
type answer struct {
	status int
	header http.Header
	body   []byte
}

// parseHTTPURL accepts only absolute http and https URLs. Its error never repeats the URL, which
// may hold a secret (Slack webhook URLs do).
func parseHTTPURL(raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, errors.New("URL must be an absolute http or https URL")
	}
	return u, nil
}

// httpClient returns a copy of c (or a default client) that does not follow redirects: Go turns
// a redirected POST into a GET without a body, and a redirect to another host would carry the
// message there. A configured URL that redirects is a configuration error to fix, not follow.
func httpClient(c *http.Client) *http.Client {
	var out http.Client
	if c != nil {
		out = *c
	} else {
		out.Timeout = DefaultTimeout
	}
	out.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	return &out
}

// post sends body to u and reads at most maxResponseBody of the answer. A failure to read the
// body after the status arrived is not an error: the status is what counts.
func post(ctx context.Context, c *http.Client, u *url.URL, body []byte, header http.Header) (*answer, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, u.String(), bytes.NewReader(body))
	if err != nil {
		return nil, err
	}
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := c.Do(req)
	if err != nil {
		return nil, err
	}
	defer func() { _ = resp.Body.Close() }()
	data, _ := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody)) // let the connection be reused
	return &answer{status: resp.StatusCode, header: resp.Header, body: data}, nil
}

// classifyStatus maps an HTTP status onto nil (2xx), a *RetryableError (408, 429, 5xx, honouring
// Retry-After) or a *PermanentError (everything else, redirects included). reason, when not empty,
// is a sanitised description from the answer.
func classifyStatus(channel, key string, a *answer, now time.Time, reason string) error {
	switch s := a.status; {
	case s >= 200 && s < 300:
		return nil
	case s == http.StatusRequestTimeout || s == http.StatusTooManyRequests || s >= 500:
		wait, _ := retryafter.Parse(a.header.Get("Retry-After"), now)
		return retryable(channel, key, s, wait, orDefault(reason, "server asked to retry later"))
	case s >= 300 && s < 400:
		return permanent(channel, key, s, "redirect not followed: configure the final URL")
	default:
		return permanent(channel, key, s, orDefault(reason, "request rejected"))
	}
}

func orDefault(s, def string) string {
	if s == "" {
		return def
	}
	return s
}

// marshalJSON encodes v without Go's HTML escaping (<, >, & as \u003c...), so that text arrives
// as written and the bytes signed are easy to read.
func marshalJSON(v any) ([]byte, error) {
	var buf bytes.Buffer
	enc := json.NewEncoder(&buf)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(v); err != nil {
		return nil, err
	}
	return bytes.TrimSuffix(buf.Bytes(), []byte("\n")), nil
}

func nowOr(now func() time.Time) func() time.Time {
	if now != nil {
		return now
	}
	return time.Now
}
