package activities_test

import (
	"testing"
	"time"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/fakellm"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/llm"
)

// inventingModel answers every conversation with a confident reading that is partly true (the
// name and the e-mail the customer gave) and partly invented.
const inventingModel = `{
 "full_name":{"value":"Layla Haddad","confidence":0.95,"evidence":"I'm Layla Haddad"},
 "phone":{"value":"+971 50 999 8888","confidence":0.97,"evidence":"my number"},
 "email":{"value":"layla@sahara-trading.example","confidence":0.96,"evidence":"layla@sahara-trading.example"},
 "company":{"value":"Sahara Global Holdings","confidence":0.9,"evidence":"Sahara"},
 "job_title":{"value":"CEO","confidence":0.9,"evidence":null},
 "country":{"value":"AE","confidence":0.8,"evidence":null},
 "language":{"value":"en","confidence":0.99,"evidence":null},
 "intent":{"value":null,"confidence":0,"evidence":null},
 "product_interest":{"value":null,"confidence":0,"evidence":null},
 "budget":{"amount":250000,"currency":"USD","confidence":0.9,"evidence":"budget of 250k"},
 "urgency":{"value":null,"confidence":0,"evidence":null},
 "company_size":{"value":null,"confidence":0,"evidence":null},
 "summary":{"value":"Wants pricing for the Team plan.","confidence":0.8,"evidence":null}}`

func extractInput(id string) activities.ExtractInput {
	return activities.ExtractInput{ConversationID: id, Channel: lead.ChannelWeb, Country: "AE", Messages: []lead.Message{
		{MessageID: "1", Role: lead.RoleBot, Text: "Hi! Our sales line is +971 4 000 0000."},
		{MessageID: "2", Role: lead.RoleCustomer, Text: "Hi, I'm Layla Haddad. What does the Team plan cost? Write to layla@sahara-trading.example"},
	}}
}

func withModel(t *testing.T, acts *activities.Activities, opts fakellm.Options) *fakellm.Server {
	t.Helper()
	srv, err := fakellm.Start(opts)
	require.NoError(t, err)
	t.Cleanup(func() { _ = srv.Close() })
	acts.LLM, err = llm.New(llm.Config{BaseURL: srv.BaseURL(), APIKey: opts.APIKey, Model: fakellm.Model})
	require.NoError(t, err)
	return srv
}

func TestExtractWithLLMKeepsOnlyWhatTheCustomerWrote(t *testing.T) {
	ctx, acts, _ := newActivities(t)
	withModel(t, acts, fakellm.Options{Respond: func(fakellm.ChatRequest) (fakellm.Reply, error) {
		return fakellm.Reply{Content: inventingModel}, nil
	}})
	acts.LLMWait = 2 * time.Second

	rules, err := acts.ExtractLead(ctx, extractInput("c-llm-1"))
	require.NoError(t, err)
	assert.True(t, rules.LLM)
	assert.Equal(t, 2*time.Second, rules.LLMWait)

	res, err := acts.ExtractWithLLM(ctx, extractInput("c-llm-1"))
	require.NoError(t, err)
	f := res.Fields
	assert.Equal(t, "Layla Haddad", *f.FullName.Value)
	assert.Equal(t, "layla@sahara-trading.example", *f.Email.Value)
	assert.False(t, f.Phone.Known(), "an invented phone is never written")
	assert.False(t, f.Budget.Known(), "an invented budget is never written")
	assert.False(t, f.JobTitle.Known(), "an invented title is never written")
	if f.Company.Known() {
		assert.NotEqual(t, "Sahara Global Holdings", *f.Company.Value)
	}
	require.NotNil(t, res.Usage)
	assert.Positive(t, res.Usage.PromptTokens+res.Usage.CompletionTokens)
	assert.Equal(t, llm.PromptVersion, res.Usage.PromptVersion)
	for _, fl := range []lead.Field[string]{f.FullName, f.Email} {
		assert.Greater(t, fl.Confidence, 0.0)
		assert.LessOrEqual(t, fl.Confidence, 1.0)
	}
}

func TestExtractWithLLMErrorsForTemporal(t *testing.T) {
	ctx, acts, _ := newActivities(t)
	srv := withModel(t, acts, fakellm.Options{})

	srv.FailNext(fakellm.Fault{Status: 429, RetryAfter: 20 * time.Second})
	ae := appError(t, second(acts.ExtractWithLLM(ctx, extractInput("c-llm-2"))))
	assert.False(t, ae.NonRetryable())
	assert.Equal(t, 20*time.Second, ae.NextRetryDelay(), "Retry-After honoured")

	srv.FailNext(fakellm.Fault{Status: 502})
	ae = appError(t, second(acts.ExtractWithLLM(ctx, extractInput("c-llm-2"))))
	assert.False(t, ae.NonRetryable())

	srv.FailNext(fakellm.Fault{Status: 401, Message: "Incorrect API key provided."})
	ae = appError(t, second(acts.ExtractWithLLM(ctx, extractInput("c-llm-2"))))
	assert.True(t, ae.NonRetryable())
	assert.Equal(t, activities.ErrTypeLLMRejected, ae.Type())

	acts.LLM = nil
	ae = appError(t, second(acts.ExtractWithLLM(ctx, extractInput("c-llm-2"))))
	assert.True(t, ae.NonRetryable(), "no model configured")
	rules, err := acts.ExtractLead(ctx, extractInput("c-llm-2"))
	require.NoError(t, err)
	assert.False(t, rules.LLM)
}

func second[T any](_ T, err error) error { return err }
