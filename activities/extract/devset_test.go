package extract

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"testing"

	"github.com/leadflow/leadflow/internal/devset"
	"github.com/leadflow/leadflow/internal/lead"
)

// devsetPath is the shared labelled development set, relative to this package.
var devsetPath = filepath.Join("..", "..", devset.DefaultPath)

// inputOf is a devset line as the extractor reads it.
func inputOf(d devset.Line) Input {
	return Input{Messages: d.Messages(), Channel: d.Channel, Sender: d.Sender, Country: d.Country(), Locale: d.Locale()}
}

func loadDevset(tb testing.TB) []devset.Line {
	tb.Helper()
	lines, err := devset.Read(devsetPath)
	if errors.Is(err, os.ErrNotExist) {
		tb.Skipf("devset not found at %s", devsetPath)
	}
	if err != nil {
		tb.Fatal(err)
	}
	return lines
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
	for _, d := range lines {
		f := Read(inputOf(d), nil)
		for _, field := range devset.Fields {
			if d.Spam() && field != "intent" {
				continue // spam lines are scored on intent only
			}
			got, _ := devset.Got(f, field)
			want := d.Gold.Want(field)
			total[field]++
			if devset.Compare(field, got, want) {
				correct[field]++
				continue
			}
			misses = append(misses, fmt.Sprintf("%-8s %-9s got %v, want %v", d.ID, field, show(got), show(want)))
		}
	}
	t.Logf("%-10s %8s %6s", "field", "correct", "acc")
	for _, k := range devset.Fields {
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
	case *lead.Intent:
		if x == nil {
			return "null"
		}
		return string(*x)
	case *lead.Urgency:
		if x == nil {
			return "null"
		}
		return string(*x)
	case *lead.Money:
		if x == nil {
			return "null"
		}
		return fmt.Sprintf("%v %s", x.Amount, x.Currency)
	}
	return fmt.Sprint(v)
}

// eqName compares names and companies as the devset README says.
func eqName(got, want *string) bool { return devset.Compare("full_name", got, want) }
