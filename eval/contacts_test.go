package main

import (
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"
)

func TestPairwise(t *testing.T) {
	for _, tc := range []struct {
		name                string
		gold, got           []string
		tp, fp, fn, pairs   int
		precision, recall   float64
		falseMerges, missed [][2]int
	}{
		{name: "all merged", gold: []string{"a", "a", "b"}, got: []string{"x", "x", "x"},
			tp: 1, fp: 2, pairs: 1, precision: 1.0 / 3, recall: 1, falseMerges: [][2]int{{0, 2}, {1, 2}}},
		{name: "all apart", gold: []string{"a", "a", "b"}, got: []string{"x", "y", "z"},
			fn: 1, pairs: 1, precision: 1, recall: 0, missed: [][2]int{{0, 1}}},
		{name: "exact", gold: []string{"a", "b", "a", "a"}, got: []string{"x", "y", "x", "x"},
			tp: 3, pairs: 3, precision: 1, recall: 1},
		{name: "one missed of three", gold: []string{"a", "a", "a"}, got: []string{"x", "x", "y"},
			tp: 1, fn: 2, pairs: 3, precision: 1, recall: 1.0 / 3, missed: [][2]int{{0, 2}, {1, 2}}},
		{name: "labels are only compared, never matched across", gold: []string{"a", "b"}, got: []string{"b", "a"},
			precision: 1, recall: 1},
		{name: "no items", precision: 1, recall: 1},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := pairwise(tc.gold, tc.got)
			assert.Equal(t, [4]int{tc.pairs, tc.tp, tc.fp, tc.fn}, [4]int{s.PairsTrue, s.TP, s.FP, s.FN}, "true, tp, fp, fn")
			assert.InDelta(t, tc.precision, s.Precision, 1e-12, "precision")
			assert.InDelta(t, tc.recall, s.Recall, 1e-12, "recall")
			assert.Equal(t, tc.falseMerges, s.FalseMerges, "false merges")
			assert.Equal(t, tc.missed, s.Missed, "missed")
		})
	}
}

// TestEvalScoresContacts runs the matching end to end on the devset: it needs the PostgreSQL
// binaries, so -short skips it like the repository's other tests that start services.
func TestEvalScoresContacts(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Postgres")
	}
	t.Setenv("LLM_BASE_URL", "")
	text, rep := runEval(t, "-contacts=true")
	require.NotNil(t, rep.Contacts)
	c := rep.Contacts
	assert.Contains(t, text, "contacts: identity resolution")
	assert.Equal(t, len(devsetLines(t)), c.LinesMatched+c.SkippedSpam+c.SkippedUnreach, "every line matched or skipped")
	assert.Equal(t, c.LinesMatched, c.Decisions["new"]+c.Decisions["merged"]+c.Decisions["review"])
	assert.Equal(t, c.PairsTrue, c.TP+c.FN)
	assert.Len(t, c.FalseMerges, c.FP)
	assert.Len(t, c.Missed, c.FN)
	for _, l := range devsetLines(t) {
		for _, field := range []*string{l.Gold.Phone, l.Gold.Email, l.Gold.FullName} {
			if field != nil {
				assert.NotContains(t, text, *field, "%s: no personal data in the report", l.ID)
			}
		}
	}
}
