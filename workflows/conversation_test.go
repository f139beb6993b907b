package workflows

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/stretchr/testify/mock"
	"github.com/stretchr/testify/require"
	"github.com/stretchr/testify/suite"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/testsuite"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/lead"
)

type conversationSuite struct {
	suite.Suite
	testsuite.WorkflowTestSuite
	revision int
	env      *testsuite.TestWorkflowEnvironment
	// attrs is the latest set of search attributes the workflow upserted (each upsert carries all).
	attrs temporal.SearchAttributes
	// upserts counts the workflow's search-attribute upserts; statuses are the statuses they set.
	upserts  int
	statuses []string
	// writes are the WriteCRM inputs, in order.
	writes []activities.WriteCRMInput
	// upsertCall is the search-attribute mock, for tests of runs that need not upsert.
	upsertCall *testsuite.MockCallWrapper
}

// The current logic, and the revision that runs started before it still follow: both must keep
// every promise.
func TestConversation(t *testing.T) {
	t.Run("Current", func(t *testing.T) { suite.Run(t, &conversationSuite{revision: CurrentRevision}) })
	t.Run("RevisionPolicy", func(t *testing.T) { suite.Run(t, &conversationSuite{revision: RevisionPolicy}) })
	t.Run("RevisionLean", func(t *testing.T) { suite.Run(t, &conversationSuite{revision: RevisionLean}) })
	t.Run("RevisionInitial", func(t *testing.T) { suite.Run(t, &conversationSuite{revision: RevisionInitial}) })
}

var testSettings = Settings{QuietPeriod: 2 * time.Minute, ContactWait: 24 * time.Hour, FirstFollowupDelay: 15 * time.Minute,
	RouteRetry: 10 * time.Minute, LeadIdle: 72 * time.Hour}

const convID = "web-123"

func (s *conversationSuite) SetupTest() {
	s.env = s.NewTestWorkflowEnvironment()
	s.writes, s.upserts, s.statuses = nil, 0, nil
	s.env.RegisterActivity(&activities.Activities{})
	// Scoring is pure: the real one runs, as it does in production.
	s.upsertCall = s.env.OnUpsertTypedSearchAttributes(mock.Anything).Run(func(args mock.Arguments) {
		s.attrs = args.Get(0).(temporal.SearchAttributes)
		s.upserts++
		status, _ := s.attrs.GetKeyword(AttrLeadStatus)
		s.statuses = append(s.statuses, status)
	}).Return(nil)
	// What the gateway sets when it starts a conversation.
	s.Require().NoError(s.env.SetTypedSearchAttributesOnStart(temporal.NewSearchAttributes(
		AttrLeadStatus.ValueSet(string(lead.StatusCollecting)), AttrChannel.ValueSet(string(lead.ChannelWeb)),
		AttrSLABreached.ValueSet(false))))
}

func (s *conversationSuite) AfterTest(_, _ string) { s.env.AssertExpectations(s.T()) }

func (s *conversationSuite) start() {
	s.env.ExecuteWorkflow(Conversation, &ConversationInput{ConversationID: convID, Settings: testSettings, Revision: s.revision})
}

func msg(id string, role lead.Role, text string) lead.Message {
	return lead.Message{MessageID: id, Channel: lead.ChannelWeb, Role: role, Text: text}
}

// send delivers a message at delay d and records the answer in *got.
func (s *conversationSuite) send(d time.Duration, m lead.Message, got *string) {
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(UpdateAddMessage, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { s.Fail("message rejected", err.Error()) },
			OnComplete: func(r any, err error) {
				s.NoError(err)
				if got != nil {
					*got = r.(AddMessageResult).Status
				}
			},
		}, AddMessageInput{Message: m})
	}, d)
}

// closeAt closes the conversation as the gateway does, with a signal.
func (s *conversationSuite) closeAt(d time.Duration) {
	s.env.RegisterDelayedCallback(func() { s.env.SignalWorkflow(SignalClose, CloseInput{Reason: "user_left"}) }, d)
}

// closeByUpdateAt closes it as gateways before the signal did.
func (s *conversationSuite) closeByUpdateAt(d time.Duration) {
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(UpdateClose, "", &testsuite.TestUpdateCallback{
			OnReject:   func(err error) { s.Fail("close rejected", err.Error()) },
			OnComplete: func(any, error) {},
		}, CloseInput{Reason: "user_left"})
	}, d)
}

type outcomeAnswer struct {
	res      RecordOutcomeResult
	rejected error
	failed   error
}

func (s *conversationSuite) outcomeAt(d time.Duration, in RecordOutcomeInput, got *outcomeAnswer) {
	s.env.RegisterDelayedCallback(func() {
		s.env.UpdateWorkflow(UpdateRecordOutcome, "", &testsuite.TestUpdateCallback{
			OnReject: func(err error) { got.rejected = err },
			OnComplete: func(r any, err error) {
				got.failed = err
				if err == nil {
					got.res = r.(RecordOutcomeResult)
				}
			},
		}, in)
	}, d)
}

func (s *conversationSuite) queryAt(d time.Duration, got *ConversationState) {
	s.env.RegisterDelayedCallback(func() {
		v, err := s.env.QueryWorkflow(QueryState)
		s.Require().NoError(err)
		s.Require().NoError(v.Get(got))
	}, d)
}

func fieldsWith(phone, email string, intent lead.Intent, language string) lead.Fields {
	var f lead.Fields
	if phone != "" {
		f.Phone = lead.Set(phone, 0.9, phone, lead.SourceRules)
	}
	if email != "" {
		f.Email = lead.Set(email, 0.9, email, lead.SourceRules)
	}
	f.Intent = lead.Set(intent, 0.8, "demo", lead.SourceRules)
	f.Language = lead.Set(language, 0.9, "hi", lead.SourceRules)
	return f
}

var assignment = &lead.Assignment{RepID: "rep-7", TeamID: "emea", Rule: "team_round_robin", Skipped: []lead.SkippedRep{}}

// expectPipeline mocks the steps after extraction for a reachable lead.
// Every WriteCRM input is appended to s.writes.
func (s *conversationSuite) expectPipeline(routeTimes int) {
	s.env.OnActivity(a.MatchContact, mock.Anything, mock.MatchedBy(func(in activities.MatchInput) bool {
		return in.LeadID == LeadID(convID)
	})).Return(activities.MatchResult{ContactID: "ct_1", IsNewContact: true, Match: lead.Match{Decision: lead.MatchNew}}, nil)
	s.env.OnActivity(a.RouteLead, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RouteInput) (activities.RouteResult, error) {
		asg := *assignment
		asg.AssignedAt = s.env.Now()
		return activities.RouteResult{Assignment: &asg}, nil
	}).Times(routeTimes)
	s.env.OnActivity(a.WriteCRM, mock.Anything, mock.Anything).Return(s.recordWrite)
	s.env.OnActivity(a.NotifyRep, mock.Anything, mock.MatchedBy(func(in activities.NotifyInput) bool {
		return in.Kind == activities.NotifyNewLead && in.RepID == "rep-7"
	})).Return(activities.NotifyResult{}, nil).Once()
}

// recordWrite is WriteCRM as the mocks answer it: the input is kept in s.writes.
func (s *conversationSuite) recordWrite(_ context.Context, in activities.WriteCRMInput) (activities.WriteCRMResult, error) {
	s.writes = append(s.writes, in)
	return activities.WriteCRMResult{Status: in.Lead.Status, CRMWrittenAt: s.env.Now()}, nil
}

func (s *conversationSuite) TestCloseProcessesAssignsAndWonEndsTheWorkflow() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.MatchedBy(func(in activities.ExtractInput) bool {
		return len(in.Messages) == 2 && in.Country == "GB"
	})).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Once()
	s.expectPipeline(1)
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil).Twice()

	first := msg("m-1", lead.RoleCustomer, "We need a demo, call me on 07700 900123")
	gb := "GB"
	first.Context = &lead.Context{Country: &gb, Events: []string{"clicked_demo_cta"}}
	var got1, got2 string
	s.send(0, first, &got1)
	s.send(10*time.Second, msg("m-2", lead.RoleBot, "Thanks!"), &got2)
	s.closeAt(20 * time.Second)
	var assigned ConversationState
	s.queryAt(time.Minute, &assigned)
	var contacted, won outcomeAnswer
	s.outcomeAt(5*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeContacted, IdempotencyKey: "k1"}, &contacted)
	s.outcomeAt(time.Hour, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeWon, IdempotencyKey: "k2"}, &won)
	s.start()

	s.True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var res ConversationResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(lead.StatusWon, res.Status)
	s.Equal(LeadID(convID), res.LeadID)
	s.Equal(MessageAccepted, got1)
	s.Equal(MessageAccepted, got2)
	s.Equal(lead.StatusAssigned, assigned.Status, "processed at close, not after the quiet period")
	s.Equal("rep-7", assigned.RepID)
	s.Empty(assigned.MissingFields)
	s.Equal(lead.StatusContacted, contacted.res.Status)
	s.Equal(lead.StatusWon, won.res.Status)
	s.env.AssertActivityNotCalled(s.T(), "EscalateFirstTouch", mock.Anything, mock.Anything)

	sa := s.attrs
	status, _ := sa.GetKeyword(AttrLeadStatus)
	rep, _ := sa.GetKeyword(AttrRepID)
	tier, _ := sa.GetKeyword(AttrLeadTier)
	s.Equal("won", status)
	s.Equal("rep-7", rep)
	s.Equal("hot", tier) // demo + phone + CTA
}

func (s *conversationSuite) TestQuietPeriodTriggersProcessingWithoutClose() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "sara@acme.io", lead.IntentPriceInquiry, "en")}, nil).Once()
	s.expectPipeline(1)
	s.send(0, msg("m-1", lead.RoleCustomer, "price? sara@acme.io"), nil)
	var before, after ConversationState
	s.queryAt(time.Minute, &before)
	s.queryAt(3*time.Minute, &after)
	s.env.SetTestTimeout(time.Minute)
	s.start()

	s.Equal(lead.StatusCollecting, before.Status, "nothing happens inside the quiet period")
	s.Equal(lead.StatusAssigned, after.Status)
	s.True(s.env.IsWorkflowCompleted()) // lead idle after 72h of no news
}

func (s *conversationSuite) TestDuplicateMessageChangesNothing() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.MatchedBy(func(in activities.ExtractInput) bool {
		return len(in.Messages) == 1
	})).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Once()
	s.expectPipeline(1)
	var first, again string
	m := msg("m-1", lead.RoleCustomer, "demo please 07700 900123")
	s.send(0, m, &first)
	s.send(30*time.Second, m, &again)
	s.closeAt(40 * time.Second)
	var st ConversationState
	s.queryAt(time.Minute, &st)
	s.start()

	s.Equal(MessageAccepted, first)
	s.Equal(MessageDuplicate, again)
	s.Equal(1, st.Messages)
}

func (s *conversationSuite) TestNoContactWaitsThenEndsAsNoLead() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "", lead.IntentDemoRequest, "fa")}, nil).Once()
	s.send(0, msg("m-1", lead.RoleCustomer, "سلام، دمو می‌خواستم"), nil)
	s.closeAt(time.Second)
	var st ConversationState
	s.queryAt(time.Hour, &st)
	s.start()

	s.Equal(lead.StatusNeedsContact, st.Status)
	s.Equal([]string{lead.MissingPhoneOrEmail}, st.MissingFields)
	var res ConversationResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(lead.StatusNoLead, res.Status, "after ContactWait with no contact data")
	s.Empty(res.LeadID)
	s.env.AssertActivityNotCalled(s.T(), "MatchContact", mock.Anything, mock.Anything)
}

func (s *conversationSuite) TestContactDataArrivingLaterMakesTheLead() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.MatchedBy(func(in activities.ExtractInput) bool { return len(in.Messages) == 1 })).
		Return(activities.ExtractResult{Fields: fieldsWith("", "", lead.IntentDemoRequest, "fa")}, nil).Once()
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.MatchedBy(func(in activities.ExtractInput) bool { return len(in.Messages) == 2 })).
		Return(activities.ExtractResult{Fields: fieldsWith("+989120004567", "", lead.IntentDemoRequest, "fa")}, nil).Once()
	s.expectPipeline(1)
	s.send(0, msg("m-1", lead.RoleCustomer, "سلام، دمو می‌خواستم"), nil)
	s.closeAt(time.Second)
	s.send(5*time.Hour, msg("m-2", lead.RoleCustomer, "۰۹۱۲ ۰۰۰ ۴۵۶۷"), nil)
	s.closeAt(5*time.Hour + time.Second)
	var st ConversationState
	s.queryAt(6*time.Hour, &st)
	s.start()

	s.Equal(lead.StatusAssigned, st.Status)
	s.Empty(st.MissingFields)
}

func (s *conversationSuite) TestSpamNeverReachesARep() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "seo@spam.example", lead.IntentSpam, "en")}, nil).Once()
	s.send(0, msg("m-1", lead.RoleCustomer, "Buy backlinks! seo@spam.example"), nil)
	s.closeAt(time.Second)
	s.start()

	var res ConversationResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(lead.StatusNoLead, res.Status)
	for _, act := range []string{"MatchContact", "RouteLead", "WriteCRM", "NotifyRep"} {
		s.env.AssertActivityNotCalled(s.T(), act, mock.Anything, mock.Anything)
	}
}

func (s *conversationSuite) TestFirstTouchOverdueEscalates() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Once()
	s.expectPipeline(1)
	var escalatedAt time.Time
	s.env.OnActivity(a.EscalateFirstTouch, mock.Anything, mock.MatchedBy(func(in activities.EscalateInput) bool {
		return in.RepID == "rep-7" && in.TeamID == "emea"
	})).Return(func(_ context.Context, _ activities.EscalateInput) (activities.EscalateResult, error) {
		escalatedAt = s.env.Now()
		return activities.EscalateResult{}, nil
	}).Once()
	start := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	s.env.SetStartTime(start)
	s.send(0, msg("m-1", lead.RoleCustomer, "demo 07700 900123"), nil)
	s.closeAt(time.Second)
	var late outcomeAnswer
	s.outcomeAt(2*time.Hour, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeLost, IdempotencyKey: "k"}, &late)
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil).Once()
	s.start()

	s.WithinDuration(start.Add(time.Second+15*time.Minute), escalatedAt, 2*time.Second, "escalated when the call task fell due")
	breached, _ := s.attrs.GetBool(AttrSLABreached)
	s.True(breached)
	s.Equal(lead.StatusLost, late.res.Status)
}

func (s *conversationSuite) TestOutcomeValidation() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Once()
	s.expectPipeline(1)
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil).Twice()

	var early, wrongRep, badOutcome, won, repeat, afterWon, byAdmin outcomeAnswer
	s.outcomeAt(0, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeContacted, IdempotencyKey: "a"}, &early)
	s.send(time.Second, msg("m-1", lead.RoleCustomer, "demo 07700 900123"), nil)
	s.closeAt(2 * time.Second)
	s.outcomeAt(time.Minute, RecordOutcomeInput{RepID: "rep-3", Outcome: lead.OutcomeContacted, IdempotencyKey: "b"}, &wrongRep)
	s.outcomeAt(time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: "maybe", IdempotencyKey: "c"}, &badOutcome)
	s.outcomeAt(2*time.Minute, RecordOutcomeInput{RepID: "rep-3", Outcome: lead.OutcomeQualified, IdempotencyKey: "d", ByAdmin: true}, &byAdmin)
	s.outcomeAt(3*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeWon, IdempotencyKey: "e"}, &won)
	// Sent while the won update is in flight: after won the workflow completes, and later calls are
	// the gateway's to answer from the store.
	s.outcomeAt(3*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeWon, IdempotencyKey: "e"}, &repeat)
	s.outcomeAt(3*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeContacted, IdempotencyKey: "f"}, &afterWon)
	s.start()

	requireType(s.T(), early.rejected, ErrTypeOutcomeNotAllowed)
	requireType(s.T(), wrongRep.rejected, ErrTypeNotAssignedRep)
	requireType(s.T(), badOutcome.rejected, ErrTypeInvalidOutcome)
	s.NoError(byAdmin.rejected)
	s.Equal(lead.StatusQualified, byAdmin.res.Status)
	s.Equal(lead.StatusWon, won.res.Status)
	s.Equal(RecordOutcomeResult{Status: lead.StatusWon, Duplicate: true}, repeat.res)
	// Validated before won was applied, so it fails in the handler rather than being rejected.
	requireType(s.T(), errors.Join(afterWon.rejected, afterWon.failed), ErrTypeOutcomeNotAllowed)
}

func requireType(t *testing.T, err error, errType string) {
	t.Helper()
	var appErr *temporal.ApplicationError
	require.True(t, errors.As(err, &appErr), "want an application error of type %s, got %v", errType, err)
	require.Equal(t, errType, appErr.Type())
}

func (s *conversationSuite) TestLaterMessagesUpdateTheSameLead() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Twice()
	s.expectPipeline(1)
	s.send(0, msg("m-1", lead.RoleCustomer, "demo 07700 900123"), nil)
	s.closeAt(time.Second)
	s.send(time.Hour, msg("m-2", lead.RoleCustomer, "also my colleague wants pricing"), nil)
	s.closeAt(time.Hour + time.Second)
	s.env.OnActivity(a.EscalateFirstTouch, mock.Anything, mock.Anything).Return(activities.EscalateResult{}, nil).Once()
	s.start()

	s.Require().Len(s.writes, 2)
	s.Equal(s.writes[0].Lead.LeadID, s.writes[1].Lead.LeadID, "one lead per conversation")
	s.Len(s.writes[0].Lead.Messages, 1)
	s.Len(s.writes[1].Lead.Messages, 1, "only the new message is appended to the transcript")
	s.Equal("m-2", s.writes[1].Lead.Messages[0].MessageID)
}

func (s *conversationSuite) TestNoRepAvailableRoutesAgainLater() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil)
	s.env.OnActivity(a.MatchContact, mock.Anything, mock.Anything).Return(activities.MatchResult{ContactID: "ct_1"}, nil)
	s.env.OnActivity(a.RouteLead, mock.Anything, mock.Anything).Return(activities.RouteResult{}, nil).Once()
	s.env.OnActivity(a.RouteLead, mock.Anything, mock.Anything).Return(func(_ context.Context, _ activities.RouteInput) (activities.RouteResult, error) {
		asg := *assignment
		asg.AssignedAt = s.env.Now()
		return activities.RouteResult{Assignment: &asg}, nil
	}).Once()
	s.env.OnActivity(a.WriteCRM, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.WriteCRMInput) (activities.WriteCRMResult, error) {
		return activities.WriteCRMResult{Status: in.Lead.Status}, nil
	})
	s.env.OnActivity(a.NotifyRep, mock.Anything, mock.Anything).Return(activities.NotifyResult{}, nil).Once()
	s.env.OnActivity(a.EscalateFirstTouch, mock.Anything, mock.Anything).Return(activities.EscalateResult{}, nil).Once()
	s.send(0, msg("m-1", lead.RoleCustomer, "demo 07700 900123"), nil)
	s.closeAt(time.Second)
	var waiting, assigned ConversationState
	s.queryAt(5*time.Minute, &waiting)
	s.queryAt(11*time.Minute, &assigned)
	s.start()

	s.Equal(lead.StatusProcessing, waiting.Status)
	s.Equal(lead.StatusAssigned, assigned.Status)
}

// Messages that keep coming hold processing off until the quiet period has passed since the
// latest one, in every revision (the lean one arms one timer at a time instead of one per message).
func (s *conversationSuite) TestEveryMessageMovesTheQuietPeriod() {
	var processedAt time.Time
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(func(context.Context, activities.ExtractInput) (activities.ExtractResult, error) {
		processedAt = s.env.Now()
		return activities.ExtractResult{Fields: fieldsWith("", "sara@acme.io", lead.IntentPriceInquiry, "en")}, nil
	}).Once()
	s.expectPipeline(1)
	begin := s.env.Now()
	for i, at := range []time.Duration{0, 90 * time.Second, 150 * time.Second, 200 * time.Second} {
		s.send(at, msg(fmt.Sprintf("m-%d", i), lead.RoleCustomer, "price? sara@acme.io"), nil)
	}
	s.env.SetTestTimeout(time.Minute)
	s.start()

	s.Equal(200*time.Second+testSettings.QuietPeriod, processedAt.Sub(begin).Round(time.Second),
		"processed one quiet period after the latest message")
}

// From RevisionLean on, support staff's search attributes are written only when they change:
// a conversation that is closed and assigned at once shows collecting (set at start) then
// assigned, and never the "processing" of a few milliseconds.
func (s *conversationSuite) TestSearchAttributesOnlyWhenTheyChange() {
	if s.revision < RevisionLean {
		s.T().Skip("RevisionInitial upserts on every status change")
	}
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Once()
	s.expectPipeline(1)
	s.send(0, msg("m-1", lead.RoleCustomer, "demo 07700 900123"), nil)
	s.send(time.Second, msg("m-2", lead.RoleCustomer, "today please"), nil)
	s.closeAt(2 * time.Second)
	s.env.SetTestTimeout(time.Minute)
	s.start()

	// The second is the first touch falling overdue 15 minutes later (no rep outcome in this test).
	s.Equal([]string{string(lead.StatusAssigned), string(lead.StatusAssigned)}, s.statuses)
	breached, _ := s.attrs.GetBool(AttrSLABreached)
	s.True(breached)
}

// A pipeline that fails leaves the conversation in "processing", and support staff see that.
func (s *conversationSuite) TestFailingPipelineShowsProcessing() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{},
		temporal.NewNonRetryableApplicationError("extractor down", "test", nil))
	s.send(0, msg("m-1", lead.RoleCustomer, "demo 07700 900123"), nil)
	s.closeAt(time.Second)
	var st ConversationState
	s.queryAt(time.Minute, &st)
	s.env.SetTestTimeout(time.Minute)
	s.start()

	s.Equal(lead.StatusProcessing, st.Status)
	s.Contains(s.statuses, string(lead.StatusProcessing))
}

func (s *conversationSuite) TestCloseByUpdateStillProcessesAtOnce() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Once()
	s.expectPipeline(1)
	s.send(0, msg("m-1", lead.RoleCustomer, "demo 07700 900123"), nil)
	s.closeByUpdateAt(time.Second)
	var st ConversationState
	s.queryAt(10*time.Second, &st)
	s.env.SetTestTimeout(time.Minute)
	s.start()

	s.Equal(lead.StatusAssigned, st.Status, "processed at the close, not after the quiet period")
}
