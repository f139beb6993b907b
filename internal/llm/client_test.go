package llm

import (
	"context"
	"encoding/json"
	"errors"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/fakellm"
	"github.com/leadflow/leadflow/internal/lead"
)

const goodAnswer = `{"full_name":{"value":"Sara Kim","confidence":0.93,"evidence":"I'm Sara Kim"},
 "phone":{"value":"07400 123456","confidence":0.9,"evidence":"call me on 07400 123456"},
 "email":{"value":null,"confidence":0,"evidence":null},"company":{"value":"Brightwave","confidence":0.8,"evidence":"from Brightwave Ltd"},
 "job_title":{"value":null,"confidence":0,"evidence":null},"country":{"value":"GB","confidence":0.7,"evidence":null},
 "language":{"value":"en","confidence":0.99,"evidence":null},"intent":{"value":"demo_request","confidence":0.9,"evidence":"a demo"},
 "product_interest":{"value":["team plan"],"confidence":0.6,"evidence":"Team plan"},
 "budget":{"amount":5000,"currency":"GBP","confidence":0.7,"evidence":"£5k"},
 "urgency":{"value":"high","confidence":0.8,"evidence":"this week"},"company_size":{"value":"11-50","confidence":0.5,"evidence":"40 agents"},
 "summary":{"value":"Wants a demo of the Team plan this week.","confidence":0.8,"evidence":null}}`

func conversation() Conversation {
	phone, ext := "+447400999999", "cookie-secret-id"
	sender := &lead.Sender{Phone: &phone, ExternalID: &ext}
	return Conversation{Channel: lead.ChannelWeb, Country: "GB", Locale: "en-GB", Messages: []lead.Message{
		{MessageID: "conv-7f3a:1", Role: lead.RoleBot, Text: "Hi! How can I help?", Sender: sender},
		{MessageID: "conv-7f3a:2", Role: lead.RoleCustomer, Text: "I'm Sara Kim from Brightwave Ltd, call me on 07400 123456", Sender: sender},
	}}
}

func start(t *testing.T, opts fakellm.Options) (*fakellm.Server, *Client) {
	t.Helper()
	srv, err := fakellm.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	c, err := New(Config{BaseURL: srv.BaseURL(), APIKey: opts.APIKey, Model: "extract-model"})
	require.NoError(t, err)
	return srv, c
}

func replyWith(content string) func(fakellm.ChatRequest) (fakellm.Reply, error) {
	return func(fakellm.ChatRequest) (fakellm.Reply, error) { return fakellm.Reply{Content: content}, nil }
}

func TestRequestIsStrictSchemaWithTheTranscriptAsData(t *testing.T) {
	srv, c := start(t, fakellm.Options{APIKey: "sk-test-secret", Respond: replyWith(goodAnswer)})
	claims, usage, err := c.Extract(t.Context(), conversation())
	require.NoError(t, err)

	bodies := srv.Bodies()
	require.Len(t, bodies, 1)
	body := string(bodies[0])
	var req struct {
		Model          string `json:"model"`
		ResponseFormat struct {
			Type       string `json:"type"`
			JSONSchema struct {
				Name   string          `json:"name"`
				Strict bool            `json:"strict"`
				Schema json.RawMessage `json:"schema"`
			} `json:"json_schema"`
		} `json:"response_format"`
		Messages []struct {
			Role    string `json:"role"`
			Content string `json:"content"`
		} `json:"messages"`
	}
	require.NoError(t, json.Unmarshal(bodies[0], &req))
	assert.Equal(t, "extract-model", req.Model)
	assert.Equal(t, "json_schema", req.ResponseFormat.Type)
	assert.True(t, req.ResponseFormat.JSONSchema.Strict)
	assert.Equal(t, schemaName, req.ResponseFormat.JSONSchema.Name)
	assert.JSONEq(t, string(answerSchema), string(req.ResponseFormat.JSONSchema.Schema))

	require.Len(t, req.Messages, 2)
	assert.Equal(t, "system", req.Messages[0].Role)
	assert.Equal(t, systemPrompt, req.Messages[0].Content, "the prompt is the versioned one, nothing appended")
	assert.Equal(t, "user", req.Messages[1].Role)
	var doc struct {
		Channel  string `json:"channel"`
		Country  string `json:"country_hint"`
		Messages []turn `json:"messages"`
	}
	require.NoError(t, json.Unmarshal([]byte(req.Messages[1].Content), &doc), "the transcript is sent as a JSON document")
	assert.Equal(t, []turn{{"bot", "Hi! How can I help?"}, {"customer", "I'm Sara Kim from Brightwave Ltd, call me on 07400 123456"}}, doc.Messages)
	assert.Equal(t, "GB", doc.Country)

	for _, secret := range []string{"sk-test-secret", "cookie-secret-id", "+447400999999", "conv-7f3a"} {
		assert.NotContains(t, body, secret, "the request carries no key, channel identity or internal id")
	}

	require.NotNil(t, claims.FullName)
	assert.Equal(t, "Sara Kim", claims.FullName.Value)
	assert.Equal(t, "I'm Sara Kim", claims.FullName.Evidence)
	assert.Nil(t, claims.Email, "null values are no claim")
	require.NotNil(t, claims.Budget)
	assert.Equal(t, 5000.0, claims.Budget.Amount)
	assert.Equal(t, []string{"team plan"}, claims.ProductInterest.Values)
	assert.Positive(t, usage.PromptTokens)
	assert.Positive(t, usage.CompletionTokens)
	assert.Equal(t, PromptVersion, usage.PromptVersion)
	assert.Equal(t, ModeJSONSchema, usage.Mode)
}

func TestFallsBackOnceWhenTheEndpointLacksStructuredOutput(t *testing.T) {
	tests := []struct {
		lacks []fakellm.Capability
		want  Mode
	}{
		{[]fakellm.Capability{fakellm.CapJSONSchema}, ModeJSONObject},
		{[]fakellm.Capability{fakellm.CapJSONSchema, fakellm.CapJSONObject}, ModeTool},
		{[]fakellm.Capability{fakellm.CapJSONSchema, fakellm.CapJSONObject, fakellm.CapTools}, ModePlain},
	}
	for _, tt := range tests {
		t.Run(tt.want.String(), func(t *testing.T) {
			srv, c := start(t, fakellm.Options{Lacks: tt.lacks, Respond: replyWith(goodAnswer)})
			claims, usage, err := c.Extract(t.Context(), conversation())
			require.NoError(t, err)
			assert.Equal(t, tt.want, usage.Mode)
			assert.Equal(t, "Sara Kim", claims.FullName.Value)
			assert.EqualValues(t, len(tt.lacks)+1, srv.Requests(), "one refused request per missing feature")

			_, _, err = c.Extract(t.Context(), conversation())
			require.NoError(t, err)
			assert.EqualValues(t, len(tt.lacks)+2, srv.Requests(), "found out once: the next call goes straight to %s", tt.want)
			last := string(srv.Bodies()[len(srv.Bodies())-1])
			if tt.want != ModeTool {
				assert.True(t, strings.Contains(last, "follows this JSON schema") && strings.Contains(last, `additionalProperties`),
					"the schema travels in the prompt")
			}
		})
	}
}

func TestInvalidAnswersAreRepairedOnce(t *testing.T) {
	tests := []struct {
		name     string
		replies  []fakellm.Reply
		wantKind Kind // -1: success
	}{
		{"fenced JSON is fine", []fakellm.Reply{{Content: "```json\n" + goodAnswer + "\n```"}}, -1},
		{"malformed, then fixed", []fakellm.Reply{{Content: `{"full_name": {"value": "Sara`}, {Content: goodAnswer}}, -1},
		{"cut off, then fixed", []fakellm.Reply{{Content: goodAnswer, FinishReason: "length"}, {Content: goodAnswer}}, -1},
		{"wrong types twice", []fakellm.Reply{{Content: `{"phone": 7}`}, {Content: `["not", "an", "object"]`}}, InvalidAnswer},
		{"prose twice", []fakellm.Reply{{Content: "Sure! The customer is Sara."}, {Content: "Sara Kim, 07400 123456"}}, InvalidAnswer},
		{"truncated twice", []fakellm.Reply{{Content: `{"full_name":`, FinishReason: "length"}, {Content: `{"full_`, FinishReason: "length"}}, InvalidAnswer},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var n atomic.Int32
			srv, c := start(t, fakellm.Options{Respond: func(fakellm.ChatRequest) (fakellm.Reply, error) {
				i := int(n.Add(1)) - 1
				return tt.replies[min(i, len(tt.replies)-1)], nil
			}})
			claims, usage, err := c.Extract(t.Context(), conversation())
			if tt.wantKind < 0 {
				require.NoError(t, err)
				assert.Equal(t, "Sara Kim", claims.FullName.Value)
				assert.Equal(t, len(tt.replies) > 1, usage.Repaired)
				return
			}
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.wantKind, e.Kind)
			assert.EqualValues(t, 2, srv.Requests(), "one repair, no more")
			repair := string(srv.Bodies()[1])
			assert.Contains(t, repair, "cannot be used", "the repair request says what was wrong")
		})
	}
}

func TestErrorsSayWhetherARetryHelps(t *testing.T) {
	tests := []struct {
		name      string
		fault     fakellm.Fault
		kind      Kind
		status    int
		waitAtLst time.Duration
	}{
		{"rate limited", fakellm.Fault{Status: 429, RetryAfter: 3 * time.Second}, Retryable, 429, 3 * time.Second},
		{"overloaded", fakellm.Fault{Status: 503}, Retryable, 503, 0},
		{"server error", fakellm.Fault{Status: 500, Message: "boom"}, Retryable, 500, 0},
		{"bad request", fakellm.Fault{Status: 400, Message: "messages too long"}, Rejected, 400, 0},
		{"forbidden", fakellm.Fault{Status: 403, Message: "model not allowed"}, Rejected, 403, 0},
		{"no such model", fakellm.Fault{Status: 404, Message: "model not found"}, Rejected, 404, 0},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			srv, c := start(t, fakellm.Options{Respond: replyWith(goodAnswer)})
			srv.FailNext(tt.fault)
			_, _, err := c.Extract(t.Context(), conversation())
			var e *Error
			require.ErrorAs(t, err, &e)
			assert.Equal(t, tt.kind, e.Kind)
			assert.Equal(t, tt.status, e.Status)
			assert.Equal(t, tt.waitAtLst, e.RetryAfter)
			assert.EqualValues(t, 1, srv.Requests(), "the client never retries by itself")
		})
	}

	t.Run("wrong key", func(t *testing.T) {
		srv, err := fakellm.Start(fakellm.Options{APIKey: "right"})
		require.NoError(t, err)
		defer srv.Close()
		c, err := New(Config{BaseURL: srv.BaseURL(), APIKey: "wrong", Model: "m"})
		require.NoError(t, err)
		_, _, err = c.Extract(t.Context(), conversation())
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, Rejected, e.Kind)
		assert.Equal(t, 401, e.Status)
		assert.NotContains(t, err.Error(), "wrong", "the key is not echoed into errors and logs")
	})

	t.Run("slow model", func(t *testing.T) {
		_, c := start(t, fakellm.Options{Latency: 5 * time.Second, Respond: replyWith(goodAnswer)})
		ctx, cancel := context.WithTimeout(t.Context(), 100*time.Millisecond)
		defer cancel()
		_, _, err := c.Extract(ctx, conversation())
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, Retryable, e.Kind)
	})

	t.Run("unreachable", func(t *testing.T) {
		srv, c := start(t, fakellm.Options{})
		require.NoError(t, srv.Close())
		_, _, err := c.Extract(t.Context(), conversation())
		var e *Error
		require.ErrorAs(t, err, &e)
		assert.Equal(t, Retryable, e.Kind)
	})
}

func TestConfigIsChecked(t *testing.T) {
	for _, cfg := range []Config{{BaseURL: "", Model: "m"}, {BaseURL: "ftp://x", Model: "m"}, {BaseURL: "http://localhost:1/v1"}} {
		_, err := New(cfg)
		assert.Error(t, err, "%+v", cfg)
	}
}

func TestLongConversationsKeepEveryTurn(t *testing.T) {
	conv := Conversation{Channel: lead.ChannelEmail}
	for i := 0; i < 40; i++ {
		conv.Messages = append(conv.Messages, lead.Message{Role: lead.RoleCustomer, Text: strings.Repeat("word ", 400)})
	}
	conv.Messages = append(conv.Messages, lead.Message{Role: lead.RoleBot, Text: "last"})
	data, err := transcript(conv)
	require.NoError(t, err)
	var doc struct{ Messages []turn }
	require.NoError(t, json.Unmarshal([]byte(data), &doc))
	assert.Len(t, doc.Messages, 41)
	assert.Equal(t, "last", doc.Messages[40].Text)
	assert.Less(t, len([]rune(data)), maxTranscriptRunes+41*250)
	_, err = transcript(Conversation{})
	assert.True(t, err != nil && !errors.Is(err, errInvalidAnswer))
}
