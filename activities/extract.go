package activities

import (
	"context"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/activities/extract"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/llm"
)

// ExtractInput is a conversation to read.
type ExtractInput struct {
	ConversationID string
	Messages       []lead.Message
	Channel        lead.Channel
	Sender         *lead.Sender
	Country        string
	Locale         string
}

// ExtractResult is what the conversation says about the person.
type ExtractResult struct {
	Fields lead.Fields
	// Facts are counts scoring weighs beside the fields (seats, branches, words, links).
	Facts lead.TextFacts `json:",omitzero"`
	// LLM says that a model is configured: the workflow may ask ExtractWithLLM to enrich the rules'
	// reading, waiting at most LLMWait for it before the lead goes out on the rules alone. Carried
	// in the result, not read by the workflow, so that replays see what the first run saw.
	LLM     bool
	LLMWait time.Duration
	// Usage is what the model cost (ExtractWithLLM only).
	Usage *ExtractUsage `json:",omitempty"`
}

// ExtractUsage is one model call's cost, recorded with the lead.
type ExtractUsage struct {
	PromptTokens     int
	CompletionTokens int
	Mode             string
	PromptVersion    string
	Repaired         bool
}

// ErrTypeLLMRejected is a model endpoint that refused the request or answered nonsense twice: a
// retry would not help, and the rules' reading stands.
const ErrTypeLLMRejected = "LLMRejected"

// ExtractLead reads who the person is and what they want with the deterministic rules. Messages
// stored by an earlier run of the same conversation are read too, so a conversation that resumes
// after its workflow completed is judged on everything the customer said.
func (a *Activities) ExtractLead(ctx context.Context, in ExtractInput) (ExtractResult, error) {
	ex, err := a.extractInput(ctx, in)
	if err != nil {
		return ExtractResult{}, err
	}
	return ExtractResult{Fields: extract.Read(ex, nil), Facts: extract.Facts(ex), LLM: a.LLM != nil, LLMWait: a.LLMWait}, nil
}

// ExtractWithLLM asks the configured model for the same reading and fuses it with the rules':
// what the model says but the customer never wrote is dropped. A slow or failing model only
// delays the enrichment: Temporal retries what is worth retrying, at the pace the endpoint asks.
func (a *Activities) ExtractWithLLM(ctx context.Context, in ExtractInput) (ExtractResult, error) {
	if a.LLM == nil {
		return ExtractResult{}, temporal.NewNonRetryableApplicationError("extract: no model is configured", ErrTypeLLMRejected, nil)
	}
	ex, err := a.extractInput(ctx, in)
	if err != nil {
		return ExtractResult{}, err
	}
	claims, usage, err := a.LLM.Extract(ctx, llm.Conversation{Channel: in.Channel, Country: in.Country, Locale: in.Locale, Messages: ex.Messages})
	u := &ExtractUsage{PromptTokens: usage.PromptTokens, CompletionTokens: usage.CompletionTokens, Mode: usage.Mode.String(),
		PromptVersion: usage.PromptVersion, Repaired: usage.Repaired}
	if activity.IsActivity(ctx) { // tests call the method directly
		activity.GetLogger(ctx).Info("Model read the conversation", "Tokens", u.PromptTokens+u.CompletionTokens, "Mode", u.Mode,
			"PromptVersion", u.PromptVersion, "Repaired", u.Repaired, "Failed", err != nil)
	}
	if err != nil {
		return ExtractResult{}, llmError(err, a.now())
	}
	return ExtractResult{Fields: extract.Read(ex, &claims), LLM: true, Usage: u}, nil
}

// extractInput gathers the conversation the extractors read.
func (a *Activities) extractInput(ctx context.Context, in ExtractInput) (extract.Input, error) {
	if in.ConversationID == "" || len(in.Messages) == 0 {
		return extract.Input{}, invalid("extract: a conversation id and at least one message are required", nil)
	}
	stored, err := a.Store.Transcript(ctx, in.ConversationID)
	if err != nil {
		return extract.Input{}, classify("extract", fmt.Errorf("extract: %w", err))
	}
	return extract.Input{Messages: mergeTranscript(stored, in.Messages), Channel: in.Channel, Sender: in.Sender,
		Country: in.Country, Locale: in.Locale}, nil
}

// llmError tells Temporal whether to try the model again, and when.
func llmError(err error, now time.Time) error {
	var e *llm.Error
	if !errors.As(err, &e) {
		return err
	}
	switch e.Kind {
	case llm.Rejected, llm.InvalidAnswer:
		return temporal.NewNonRetryableApplicationError(e.Error(), ErrTypeLLMRejected, nil)
	}
	if e.RetryAfter > 0 {
		return temporal.NewApplicationErrorWithOptions(e.Error(), ErrTypeRetryLater, temporal.ApplicationErrorOptions{NextRetryDelay: e.RetryAfter})
	}
	return retryLater(e.Error(), "", now)
}

// mergeTranscript puts earlier stored messages before the workflow's own, each message once.
func mergeTranscript(stored, current []lead.Message) []lead.Message {
	if len(stored) == 0 {
		return current
	}
	seen := make(map[string]bool, len(current))
	for _, m := range current {
		seen[m.MessageID] = true
	}
	out := make([]lead.Message, 0, len(stored)+len(current))
	for _, m := range stored {
		if !seen[m.MessageID] {
			out = append(out, m)
		}
	}
	return append(out, current...)
}
