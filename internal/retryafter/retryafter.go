// Package retryafter reads the Retry-After header (RFC 9110 §10.2.3) that rate-limited and
// overloaded servers send: a number of seconds or an HTTP date. Webhooks, the LLM endpoint and
// CRMs all speak it, and Temporal's NextRetryDelay is where the answer goes.
package retryafter

import (
	"net/http"
	"strconv"
	"strings"
	"time"
)

// Max caps what a server may ask for: a hostile or broken header must not park a lead for days.
const Max = time.Hour

// Parse returns how long the header asks to wait, measured from now, and whether it asked at all.
// A date in the past asks for no wait; anything unreadable is treated as absent.
func Parse(header string, now time.Time) (time.Duration, bool) {
	header = strings.TrimSpace(header)
	if header == "" {
		return 0, false
	}
	if s, err := strconv.ParseInt(header, 10, 64); err == nil {
		if s < 0 {
			return 0, false
		}
		if s > int64(Max/time.Second) {
			return Max, true
		}
		return time.Duration(s) * time.Second, true
	}
	at, err := http.ParseTime(header)
	if err != nil {
		return 0, false
	}
	return min(max(at.Sub(now), 0), Max), true
}
