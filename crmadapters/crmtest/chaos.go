// Package crmtest is what every CRM adapter's tests share: the compliance suite all adapters, the
// built-in one included, must pass (Run), a fault injector that makes a fake CRM throttle, fail and
// drop connections after committing (Chaos), and an in-memory id map (MemoryIDs).
package crmtest

import (
	"net/http"
	"net/http/httptest"
	"sync"
)

// Fault is what Chaos does to one request.
type Fault int

// Faults.
const (
	// Pass serves the request.
	Pass Fault = iota
	// Throttle answers with the CRM's own rate-limit answer before the CRM sees the request.
	Throttle
	// Unavailable answers 503 before the CRM sees the request.
	Unavailable
	// DropAfterCommit lets the CRM serve and commit the request, then closes the connection
	// without an answer: the client cannot know the write happened.
	DropAfterCommit
	// FailAfterCommit lets the CRM commit, then answers 502 as a proxy that lost the answer would.
	FailAfterCommit
)

// DefaultPlan is a deterministic mix of every fault, repeated over the requests: more than half
// of them go wrong in one way or another.
var DefaultPlan = []Fault{Pass, Throttle, Pass, DropAfterCommit, Unavailable, Pass, FailAfterCommit, Pass, DropAfterCommit, Throttle, Pass}

// Chaos wraps a fake CRM's handler and applies Plan to its requests in turn, cycling.
type Chaos struct {
	Plan []Fault
	// Throttled writes the CRM's rate-limit answer (its status, headers and body).
	Throttled http.HandlerFunc

	mu       sync.Mutex
	disabled bool
	n        int
	counts   map[Fault]int
}

// Disable switches the faults off: the CRM serves every request. The compliance suite disables
// them in every test but its chaos test.
func (c *Chaos) Disable() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.disabled = true
}

// Wrap returns the handler with faults injected.
func (c *Chaos) Wrap(h http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch f := c.next(); f {
		case Throttle:
			c.Throttled(w, r)
		case Unavailable:
			http.Error(w, `{"message":"service unavailable"}`, http.StatusServiceUnavailable)
		case DropAfterCommit, FailAfterCommit:
			rec := httptest.NewRecorder()
			h.ServeHTTP(rec, r)
			if f == FailAfterCommit || rec.Code >= 300 {
				http.Error(w, "bad gateway", http.StatusBadGateway)
				return
			}
			conn, _, err := http.NewResponseController(w).Hijack()
			if err != nil {
				panic("crmtest: the fake server cannot drop connections: " + err.Error())
			}
			_ = conn.Close()
		default:
			h.ServeHTTP(w, r)
		}
	})
}

// Count reports how many requests got fault f.
func (c *Chaos) Count(f Fault) int {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.counts[f]
}

func (c *Chaos) next() Fault {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.disabled {
		return Pass
	}
	if c.counts == nil {
		c.counts = map[Fault]int{}
	}
	plan := c.Plan
	if len(plan) == 0 {
		plan = DefaultPlan
	}
	f := plan[c.n%len(plan)]
	c.n++
	c.counts[f]++
	return f
}
