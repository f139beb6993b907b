package workflows

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/lead"
)

// rulesWithModel is the rules' reading when a model is configured and may be waited for llmWait.
func rulesWithModel(f lead.Fields, llmWait time.Duration) activities.ExtractResult {
	return activities.ExtractResult{Fields: f, LLM: true, LLMWait: llmWait}
}

// modelReading is what ExtractWithLLM answers: the fused fields and their cost.
func modelReading(f lead.Fields) activities.ExtractResult {
	return activities.ExtractResult{Fields: f, LLM: true, Usage: &activities.ExtractUsage{PromptTokens: 900, CompletionTokens: 150,
		Mode: "json_schema", PromptVersion: "extract-v1"}}
}

func withName(f lead.Fields, name string) lead.Fields {
	f.FullName = lead.Set(name, 0.9, name, lead.SourceLLM)
	return f
}

// expectNobodyFree mocks the steps after extraction when no rep can take the lead: it is matched
// and written (each write appended to s.writes), and routed again and again.
func (s *conversationSuite) expectNobodyFree() {
	s.env.OnActivity(a.MatchContact, mock.Anything, mock.Anything).Return(activities.MatchResult{ContactID: "ct_1"}, nil)
	s.env.OnActivity(a.RouteLead, mock.Anything, mock.Anything).Return(activities.RouteResult{}, nil)
	s.env.OnActivity(a.WriteCRM, mock.Anything, mock.Anything).Return(s.recordWrite)
}

func (s *conversationSuite) conversationClosedAt(d time.Duration) {
	s.send(0, msg("m-1", lead.RoleCustomer, "I'm Sara, demo please, call me on 07700 900123"), nil)
	s.closeAt(d)
}

func (s *conversationSuite) TestModelAnsweringInTimeEnrichesTheFirstWrite() {
	rules := fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(rulesWithModel(rules, 3*time.Second), nil).Once()
	s.env.OnActivity(a.ExtractWithLLM, mock.Anything, mock.Anything).After(time.Second).Return(modelReading(withName(rules, "Sara")), nil).Once()
	s.expectPipeline(1)
	s.conversationClosedAt(10 * time.Second)
	var st ConversationState
	s.queryAt(time.Minute, &st)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, time.Hour)
	s.start()

	s.Require().Len(s.writes, 1, "one write: the model answered within its wait")
	s.Equal("Sara", *s.writes[0].Lead.Fields.FullName.Value)
	s.Equal(extractorLLM, st.Extractor)
	s.Equal(1050, st.LLMTokens)
}

func (s *conversationSuite) TestSlowModelDoesNotHoldTheLeadAndEnrichesItLater() {
	rules := fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(rulesWithModel(rules, 3*time.Second), nil).Once()
	s.env.OnActivity(a.ExtractWithLLM, mock.Anything, mock.Anything).After(2*time.Minute).Return(modelReading(withName(rules, "Sara")), nil).Once()
	s.expectPipeline(1) // routed once, the rep told once
	s.conversationClosedAt(10 * time.Second)
	var before, after ConversationState
	s.queryAt(time.Minute, &before)
	s.queryAt(5*time.Minute, &after)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, time.Hour)
	s.start()

	s.Require().Len(s.writes, 2, "the rules' lead, then the same lead enriched")
	first, second := s.writes[0].Lead, s.writes[1].Lead
	s.False(first.Fields.FullName.Known(), "the first write did not wait for the model")
	s.Equal(first.LeadID, second.LeadID, "no duplicate lead")
	s.Equal("Sara", *second.Fields.FullName.Value)
	s.Equal(*first.Fields.Phone.Value, *second.Fields.Phone.Value, "no field lost")
	s.Equal(first.Assignment.RepID, second.Assignment.RepID, "routing stands")
	s.Equal([]string{extractorRules, extractorLLM}, []string{first.Extractor, second.Extractor})
	s.Equal(1050, second.LLMTokens, "the model's cost is recorded with the lead")
	s.Equal(lead.StatusAssigned, before.Status)
	s.Equal(extractorRules, before.Extractor)
	s.Equal(extractorLLM, after.Extractor)
	s.Equal(lead.StatusAssigned, after.Status)
}

func (s *conversationSuite) TestFailingModelLeavesTheRulesReading() {
	rules := fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(rulesWithModel(rules, 3*time.Second), nil).Once()
	s.env.OnActivity(a.ExtractWithLLM, mock.Anything, mock.Anything).
		Return(activities.ExtractResult{}, temporal.NewNonRetryableApplicationError("llm: status 401", activities.ErrTypeLLMRejected, nil)).Once()
	s.expectPipeline(1)
	s.conversationClosedAt(10 * time.Second)
	var st ConversationState
	s.queryAt(time.Minute, &st)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, time.Hour)
	s.start()

	s.Require().Len(s.writes, 1)
	s.Equal(rules, s.writes[0].Lead.Fields)
	s.Equal(lead.StatusAssigned, st.Status)
	s.Equal(extractorRules, st.Extractor)
}

func (s *conversationSuite) TestLateModelFindingContactDataMakesTheLead() {
	noContact := fieldsWith("", "", lead.IntentDemoRequest, "en")
	found := fieldsWith("", "sara@acme.example", lead.IntentDemoRequest, "en")
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(rulesWithModel(noContact, time.Second), nil).Once()
	s.env.OnActivity(a.ExtractWithLLM, mock.Anything, mock.Anything).After(time.Minute).Return(modelReading(found), nil).Once()
	s.expectPipeline(1)
	s.conversationClosedAt(10 * time.Second)
	var before, after ConversationState
	s.queryAt(30*time.Second, &before)
	s.queryAt(10*time.Minute, &after)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, time.Hour)
	s.start()

	s.Equal(lead.StatusNeedsContact, before.Status)
	s.Equal(lead.StatusAssigned, after.Status, "processed again on the model's reading, without extracting again")
	s.Require().Len(s.writes, 1)
	s.Equal("sara@acme.example", *s.writes[0].Lead.Fields.Email.Value)
}

func (s *conversationSuite) TestRoutingRetryKeepsTheModelsReading() {
	rules := fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(rulesWithModel(rules, 3*time.Second), nil).Once()
	s.env.OnActivity(a.ExtractWithLLM, mock.Anything, mock.Anything).Return(modelReading(withName(rules, "Sara")), nil).Once()
	s.expectNobodyFree()
	s.conversationClosedAt(10 * time.Second)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, 35*time.Minute)
	s.start()

	s.Require().GreaterOrEqual(len(s.writes), 3, "routed again every 10 minutes")
	for _, w := range s.writes {
		s.Equal("Sara", *w.Lead.Fields.FullName.Value, "a routing retry neither asks the model again nor drops its reading")
	}
}

func (s *conversationSuite) TestRoutingRetryWhileTheModelIsSlowAsksItOnce() {
	rules := fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(rulesWithModel(rules, 3*time.Second), nil)
	asked := 0
	s.env.OnActivity(a.ExtractWithLLM, mock.Anything, mock.Anything).After(25 * time.Minute).
		Return(func(context.Context, activities.ExtractInput) (activities.ExtractResult, error) {
			asked++
			return modelReading(withName(rules, "Sara")), nil
		})
	s.expectNobodyFree()
	s.conversationClosedAt(10 * time.Second)
	s.env.RegisterDelayedCallback(func() { s.env.CancelWorkflow() }, 45*time.Minute)
	s.start()

	s.Equal(1, asked, "routing retries do not ask the model again while it is reading")
	s.Require().GreaterOrEqual(len(s.writes), 4, "routed again every 10 minutes, and enriched once the model answered")
	last := s.writes[len(s.writes)-1].Lead
	s.Equal("Sara", *last.Fields.FullName.Value, "the late reading reached the lead")
}
