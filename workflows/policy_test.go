package workflows

import (
	"context"
	"time"

	"github.com/stretchr/testify/mock"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/policy"
)

const day = 24 * time.Hour

// Silence costs the lead points every decay period of the policy (a week by default), each change
// written with the policy version; a customer who comes back after three days of silence is worth
// more, and the silence starts over.
func (s *conversationSuite) TestSilenceDecaysAndAReturnRaisesTheScore() {
	if s.revision < RevisionPolicy {
		s.T().Skip("scores decay from RevisionPolicy on")
	}
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "sara@acme.io", lead.IntentPriceInquiry, "en")}, nil).Twice()
	s.expectPipeline(1)
	s.send(0, msg("m-1", lead.RoleCustomer, "What does it cost? sara@acme.io"), nil)
	s.closeAt(10 * time.Second)
	s.send(15*day, msg("m-2", lead.RoleCustomer, "Hi again, we are ready to talk now"), nil)
	s.closeAt(15*day + 10*time.Second)
	s.env.ExecuteWorkflow(Conversation, &ConversationInput{ConversationID: convID, Revision: s.revision,
		Settings: Settings{QuietPeriod: 2 * time.Minute, ContactWait: day, FirstFollowupDelay: 15 * time.Minute, RouteRetry: 10 * time.Minute, LeadIdle: 20 * day}})

	s.True(s.env.IsWorkflowCompleted())
	s.Require().NoError(s.env.GetWorkflowError())
	var scores []int
	for _, w := range s.writes {
		scores = append(scores, w.Lead.Score)
		s.Equal(policy.Default().Version, w.Lead.PolicyVersion)
	}
	// 40 at first (price question, company address); a week later 30, two weeks 20; back on day 15:
	// 40 again plus 15 for the return; then the new silence decays it weekly until the lead is idle.
	s.Require().GreaterOrEqual(len(scores), 5, "%v", scores)
	s.Equal([]int{40, 30, 20, 55, 45}, scores[:5])
	last := s.writes[3].Lead.ScoreContext
	s.Equal(1, last.Reengagements)
	s.Equal(0, last.Silences)
}

// A lead no rep of its team can take waits in the team's queue; when it has waited as long as the
// policy allows, the team's manager is told, once, and routing keeps trying.
func (s *conversationSuite) TestQueuedLeadEscalatesToTheManagerOnce() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "sara@acme.io", lead.IntentPriceInquiry, "en")}, nil) // read again on each routing retry
	s.env.OnActivity(a.MatchContact, mock.Anything, mock.Anything).Return(activities.MatchResult{ContactID: "ct_1", IsNewContact: true}, nil)
	routes := 0
	s.env.OnActivity(a.RouteLead, mock.Anything, mock.Anything).Return(func(context.Context, activities.RouteInput) (activities.RouteResult, error) {
		routes++
		if routes < 5 {
			return activities.RouteResult{NotAssigned: "queued", QueueTeamID: "fa", QueueEscalateAfter: 30 * time.Minute}, nil
		}
		asg := *assignment
		asg.AssignedAt = s.env.Now()
		return activities.RouteResult{Assignment: &asg}, nil
	})
	s.env.OnActivity(a.WriteCRM, mock.Anything, mock.Anything).Return(s.recordWrite)
	s.env.OnActivity(a.NotifyRep, mock.Anything, mock.Anything).Return(activities.NotifyResult{}, nil).Once()
	s.env.OnActivity(a.EscalateQueuedLead, mock.Anything, activities.QueueInput{LeadID: LeadID(convID), TeamID: "fa"}).Return(nil).Once()
	s.send(0, msg("m-1", lead.RoleCustomer, "price? sara@acme.io"), nil)
	s.closeAt(time.Second)
	var st ConversationState
	s.queryAt(2*time.Hour, &st)
	s.start()

	s.Equal(5, routes, "routed again every RouteRetry until a rep was free")
	s.Equal(lead.StatusAssigned, st.Status)
	s.Equal("rep-7", st.RepID)
}
