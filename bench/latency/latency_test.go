package latency

import (
	"testing"
	"time"
)

func TestQuantilesAreNearestRank(t *testing.T) {
	var d Durations
	for i := 1; i <= 200; i++ {
		d = append(d, time.Duration(201-i)*time.Millisecond) // unsorted on purpose
	}
	q := d.Summary()
	if q.P50 != 100 || q.P95 != 190 || q.P99 != 198 || q.Max != 200 || q.N != 200 {
		t.Errorf("got %+v", q)
	}
	if (Durations{}).Summary() != (Quantiles{}) {
		t.Error("no samples must give zeros, not a panic")
	}
	if q := (Durations{7 * time.Millisecond}).Summary(); q.P50 != 7 || q.P99 != 7 {
		t.Errorf("one sample: %+v", q)
	}
	if got := MS(1234567 * time.Nanosecond); got != 1.235 {
		t.Errorf("MS = %v, want 1.235", got)
	}
}
