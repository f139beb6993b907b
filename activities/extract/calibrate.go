package extract

import (
	_ "embed"
	"encoding/json"
	"fmt"
	"math"
	"sort"
	"strings"
	"sync"

	"github.com/leadflow/leadflow/internal/lead"
)

// Read is the extractor as the pipeline uses it: the rules, fused with a model's claims when
// there are any, and every confidence calibrated.
func Read(in Input, claims *Claims) lead.Fields {
	c := newConversation(in) // read once: the rules, the fusion and the proof share it
	f := c.rules()
	if claims != nil {
		f = c.fuse(f, *claims)
	}
	return c.proven(DefaultCalibration().Apply(f))
}

// proven raises a phone or e-mail that the channel itself vouches for (the WhatsApp sender's
// number, a logged-in user's address) to channelProof: that is a proof, not a reading, so no
// calibration table speaks for it.
func (c *conversation) proven(f lead.Fields) lead.Fields {
	if e164, _, ok := c.senderPhone(); ok && f.Phone.Known() && *f.Phone.Value == e164 {
		f.Phone.Confidence = max(f.Phone.Confidence, channelProof)
	}
	if s := c.in.Sender; s != nil && s.Email != nil && f.Email.Known() && strings.EqualFold(strings.TrimSpace(*s.Email), *f.Email.Value) {
		f.Email.Confidence = max(f.Email.Confidence, channelProof)
	}
	return f
}

// Calibration maps the raw confidence of each field to the share of such values that turned out
// right on labelled conversations, so that 0.9 means right about 9 times in 10.
//
// The method is histogram binning with a Beta prior: raw confidences are cut into equal-width
// bins; a bin's calibrated value is (correct + m·centre) / (n + m), where n values fell in the bin,
// correct of them matched the label, and m (PriorStrength) pseudo-observations sit at the bin's
// centre, so that a thin bin moves only part of the way from the raw number towards what was
// observed. The bins are then made non-decreasing (pool adjacent violators), and a confidence is
// read by linear interpolation between bin centres. `bin/eval -fit` refits the table from a
// labelled set; docs/extraction.md says how the committed one was made.
type Calibration struct {
	Method        string                `json:"method"`
	FittedOn      string                `json:"fitted_on"`
	PriorStrength float64               `json:"prior_strength"`
	Bins          int                   `json:"bins"`
	Fields        map[string][]BinCount `json:"fields"`
}

// BinCount is one bin of one field: what was seen and what it maps to.
type BinCount struct {
	N          int     `json:"n"`
	Correct    int     `json:"correct"`
	Calibrated float64 `json:"calibrated"`
}

// Sample is one extracted value of a labelled conversation: its raw confidence and whether it
// matched the label.
type Sample struct {
	Raw     float64
	Correct bool
}

//go:embed calibration.json
var calibrationJSON []byte

// DefaultCalibration is the committed table (calibration.json).
var DefaultCalibration = sync.OnceValue(func() *Calibration {
	var c Calibration
	if err := json.Unmarshal(calibrationJSON, &c); err != nil {
		panic(fmt.Sprintf("calibration.json: %v", err)) // embedded and tested: a broken build, not a runtime state
	}
	return &c
})

// Fit builds a calibration from labelled samples per field.
func Fit(samples map[string][]Sample, bins int, priorStrength float64, fittedOn string) *Calibration {
	c := &Calibration{Method: "histogram binning with a Beta prior at the bin centre, pooled to be non-decreasing",
		FittedOn: fittedOn, PriorStrength: priorStrength, Bins: bins, Fields: map[string][]BinCount{}}
	names := make([]string, 0, len(samples))
	for k := range samples {
		names = append(names, k)
	}
	sort.Strings(names)
	for _, name := range names {
		counts := make([]BinCount, bins)
		for _, s := range samples[name] {
			b := binOf(s.Raw, bins)
			counts[b].N++
			if s.Correct {
				counts[b].Correct++
			}
		}
		weights := make([]float64, bins)
		for i := range counts {
			centre := (float64(i) + 0.5) / float64(bins)
			weights[i] = float64(counts[i].N) + priorStrength
			counts[i].Calibrated = (float64(counts[i].Correct) + priorStrength*centre) / weights[i]
		}
		poolAdjacentViolators(counts, weights)
		c.Fields[name] = counts
	}
	return c
}

// poolAdjacentViolators makes the calibrated values non-decreasing by merging any bin that is
// higher than its right neighbour with it, at their weighted mean.
func poolAdjacentViolators(counts []BinCount, weights []float64) {
	type block struct {
		value, weight float64
		n             int
	}
	var stack []block
	for i := range counts {
		stack = append(stack, block{counts[i].Calibrated, weights[i], 1})
		for len(stack) > 1 && stack[len(stack)-2].value > stack[len(stack)-1].value {
			a, b := stack[len(stack)-2], stack[len(stack)-1]
			w := a.weight + b.weight
			stack = append(stack[:len(stack)-2], block{(a.value*a.weight + b.value*b.weight) / w, w, a.n + b.n})
		}
	}
	i := 0
	for _, b := range stack {
		for k := 0; k < b.n; k++ {
			counts[i].Calibrated = math.Round(b.value*1000) / 1000
			i++
		}
	}
}

func binOf(raw float64, bins int) int {
	return min(max(int(clamp(raw)*float64(bins)), 0), bins-1)
}

// Map calibrates one raw confidence of a field; a field the table does not know keeps its value.
func (c *Calibration) Map(field string, raw float64) float64 {
	counts, ok := c.Fields[field]
	if !ok || len(counts) == 0 || raw <= 0 {
		return clamp(raw)
	}
	bins := float64(len(counts))
	x := clamp(raw)*bins - 0.5 // position in bin-centre units
	i := int(math.Floor(x))
	switch {
	case i < 0:
		return counts[0].Calibrated
	case i >= len(counts)-1:
		return counts[len(counts)-1].Calibrated
	}
	t := x - float64(i)
	return math.Round((counts[i].Calibrated*(1-t)+counts[i+1].Calibrated*t)*1000) / 1000
}

// Apply calibrates every known field.
func (c *Calibration) Apply(f lead.Fields) lead.Fields {
	calibrate(c, "full_name", &f.FullName)
	calibrate(c, "phone", &f.Phone)
	calibrate(c, "email", &f.Email)
	calibrate(c, "company", &f.Company)
	calibrate(c, "job_title", &f.JobTitle)
	calibrate(c, "country", &f.Country)
	calibrate(c, "language", &f.Language)
	calibrate(c, "intent", &f.Intent)
	calibrate(c, "product_interest", &f.ProductInterest)
	calibrate(c, "budget", &f.Budget)
	calibrate(c, "urgency", &f.Urgency)
	calibrate(c, "company_size", &f.CompanySize)
	calibrate(c, "summary", &f.Summary)
	return f
}

func calibrate[T any](c *Calibration, name string, f *lead.Field[T]) {
	if f.Known() {
		f.Confidence = c.Map(name, f.Confidence)
	}
}
