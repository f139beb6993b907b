package activities

import (
	"context"
	"fmt"

	"github.com/leadflow/leadflow/activities/extract"
	"github.com/leadflow/leadflow/internal/lead"
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
}

// ExtractLead reads who the person is and what they want. Messages stored by an earlier run of the
// same conversation are read too, so a conversation that resumes after its workflow completed is
// judged on everything the customer said.
func (a *Activities) ExtractLead(ctx context.Context, in ExtractInput) (ExtractResult, error) {
	if in.ConversationID == "" || len(in.Messages) == 0 {
		return ExtractResult{}, invalid("extract: a conversation id and at least one message are required", nil)
	}
	stored, err := a.Store.Transcript(ctx, in.ConversationID)
	if err != nil {
		return ExtractResult{}, classify("extract", fmt.Errorf("extract: %w", err))
	}
	msgs := mergeTranscript(stored, in.Messages)
	fields := extract.Rules(extract.Input{Messages: msgs, Channel: in.Channel, Sender: in.Sender, Country: in.Country, Locale: in.Locale})
	return ExtractResult{Fields: fields}, nil
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
