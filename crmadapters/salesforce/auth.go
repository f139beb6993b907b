package salesforce

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"

	"github.com/leadflow/leadflow/crmadapters"
)

// maxTokenAnswer caps what is read of the token endpoint's answer.
const maxTokenAnswer = 64 << 10

// tokens holds the org's access token: fetched with the refresh token on first use, and again when
// Salesforce says the session expired. Callers refused with the same token share one refresh, so
// a burst of requests meeting an expired session makes one token request, not one each.
type tokens struct {
	client *http.Client
	url    string
	form   url.Values // grant_type=refresh_token, client_id, client_secret, refresh_token
	fail   func(a crmadapters.Answer, what string) error

	// turn is held by the caller reading or fetching the token: a channel rather than a mutex, so
	// a caller waiting for another's fetch can give up when its context ends.
	turn   chan struct{}
	access string
}

func newTokens(client *http.Client, tokenURL string, form url.Values, fail func(crmadapters.Answer, string) error) *tokens {
	return &tokens{client: client, url: tokenURL, form: form, fail: fail, turn: make(chan struct{}, 1)}
}

// get returns the access token, fetching one when none is held or the one held is stale: the token
// a request was just refused with. A caller whose stale token another caller already replaced gets
// the replacement.
func (t *tokens) get(ctx context.Context, stale string) (string, error) {
	select {
	case t.turn <- struct{}{}:
	case <-ctx.Done():
		return "", ctx.Err()
	}
	defer func() { <-t.turn }()
	if t.access == "" || t.access == stale {
		t.access = ""
		tok, err := t.fetch(ctx)
		if err != nil {
			return "", err
		}
		t.access = tok
	}
	return t.access, nil
}

// fetch is the OAuth 2.0 refresh token flow: a form-encoded POST, which crmadapters.HTTP (JSON
// only) cannot send; its answer is classified by the adapter's fail all the same.
func (t *tokens) fetch(ctx context.Context) (string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, t.url, strings.NewReader(t.form.Encode()))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.Header.Set("Accept", "application/json")
	resp, err := t.client.Do(req)
	if err != nil {
		// The secrets travel in the body, never in the URL or the error.
		var uerr *url.Error
		if errors.As(err, &uerr) {
			err = uerr.Err
		}
		return "", fmt.Errorf("%s: token request: %w", name, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxTokenAnswer))
	if err != nil {
		return "", fmt.Errorf("%s: reading the token answer: %w", name, err)
	}
	ans := crmadapters.Answer{Status: resp.StatusCode, Header: resp.Header, Body: body}
	if !ans.OK() {
		return "", t.fail(ans, "the access token")
	}
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := ans.Decode(name, &tok); err != nil {
		return "", err
	}
	if tok.AccessToken == "" {
		return "", fmt.Errorf("%s: the token answer holds no access_token", name)
	}
	return tok.AccessToken, nil
}
