// Package metrics exports what the worker measures about leads to Prometheus: the speed to lead,
// split into the system's part (first message to assignment) and the human part (assignment to the
// rep's first touch). The workflow records them through Temporal's metrics handler, which skips
// replays, so a lead is counted once however often its history is replayed.
package metrics

import (
	"net/http"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
	"go.temporal.io/sdk/client"
)

// SpeedToLead is the timer the workflow records each part of the speed to lead on, with the tag
// PartTag set to one of the Part constants.
const (
	SpeedToLead = "leadflow_speed_to_lead"
	PartTag     = "part"
)

// Parts of the speed to lead.
const (
	PartSystem = "system" // first message → assigned
	PartHuman  = "human"  // assigned → first touch
	PartTotal  = "total"  // first message → first touch
)

// Handler is a Temporal metrics handler that keeps Leadflow's own timers as Prometheus
// histograms and drops the SDK's metrics (their tag sets vary from call to call, which Prometheus
// labels cannot). It is safe for concurrent use.
type Handler struct {
	registry *prometheus.Registry
	speed    *prometheus.HistogramVec
	tags     map[string]string
}

var _ client.MetricsHandler = (*Handler)(nil)

// New returns a handler over a registry of its own, with the Go and process collectors.
func New() *Handler {
	reg := prometheus.NewRegistry()
	reg.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}))
	speed := prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: SpeedToLead + "_seconds",
		Help: "Speed to lead by part: system (first message to assigned), human (assigned to first touch), total.",
		// From a second (the pipeline) to a day (a lead left overnight).
		Buckets: []float64{0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120, 300, 600, 1800, 3600, 4 * 3600, 24 * 3600},
	}, []string{PartTag})
	reg.MustRegister(speed)
	return &Handler{registry: reg, speed: speed}
}

// HTTP serves the registry in Prometheus' text format.
func (h *Handler) HTTP() http.Handler { return promhttp.HandlerFor(h.registry, promhttp.HandlerOpts{}) }

// WithTags returns a handler that adds tags to what it records.
func (h *Handler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return &Handler{registry: h.registry, speed: h.speed, tags: merged}
}

// Timer records Leadflow's timers; the SDK's are dropped.
func (h *Handler) Timer(name string) client.MetricsTimer {
	part, ok := h.tags[PartTag]
	if name != SpeedToLead || !ok {
		return client.MetricsNopHandler.Timer(name)
	}
	return timer{h.speed.WithLabelValues(part)}
}

// Counter drops the SDK's counters.
func (h *Handler) Counter(name string) client.MetricsCounter {
	return client.MetricsNopHandler.Counter(name)
}

// Gauge drops the SDK's gauges.
func (h *Handler) Gauge(name string) client.MetricsGauge { return client.MetricsNopHandler.Gauge(name) }

type timer struct{ o prometheus.Observer }

func (t timer) Record(d time.Duration) { t.o.Observe(d.Seconds()) }
