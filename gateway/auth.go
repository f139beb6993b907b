package main

import (
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gin-gonic/gin"
	"golang.org/x/time/rate"

	"github.com/leadflow/leadflow/internal/store"
)

// Scopes of api-v1. admin implies the others.
const (
	scopeIngest = "ingest"
	scopeRep    = "rep"
	scopeAdmin  = "admin"
)

var allScopes = []string{scopeIngest, scopeRep, scopeAdmin}

const callerKey = "leadflow.caller"

// caller is who made the request.
type caller struct {
	KeyID  string
	Scopes []string
}

func (c caller) has(scope string) bool {
	return slices.Contains(c.Scopes, scopeAdmin) || slices.Contains(c.Scopes, scope)
}

func callerOf(c *gin.Context) caller {
	v, _ := c.Get(callerKey)
	cl, _ := v.(caller)
	return cl
}

// authenticate checks the bearer key and its rate limit, and remembers the caller.
func (s *server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	plain, ok := strings.CutPrefix(h, "Bearer ")
	if !ok || strings.TrimSpace(plain) == "" {
		fail(c, s.logger, &apiError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "an Authorization: Bearer <api key> header is required"})
		return
	}
	key, err := s.keys.get(c.Request.Context(), strings.TrimSpace(plain))
	if errors.Is(err, store.ErrNotFound) {
		fail(c, s.logger, &apiError{Status: http.StatusUnauthorized, Code: "unauthenticated", Message: "the API key is not valid"})
		return
	}
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	if wait, ok := s.limits.allow(key.KeyID); !ok {
		c.Header("Retry-After", strconv.Itoa(int(wait.Seconds()+0.999)))
		fail(c, s.logger, &apiError{Status: http.StatusTooManyRequests, Code: "rate_limited", Message: "too many requests for this API key"})
		return
	}
	c.Set(callerKey, caller{KeyID: key.KeyID, Scopes: key.Scopes})
	c.Next()
}

// require lets the request through only with the scope.
func (s *server) require(scope string) gin.HandlerFunc {
	return func(c *gin.Context) {
		if !callerOf(c).has(scope) {
			fail(c, s.logger, &apiError{Status: http.StatusForbidden, Code: "forbidden", Message: "this API key lacks the " + scope + " scope"})
			return
		}
		c.Next()
	}
}

// rateLimits is a token bucket per API key.
type rateLimits struct {
	mu      sync.Mutex
	perKey  map[string]*rate.Limiter
	rps     float64
	maxKeys int
}

func newRateLimits(rps float64) *rateLimits {
	return &rateLimits{perKey: map[string]*rate.Limiter{}, rps: rps, maxKeys: 10000}
}

// allow takes one token for the key, or says how long until one is free.
func (r *rateLimits) allow(keyID string) (time.Duration, bool) {
	r.mu.Lock()
	l, ok := r.perKey[keyID]
	if !ok {
		if len(r.perKey) >= r.maxKeys { // keys are few; this only bounds memory against abuse
			r.perKey = map[string]*rate.Limiter{}
		}
		l = rate.NewLimiter(rate.Limit(r.rps), max(1, int(r.rps)))
		r.perKey[keyID] = l
	}
	r.mu.Unlock()
	res := l.Reserve()
	if d := res.Delay(); d > 0 {
		res.Cancel()
		return d, false
	}
	return 0, true
}

type createKeyRequest struct {
	Name   string   `json:"name"`
	Scopes []string `json:"scopes"`
}

type createKeyResponse struct {
	Key   string `json:"key"`
	KeyID string `json:"key_id"`
}

// createKey issues a new API key; the plain key is in this answer only.
func (s *server) createKey(c *gin.Context) {
	var req createKeyRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	switch {
	case strings.TrimSpace(req.Name) == "" || len(req.Name) > 200:
		fail(c, s.logger, unprocessable("invalid_name", "name is required (at most 200 characters)", "name"))
		return
	case len(req.Scopes) == 0:
		fail(c, s.logger, unprocessable("required", "scopes is required", "scopes"))
		return
	}
	for _, sc := range req.Scopes {
		if !slices.Contains(allScopes, sc) {
			fail(c, s.logger, unprocessable("invalid_enum", "scopes must be among ingest, rep, admin", "scopes"))
			return
		}
	}
	plain, keyID := "lf_"+randomString(32, base64.RawURLEncoding.EncodeToString), "key_"+randomString(8, hex.EncodeToString)
	if err := s.store.CreateKey(c.Request.Context(), store.APIKey{KeyID: keyID, Name: req.Name, Scopes: req.Scopes}, plain); err != nil {
		fail(c, s.logger, err)
		return
	}
	c.JSON(http.StatusCreated, createKeyResponse{Key: plain, KeyID: keyID})
}

// randomString encodes n random bytes.
func randomString(n int, encode func([]byte) string) string {
	b := make([]byte, n)
	_, _ = rand.Read(b) // crypto/rand.Read never fails on Linux
	return encode(b)
}
