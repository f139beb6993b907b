package zoho

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"sync"
	"time"

	"golang.org/x/sync/singleflight"

	"github.com/leadflow/leadflow/crmadapters"
)

// refreshTimeout bounds a token refresh that callers share: it outlives the caller that started
// it, so one canceled activity does not fail the others waiting on the same refresh.
const refreshTimeout = 30 * time.Second

type tokenKey struct{}

// tokens holds the access token, refreshed with the OAuth client's refresh token
// (POST {accounts}/oauth/v2/token?grant_type=refresh_token&…). Zoho limits how many tokens a
// refresh token may mint in a few minutes, so concurrent callers share one refresh.
type tokens struct {
	accounts                             *crmadapters.HTTP
	clientID, clientSecret, refreshToken string

	mu     sync.Mutex
	token  string
	flight singleflight.Group
}

// current is the token to send, fetched on first use.
func (t *tokens) current(ctx context.Context) (string, error) {
	t.mu.Lock()
	tok := t.token
	t.mu.Unlock()
	if tok != "" {
		return tok, nil
	}
	return t.refresh(ctx, "")
}

// refresh replaces stale, the token Zoho refused. A caller whose stale token another caller has
// already replaced gets the new one without a second refresh.
func (t *tokens) refresh(ctx context.Context, stale string) (string, error) {
	ch := t.flight.DoChan("token", func() (any, error) {
		t.mu.Lock()
		tok := t.token
		t.mu.Unlock()
		if tok != stale {
			return tok, nil
		}
		fctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), refreshTimeout)
		defer cancel()
		tok, err := t.fetch(fctx)
		if err != nil {
			return "", err
		}
		t.mu.Lock()
		t.token = tok
		t.mu.Unlock()
		return tok, nil
	})
	select {
	case <-ctx.Done():
		return "", ctx.Err()
	case r := <-ch:
		if r.Err != nil {
			return "", r.Err
		}
		return r.Val.(string), nil
	}
}

// tokenAnswer is the accounts server's answer; a refused refresh is HTTP 200 with "error" set
// (invalid_client, invalid_code).
type tokenAnswer struct {
	AccessToken string `json:"access_token"`
	Error       string `json:"error"`
}

func (t *tokens) fetch(ctx context.Context) (string, error) {
	q := url.Values{
		"grant_type":    {"refresh_token"},
		"client_id":     {t.clientID},
		"client_secret": {t.clientSecret},
		"refresh_token": {t.refreshToken},
	}
	ans, err := t.accounts.Do(ctx, http.MethodPost, "/oauth/v2/token?"+q.Encode(), nil)
	if err != nil {
		return "", err
	}
	var tok tokenAnswer
	if !ans.OK() {
		_ = ans.Decode(name, &tok) // the code when there is one
		return "", t.accounts.Fail(ans, tok.Error, 0)
	}
	if err := ans.Decode(name, &tok); err != nil {
		return "", err
	}
	switch {
	case tok.Error != "":
		return "", &crmadapters.RejectedError{CRM: name, Status: ans.Status, Code: tok.Error, Msg: "token refresh refused"}
	case tok.AccessToken == "":
		return "", fmt.Errorf("%s: token answer without an access token (HTTP %d)", name, ans.Status)
	}
	return tok.AccessToken, nil
}
