package main

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/devset"
)

// heldOutContactsPath is a set written apart from the devset to measure identity resolution on
// conversations the matcher was not developed on: the same people on other channels, in other
// scripts and phone or address formats, mixed with different people who share a name, an office
// line or an info@ mailbox. Its persons are labelled like the devset's; every line gives a phone or
// an e-mail address.
var heldOutContactsPath = filepath.Join("testdata", "heldout_contacts.jsonl")

// TestHeldOutContacts runs the held-out set through the eval itself (the product's reading, then
// store.MatchContact in arrival order on a throw-away Postgres) and holds the matching to the bar
// the product is judged by: no wrong merge, and at least 9 of 10 same-person pairs found.
func TestHeldOutContacts(t *testing.T) {
	if testing.Short() {
		t.Skip("needs Postgres")
	}
	t.Setenv("LLM_BASE_URL", "") // the rules alone, as in the devset test: no model in the loop
	lines, err := devset.Read(heldOutContactsPath)
	require.NoError(t, err)
	require.NotEmpty(t, lines)

	out := filepath.Join(t.TempDir(), "report.json")
	var text bytes.Buffer
	require.NoError(t, run(t.Context(), []string{"-devset", heldOutContactsPath, "-out", out, "-contacts=true"}, &text))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var rep report
	require.NoError(t, json.Unmarshal(b, &rep))
	require.NotNil(t, rep.Contacts)
	c := rep.Contacts
	t.Logf("held-out contacts: %d lines, %d persons, %d true pairs: precision %.3f, recall %.3f (tp %d, fp %d, fn %d)",
		len(lines), c.Persons, c.PairsTrue, c.PairwisePrecision, c.PairwiseRecall, c.TP, c.FP, c.FN)

	assert.Equal(t, len(lines), c.LinesMatched+c.SkippedSpam+c.SkippedUnreach, "every line matched or skipped")
	// A skipped line drops out of the pairs and so out of the score: each line of this set gives a
	// phone or an address, so a skip is a miss the pairwise numbers would not show.
	assert.Zero(t, c.SkippedSpam+c.SkippedUnreach, "lines skipped (spam or no phone or e-mail read)")
	assert.Equal(t, 1.0, c.PairwisePrecision, "pairwise precision: wrong merges:\n%s", pairList(c.FalseMerges))
	assert.GreaterOrEqual(t, c.PairwiseRecall, 0.9, "pairwise recall: missed pairs:\n%s", pairList(c.Missed))
	if t.Failed() {
		t.Log(text.String())
	}
}

// pairList lists pairs by line id with the decision on the later line (ids and key kinds only).
func pairList(pairs []contactPair) string {
	if len(pairs) == 0 {
		return "  (none)\n"
	}
	var b strings.Builder
	for _, p := range pairs {
		fmt.Fprintf(&b, "  %s ~ %s: %s %.2f by [%s]\n", p.A, p.B, p.Decision, p.Score, strings.Join(p.MatchedBy, " "))
	}
	return b.String()
}
