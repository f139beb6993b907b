package workflows

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/lead"
)

// External CRMs sync each on their own: a slow CRM holds back neither the rep's notification,
// nor the outcomes, nor a CRM that refuses for good; outcomes that arrive during a sync make one
// more sync after it, and the run ends only when every sync has.
func (s *conversationSuite) TestExternalCRMsSyncEachOnItsOwn() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil).Once()
	s.env.OnActivity(a.MatchContact, mock.Anything, mock.Anything).Return(activities.MatchResult{ContactID: "ct_1", IsNewContact: true, Match: lead.Match{Decision: lead.MatchNew}}, nil)
	s.env.OnActivity(a.RouteLead, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.RouteInput) (activities.RouteResult, error) {
		asg := *assignment
		asg.AssignedAt = s.env.Now()
		return activities.RouteResult{Assignment: &asg}, nil
	}).Once()
	s.env.OnActivity(a.WriteCRM, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.WriteCRMInput) (activities.WriteCRMResult, error) {
		return activities.WriteCRMResult{Status: in.Lead.Status, CRMWrittenAt: s.env.Now(), External: []string{"hubspot", "salesforce"}}, nil
	})
	var notifiedAt time.Time
	s.env.OnActivity(a.NotifyRep, mock.Anything, mock.Anything).Return(func(context.Context, activities.NotifyInput) (activities.NotifyResult, error) {
		notifiedAt = s.env.Now()
		return activities.NotifyResult{}, nil
	}).Once()
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil).Twice()

	hubspot := func(in activities.SyncCRMInput) bool { return in.CRM == "hubspot" && in.LeadID == LeadID(convID) }
	// HubSpot's first sync takes two hours (a CRM retrying through an outage); the second is quick.
	s.env.OnActivity(a.SyncCRM, mock.Anything, mock.MatchedBy(hubspot)).After(2*time.Hour).Return(activities.SyncCRMResult{}, nil).Once()
	var lastHubSpot time.Time
	s.env.OnActivity(a.SyncCRM, mock.Anything, mock.MatchedBy(hubspot)).Return(func(context.Context, activities.SyncCRMInput) (activities.SyncCRMResult, error) {
		lastHubSpot = s.env.Now()
		return activities.SyncCRMResult{}, nil
	}).Once()
	// Salesforce refuses for good, every time: a person fixes the mapping, the lead goes on.
	salesforce := 0
	s.env.OnActivity(a.SyncCRM, mock.Anything, mock.MatchedBy(func(in activities.SyncCRMInput) bool { return in.CRM == "salesforce" })).
		Return(func(context.Context, activities.SyncCRMInput) (activities.SyncCRMResult, error) {
			salesforce++
			return activities.SyncCRMResult{}, temporal.NewNonRetryableApplicationError("salesforce: mapping", activities.ErrTypeCRMMapping, nil)
		})

	s.send(0, msg("m-1", lead.RoleCustomer, "We need a demo, call me on 07700 900123"), new(string))
	s.closeAt(10 * time.Second)
	var contacted, won outcomeAnswer
	s.outcomeAt(5*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeContacted, IdempotencyKey: "k1"}, &contacted)
	s.outcomeAt(time.Hour, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeWon, IdempotencyKey: "k2"}, &won)
	start := s.env.Now()
	s.start()

	s.True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	s.Require().NoError(contacted.failed)
	s.Require().NoError(won.failed)
	s.Equal(lead.StatusWon, won.res.Status, "outcomes are not held back by a CRM's sync")
	s.Less(notifiedAt.Sub(start), time.Minute, "the rep is told at once, not after the slow CRM")
	s.Equal(3, salesforce, "the refusing CRM is tried at assignment and at each outcome, and never retried")
	s.False(lastHubSpot.IsZero(), "the outcomes during the slow sync made one more sync after it")
	s.GreaterOrEqual(lastHubSpot.Sub(start), 2*time.Hour)
}
