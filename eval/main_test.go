package main

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/activities/extract"
	"github.com/leadflow/leadflow/internal/devset"
	"github.com/leadflow/leadflow/internal/fakellm"
)

// devsetPath is the shared set as seen from this package.
var devsetPath = filepath.Join("..", devset.DefaultPath)

func runEval(t *testing.T, args ...string) (string, report) {
	t.Helper()
	if _, err := os.Stat(devsetPath); err != nil {
		t.Skipf("devset not found: %v", err)
	}
	out := filepath.Join(t.TempDir(), "report.json")
	var buf bytes.Buffer
	// The contacts need Postgres: off unless the test asks for them (the last flag wins).
	args = append([]string{"-devset", devsetPath, "-out", out, "-contacts=false"}, args...)
	require.NoError(t, run(t.Context(), args, &buf))
	b, err := os.ReadFile(out)
	require.NoError(t, err)
	var rep report
	require.NoError(t, json.Unmarshal(b, &rep))
	return buf.String(), rep
}

func TestEvalRulesReportsEveryField(t *testing.T) {
	t.Setenv("LLM_BASE_URL", "")
	text, rep := runEval(t)
	assert.Equal(t, "rules", rep.Extractor)
	for _, f := range devset.Fields {
		require.Contains(t, rep.Fields, f)
		assert.Contains(t, text, f)
		applies := len(devsetLines(t)) - spamLines(t) // spam lines are scored on intent only
		if f == "intent" {
			applies = len(devsetLines(t))
		}
		assert.Equal(t, applies, rep.Fields[f].Total, "%s scored on every line it applies to", f)
	}
	assert.Contains(t, text, "expected calibration error")
	assert.NotEmpty(t, rep.Reliability)
	assert.Zero(t, rep.Tokens)
}

func TestEvalWithAModelThatInventsDropsTheInventions(t *testing.T) {
	srv, err := fakellm.Start(fakellm.Options{Respond: func(fakellm.ChatRequest) (fakellm.Reply, error) {
		return fakellm.Reply{Content: `{"phone":{"value":"+1 415 555 0199","confidence":0.99,"evidence":"call me"},
			"email":{"value":"ceo@invented.example","confidence":0.99,"evidence":"email"},
			"full_name":{"value":"John Invented","confidence":0.99,"evidence":"I'm John"},
			"budget":{"amount":999999,"currency":"USD","confidence":0.99,"evidence":"budget"}}`}, nil
	}})
	require.NoError(t, err)
	defer srv.Close()
	t.Setenv("LLM_BASE_URL", srv.BaseURL())
	t.Setenv("LLM_MODEL", fakellm.Model)
	t.Setenv("LLM_API_KEY", "eval")

	t.Setenv("LLM_BASE_URL", "")
	_, rules := runEval(t)
	t.Setenv("LLM_BASE_URL", srv.BaseURL())
	text, withModel := runEval(t)

	assert.Equal(t, "llm+rules", withModel.Extractor)
	assert.Positive(t, withModel.TokensPerLead)
	assert.Contains(t, text, "per lead")
	for _, f := range []string{"phone", "email", "full_name", "budget"} {
		assert.Equal(t, rules.Fields[f].FP, withModel.Fields[f].FP, "%s: an invented value became a false positive", f)
		assert.Equal(t, rules.Fields[f].TP, withModel.Fields[f].TP, "%s", f)
	}
	assert.EqualValues(t, len(devsetLines(t)), srv.Requests())
}

func TestFitWritesATableTheExtractorCanLoad(t *testing.T) {
	t.Setenv("LLM_BASE_URL", "")
	path := filepath.Join(t.TempDir(), "calibration.json")
	text, _ := runEval(t, "-fit", path, "-prior", "20")
	assert.True(t, strings.Contains(text, "refitted"))
	b, err := os.ReadFile(path)
	require.NoError(t, err)
	var c extract.Calibration
	require.NoError(t, json.Unmarshal(b, &c))
	assert.Equal(t, 20.0, c.PriorStrength)
	for _, f := range devset.Fields {
		require.Len(t, c.Fields[f], 10, f)
	}
}

func devsetLines(t *testing.T) []devset.Line {
	lines, err := devset.Read(devsetPath)
	require.NoError(t, err)
	return lines
}

func spamLines(t *testing.T) int {
	n := 0
	for _, l := range devsetLines(t) {
		if l.Spam() {
			n++
		}
	}
	return n
}
