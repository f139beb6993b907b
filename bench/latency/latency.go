// Package latency summarises measured latencies one way for every benchmark (make bench and make
// bench-match): nearest-rank quantiles, in milliseconds to the microsecond.
package latency

import (
	"math"
	"slices"
	"time"
)

// Durations are latencies of one kind.
type Durations []time.Duration

// Quantiles of a set of latencies, in milliseconds.
type Quantiles struct {
	P50 float64 `json:"p50"`
	P95 float64 `json:"p95"`
	P99 float64 `json:"p99"`
	Max float64 `json:"max"`
	N   int     `json:"n"`
}

// Summary gives the nearest-rank quantiles; zeros for no samples.
func (d Durations) Summary() Quantiles {
	if len(d) == 0 {
		return Quantiles{}
	}
	s := slices.Clone(d)
	slices.Sort(s)
	q := func(p float64) float64 {
		i := int(math.Ceil(p*float64(len(s)))) - 1 // nearest rank
		return MS(s[max(0, min(i, len(s)-1))])
	}
	return Quantiles{P50: q(0.50), P95: q(0.95), P99: q(0.99), Max: MS(s[len(s)-1]), N: len(s)}
}

// MS is d in milliseconds, rounded to the microsecond.
func MS(d time.Duration) float64 {
	return math.Round(float64(d)/float64(time.Microsecond)) / 1000
}
