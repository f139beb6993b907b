// Command eval measures the extractor on a labelled set (make eval): per-field precision, recall
// and F1, accuracy, confidence calibration (a reliability table and the expected calibration
// error) and, with a model configured (LLM_BASE_URL, LLM_API_KEY, LLM_MODEL), tokens per lead.
// With -fit it also refits the calibration table from the set's raw confidences. Unless
// -contacts=false, it then matches the readings to contacts on a throw-away Postgres and scores the
// contacts pairwise against the set's person labels (contacts.go).
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"time"

	"github.com/leadflow/leadflow/activities/extract"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/devset"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/llm"
)

func main() {
	if err := run(context.Background(), os.Args[1:], os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "eval:", err)
		os.Exit(1)
	}
}

type options struct {
	devset  string
	out     string
	fit     string
	bins    int
	prior   float64
	timeout time.Duration
	// contacts needs the PostgreSQL binaries (see internal/localstack); off for runs without them.
	contacts bool
}

func run(ctx context.Context, args []string, w io.Writer) error {
	var o options
	fs := flag.NewFlagSet("eval", flag.ContinueOnError)
	fs.StringVar(&o.devset, "devset", devset.DefaultPath, "labelled conversations (JSON lines)")
	fs.StringVar(&o.out, "out", "", "also write the report as JSON to this file")
	fs.StringVar(&o.fit, "fit", "", "refit the calibration from this set and write it to this file (e.g. activities/extract/calibration.json)")
	fs.IntVar(&o.bins, "bins", 10, "calibration bins")
	fs.Float64Var(&o.prior, "prior", 8, "calibration prior strength (pseudo-observations per bin)")
	fs.DurationVar(&o.timeout, "timeout", 90*time.Second, "per-conversation limit for the model")
	fs.BoolVar(&o.contacts, "contacts", true, "also score contact matching pairwise on a throw-away Postgres (needs the PostgreSQL binaries)")
	if err := fs.Parse(args); err != nil {
		return err
	}
	lines, err := devset.Read(o.devset)
	if err != nil {
		return err
	}
	cfg, err := config.Load()
	if err != nil {
		return err
	}
	var model *llm.Client
	if cfg.LLMBaseURL != "" {
		if model, err = llm.New(llm.Config{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel}); err != nil {
			return err
		}
	}
	rep, raw := evaluate(ctx, lines, model, o)
	rep.Set = filepath.Base(o.devset)
	if o.contacts {
		if rep.Contacts, err = matchContacts(ctx, lines, rep.reads); err != nil {
			return err
		}
	}
	rep.print(w)
	if o.fit != "" {
		c := extract.Fit(raw, o.bins, o.prior, fmt.Sprintf("%s, %d conversations, extractor %s", rep.Set, len(lines), rep.Extractor))
		b, err := json.MarshalIndent(c, "", "  ")
		if err != nil {
			return err
		}
		if err := os.WriteFile(o.fit, append(b, '\n'), 0o644); err != nil {
			return err
		}
		fmt.Fprintf(w, "\ncalibration refitted from raw confidences: %s\n", o.fit)
	}
	if o.out != "" {
		b, err := json.MarshalIndent(rep, "", "  ")
		if err != nil {
			return err
		}
		if err := os.MkdirAll(filepath.Dir(o.out), 0o755); err != nil {
			return err
		}
		return os.WriteFile(o.out, append(b, '\n'), 0o644)
	}
	return nil
}

// evaluate reads every line and scores it; it also returns the raw (uncalibrated) samples that
// -fit learns from.
func evaluate(ctx context.Context, lines []devset.Line, model *llm.Client, o options) (*report, map[string][]extract.Sample) {
	rep := &report{Extractor: "rules", Fields: map[string]*fieldScore{}, Lines: len(lines)}
	if model != nil {
		rep.Extractor = "llm+rules"
	}
	for _, f := range devset.Fields {
		rep.Fields[f] = &fieldScore{}
	}
	raw := map[string][]extract.Sample{}
	for _, l := range lines {
		in := extract.Input{Messages: l.Messages(), Channel: l.Channel, Sender: l.Sender, Country: l.Country(), Locale: l.Locale()}
		fields := extract.Rules(in) // raw: what -fit learns from
		var read *extract.Claims
		if model != nil {
			mctx, cancel := context.WithTimeout(ctx, o.timeout)
			claims, usage, err := model.Extract(mctx, llm.Conversation{Channel: l.Channel, Country: in.Country, Locale: in.Locale, Messages: in.Messages})
			cancel()
			rep.Tokens += usage.PromptTokens + usage.CompletionTokens
			if err != nil {
				rep.ModelFailures++ // the product falls back to the rules' reading: so does the eval
			} else {
				read = &claims
				fields = extract.Fuse(in, fields, claims)
			}
		}
		final := extract.Read(in, read) // what the product writes: fused, calibrated, channel proof applied
		rep.reads = append(rep.reads, final)
		for _, name := range devset.Fields {
			if l.Spam() && name != "intent" {
				continue
			}
			want := l.Gold.Want(name)
			got, conf := devset.Got(final, name)
			rep.Fields[name].add(got, want, conf, devset.Compare(name, got, want))
			if gotRaw, confRaw := devset.Got(fields, name); !devset.IsNil(gotRaw) {
				raw[name] = append(raw[name], extract.Sample{Raw: confRaw, Correct: devset.Compare(name, gotRaw, want)})
			}
		}
	}
	var calibrated, rawAll []extract.Sample
	for _, name := range devset.Fields {
		rep.Fields[name].finish()
		calibrated = append(calibrated, rep.Fields[name].samples...)
		rawAll = append(rawAll, raw[name]...)
	}
	rep.Reliability, rep.ECE = reliability(calibrated, o.bins)
	_, rep.ECERaw = reliability(rawAll, o.bins)
	if model != nil && len(lines) > 0 {
		rep.TokensPerLead = float64(rep.Tokens) / float64(len(lines))
	}
	return rep, raw
}

// fieldScore counts one field: a value equal to the label is a true positive; a value where the
// label is absent or different is a false positive; a label not matched is a false negative.
type fieldScore struct {
	TP        int     `json:"tp"`
	FP        int     `json:"fp"`
	FN        int     `json:"fn"`
	Correct   int     `json:"correct"`
	Total     int     `json:"total"`
	Precision float64 `json:"precision"`
	Recall    float64 `json:"recall"`
	F1        float64 `json:"f1"`
	Accuracy  float64 `json:"accuracy"`
	ECE       float64 `json:"ece"`
	samples   []extract.Sample
}

func (s *fieldScore) add(got, want any, conf float64, equal bool) {
	s.Total++
	if !devset.IsNil(got) {
		s.samples = append(s.samples, extract.Sample{Raw: conf, Correct: equal})
	}
	if equal {
		s.Correct++
	}
	switch {
	case !devset.IsNil(got) && equal:
		s.TP++
	case !devset.IsNil(got):
		s.FP++
		if !devset.IsNil(want) {
			s.FN++
		}
	case !devset.IsNil(want):
		s.FN++
	}
}

func (s *fieldScore) finish() {
	s.Precision = ratio(s.TP, s.TP+s.FP)
	s.Recall = ratio(s.TP, s.TP+s.FN)
	if s.Precision+s.Recall > 0 {
		s.F1 = 2 * s.Precision * s.Recall / (s.Precision + s.Recall)
	}
	s.Accuracy = ratio(s.Correct, s.Total)
	_, s.ECE = reliability(s.samples, 10)
}

// ratio is a/b, or 1 when there was nothing to get right (no prediction and no label).
func ratio(a, b int) float64 {
	if b == 0 {
		return 1
	}
	return float64(a) / float64(b)
}

// bin is one row of the reliability table.
type bin struct {
	From           float64 `json:"from"`
	To             float64 `json:"to"`
	N              int     `json:"n"`
	MeanConfidence float64 `json:"mean_confidence"`
	Accuracy       float64 `json:"accuracy"`
}

// reliability bins values by confidence and compares each bin's mean confidence with how often
// its values were right; ECE is the mean gap, weighted by the bins' sizes.
func reliability(samples []extract.Sample, bins int) ([]bin, float64) {
	table := make([]bin, bins)
	for i := range table {
		table[i].From, table[i].To = float64(i)/float64(bins), float64(i+1)/float64(bins)
	}
	correct := make([]int, bins)
	for _, s := range samples {
		b := min(max(int(s.Raw*float64(bins)), 0), bins-1)
		table[b].N++
		table[b].MeanConfidence += s.Raw
		if s.Correct {
			correct[b]++
		}
	}
	ece := 0.0
	for i := range table {
		if table[i].N == 0 {
			continue
		}
		table[i].MeanConfidence /= float64(table[i].N)
		table[i].Accuracy = float64(correct[i]) / float64(table[i].N)
		ece += float64(table[i].N) / float64(len(samples)) * math.Abs(table[i].Accuracy-table[i].MeanConfidence)
	}
	return table, ece
}

type report struct {
	Set           string                 `json:"set"`
	Extractor     string                 `json:"extractor"`
	Lines         int                    `json:"lines"`
	Fields        map[string]*fieldScore `json:"fields"`
	Reliability   []bin                  `json:"reliability"`
	ECE           float64                `json:"ece"`
	ECERaw        float64                `json:"ece_uncalibrated"`
	Tokens        int                    `json:"tokens"`
	TokensPerLead float64                `json:"tokens_per_lead"`
	ModelFailures int                    `json:"model_failures"`
	Contacts      *contactsReport        `json:"contacts,omitempty"` // nil with -contacts=false
	reads         []lead.Fields          // the product's reading of each line, for the contacts
}

func (r *report) print(w io.Writer) {
	fmt.Fprintf(w, "extractor %s on %s (%d conversations)\n\n", r.Extractor, r.Set, r.Lines)
	fmt.Fprintf(w, "%-10s %4s %4s %4s %9s %7s %6s %9s %6s\n", "field", "tp", "fp", "fn", "precision", "recall", "f1", "accuracy", "ece")
	for _, name := range devset.Fields {
		s := r.Fields[name]
		fmt.Fprintf(w, "%-10s %4d %4d %4d %9.3f %7.3f %6.3f %9.3f %6.3f\n", name, s.TP, s.FP, s.FN, s.Precision, s.Recall, s.F1, s.Accuracy, s.ECE)
	}
	fmt.Fprintf(w, "\nreliability (all fields, calibrated confidences)\n%-11s %5s %10s %9s\n", "confidence", "n", "mean conf", "accuracy")
	for _, b := range r.Reliability {
		if b.N > 0 {
			fmt.Fprintf(w, "%.1f–%.1f    %5d %10.3f %9.3f\n", b.From, b.To, b.N, b.MeanConfidence, b.Accuracy)
		}
	}
	fmt.Fprintf(w, "expected calibration error: %.3f (uncalibrated: %.3f)\n", r.ECE, r.ECERaw)
	if r.Extractor != "rules" {
		fmt.Fprintf(w, "tokens: %d, %.0f per lead; model failures (rules used): %d\n", r.Tokens, r.TokensPerLead, r.ModelFailures)
	}
	if r.Contacts != nil {
		r.Contacts.print(w)
	}
}
