package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func scrape(t *testing.T, h *Handler) string {
	t.Helper()
	rec := httptest.NewRecorder()
	h.HTTP().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(rec.Body)
	return string(b)
}

// The speed to lead is kept by part; the SDK's own metrics, whose tags vary, are dropped.
func TestSpeedToLeadByPart(t *testing.T) {
	h := New()
	h.WithTags(map[string]string{PartTag: PartSystem}).Timer(SpeedToLead).Record(800 * time.Millisecond)
	h.WithTags(map[string]string{PartTag: PartHuman}).WithTags(map[string]string{"namespace": "default"}).Timer(SpeedToLead).Record(3 * time.Minute)
	h.WithTags(map[string]string{PartTag: PartHuman}).Timer(SpeedToLead).Record(time.Hour)
	h.Timer(SpeedToLead).Record(time.Second)                                                               // no part: not a speed-to-lead figure
	h.WithTags(map[string]string{"task_queue": "q"}).Timer("temporal_request_latency").Record(time.Second) // the SDK's
	h.Counter("temporal_request").Inc(1)
	h.Gauge("temporal_num_pollers").Update(2)

	out := scrape(t, h)
	for _, want := range []string{
		`leadflow_speed_to_lead_seconds_count{part="system"} 1`,
		`leadflow_speed_to_lead_seconds_sum{part="system"} 0.8`,
		`leadflow_speed_to_lead_seconds_count{part="human"} 2`,
		`leadflow_speed_to_lead_seconds_bucket{part="human",le="300"} 1`,
		`leadflow_speed_to_lead_seconds_bucket{part="human",le="3600"} 2`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	for _, unwanted := range []string{"temporal_", `part=""`} {
		if strings.Contains(out, unwanted) {
			t.Errorf("%s exported:\n%s", unwanted, out)
		}
	}
}
