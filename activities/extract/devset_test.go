package extract

import (
	"bufio"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"os"
	"sort"
	"strings"
	"testing"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/leadflow/leadflow/internal/lead"
)

// devsetPath is the shared labelled development set, relative to this package.
const devsetPath = "../../../shared/devset/conversations.jsonl"

type devLine struct {
	ID       string        `json:"id"`
	Channel  lead.Channel  `json:"channel"`
	Sender   *lead.Sender  `json:"sender"`
	Context  *lead.Context `json:"context"`
	Messages []struct {
		Role lead.Role `json:"role"`
		Text string    `json:"text"`
	} `json:"messages"`
	Gold struct {
		Phone    *string     `json:"phone"`
		Email    *string     `json:"email"`
		FullName *string     `json:"full_name"`
		Company  *string     `json:"company"`
		Intent   *string     `json:"intent"`
		Language *string     `json:"language"`
		Urgency  *string     `json:"urgency"`
		Budget   *lead.Money `json:"budget"`
	} `json:"gold"`
}

func (d devLine) input() Input {
	in := Input{Channel: d.Channel, Sender: d.Sender}
	if d.Context != nil {
		if d.Context.Country != nil {
			in.Country = *d.Context.Country
		}
		if d.Context.Locale != nil {
			in.Locale = *d.Context.Locale
		}
	}
	for i, m := range d.Messages {
		in.Messages = append(in.Messages, lead.Message{
			MessageID: fmt.Sprint(i), Channel: d.Channel, Role: m.Role, Text: m.Text, Sender: d.Sender, Context: d.Context,
		})
	}
	return in
}

func loadDevset(tb testing.TB) []devLine {
	tb.Helper()
	lines, err := readDevset(devsetPath)
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("devset not found at %s", devsetPath)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return lines
}

func readDevset(path string) ([]devLine, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []devLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	for sc.Scan() {
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var d devLine
		if err := json.Unmarshal(sc.Bytes(), &d); err != nil {
			return nil, fmt.Errorf("devset line %d: %w", len(lines)+1, err)
		}
		lines = append(lines, d)
	}
	return lines, sc.Err()
}

// Minimum devset accuracy per field. The rules reach 1.00 on every field today, but they were
// written with this devset in view, so that figure flatters them; the floors sit a few lines below
// it (one line is ~1.8%), to catch regressions without pretending to precision the set cannot give.
var devsetMinimum = map[string]float64{
	"phone":     0.94,
	"email":     0.96,
	"language":  0.96,
	"intent":    0.93,
	"full_name": 0.92,
	"company":   0.90,
	"urgency":   0.92,
	"budget":    0.93,
}

func TestDevsetAccuracy(t *testing.T) {
	lines := loadDevset(t)
	correct, total := map[string]int{}, map[string]int{}
	var misses []string
	score := func(id, field string, ok bool, got, want any) {
		total[field]++
		if ok {
			correct[field]++
			return
		}
		misses = append(misses, fmt.Sprintf("%-8s %-9s got %v, want %v", id, field, show(got), show(want)))
	}
	for _, d := range lines {
		f := Rules(d.input())
		g := d.Gold
		spam := g.Intent != nil && *g.Intent == string(lead.IntentSpam)
		score(d.ID, "intent", eqStr(intentStr(f.Intent.Value), g.Intent), intentStr(f.Intent.Value), g.Intent)
		if spam {
			continue // spam lines are scored on intent only
		}
		score(d.ID, "phone", eqStr(f.Phone.Value, g.Phone), f.Phone.Value, g.Phone)
		score(d.ID, "email", eqStr(f.Email.Value, g.Email), f.Email.Value, g.Email)
		score(d.ID, "language", eqStr(f.Language.Value, g.Language), f.Language.Value, g.Language)
		score(d.ID, "urgency", eqStr(urgencyStr(f.Urgency.Value), g.Urgency), urgencyStr(f.Urgency.Value), g.Urgency)
		score(d.ID, "full_name", eqName(f.FullName.Value, g.FullName), f.FullName.Value, g.FullName)
		score(d.ID, "company", eqName(f.Company.Value, g.Company), f.Company.Value, g.Company)
		score(d.ID, "budget", eqMoney(f.Budget.Value, g.Budget), f.Budget.Value, g.Budget)
	}
	fields := make([]string, 0, len(total))
	for k := range total {
		fields = append(fields, k)
	}
	sort.Strings(fields)
	t.Logf("%-10s %8s %6s", "field", "correct", "acc")
	for _, k := range fields {
		acc := float64(correct[k]) / float64(total[k])
		t.Logf("%-10s %4d/%-3d %6.3f", k, correct[k], total[k], acc)
		if min, ok := devsetMinimum[k]; ok && acc < min {
			t.Errorf("%s accuracy %.3f is below %.2f", k, acc, min)
		}
	}
	for _, m := range misses {
		t.Log("miss: " + m)
	}
}

func show(v any) string {
	switch x := v.(type) {
	case *string:
		if x == nil {
			return "null"
		}
		return fmt.Sprintf("%q", *x)
	case *lead.Money:
		if x == nil {
			return "null"
		}
		return fmt.Sprintf("%v %s", x.Amount, x.Currency)
	}
	return fmt.Sprint(v)
}

func intentStr(v *lead.Intent) *string {
	if v == nil {
		return nil
	}
	s := string(*v)
	return &s
}

func urgencyStr(v *lead.Urgency) *string {
	if v == nil {
		return nil
	}
	s := string(*v)
	return &s
}

func eqStr(got, want *string) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return *got == *want
}

func eqMoney(got, want *lead.Money) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return got.Currency == want.Currency && math.Abs(got.Amount-want.Amount) <= 0.01*math.Abs(want.Amount)
}

// eqName compares names and companies as the devset README says: NFKC, case folding, Arabic and
// Persian letter unification, no punctuation, quotes, titles or legal-form words, single spaces.
func eqName(got, want *string) bool {
	if got == nil || want == nil {
		return got == nil && want == nil
	}
	return normName(*got) == normName(*want)
}

var scoringDropWords = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "ltd": true, "llc": true, "inc": true, "gmbh": true,
	"fze": true, "ооо": true, "آقای": true, "خانم": true, "شرکت": true, "شركه": true, "有限公司": true,
}

func normName(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.NewReplacer("ي", "ی", "ك", "ک", "ة", "ه").Replace(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return ' '
		}
		return r
	}, s)
	var out []string
	for _, w := range strings.Fields(s) {
		if !scoringDropWords[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
