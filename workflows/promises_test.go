package workflows

import (
	"context"
	"errors"
	"net/http/httptest"
	"time"

	"github.com/stretchr/testify/mock"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/metrics"
)

// The promise tests run the default policy's sequences (internal/policy/default.yaml): a demo
// request is the "demo" sequence (call task at 15 min, a reminder to the rep at 2 h unless
// contacted, a message on a second channel 1 h after the rep's first no_answer), a price question
// the "price" one (a summary at once, alternatives after 24 h), a cold lead the "nurture" one. The
// SLA is 5 min for hot leads, with 5 min for the paged on-call rep to acknowledge, and at most two
// reassignments.

var t0 = time.Date(2026, 11, 23, 9, 0, 0, 0, time.UTC) // a Monday

// promised skips the revisions that started before promises.
func (s *conversationSuite) promised() {
	if s.revision < RevisionPolicy {
		s.T().Skip("follow-up promises are kept from RevisionPolicy on")
	}
	s.env.SetStartTime(t0)
}

// hotDemo is a conversation that scores hot (demo request, phone, demo button clicked).
func (s *conversationSuite) hotDemo() {
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("+447700900123", "", lead.IntentDemoRequest, "en")}, nil)
	m := msg("m-1", lead.RoleCustomer, "We need a demo, call me on 07700 900123")
	m.Context = &lead.Context{Events: []string{"clicked_demo_cta"}}
	s.send(0, m, nil)
	s.closeAt(time.Second)
}

// routeWithSLA answers RouteLead with rep-7 and a first touch due within sla.
func (s *conversationSuite) routeWithSLA(sla time.Duration) {
	s.env.OnActivity(a.MatchContact, mock.Anything, mock.Anything).Return(activities.MatchResult{ContactID: "ct_1", IsNewContact: true}, nil)
	s.env.OnActivity(a.RouteLead, mock.Anything, mock.MatchedBy(func(in activities.RouteInput) bool { return in.WithSLA })).Return(
		func(_ context.Context, in activities.RouteInput) (activities.RouteResult, error) {
			asg := *assignment
			asg.AssignedAt = s.env.Now()
			due := asg.AssignedAt.Add(sla)
			return activities.RouteResult{Assignment: &asg, FirstTouchDue: &due}, nil
		}).Once()
	s.env.OnActivity(a.WriteCRM, mock.Anything, mock.Anything).Return(s.recordWrite)
}

// notices records every NotifyRep as "kind:rep:key" at its time.
type notice struct {
	kind, rep, key  string
	offsetFromStart time.Duration
}

func (s *conversationSuite) recordNotices(into *[]notice) {
	s.env.OnActivity(a.NotifyRep, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.NotifyInput) (activities.NotifyResult, error) {
		*into = append(*into, notice{kind: in.Kind, rep: in.RepID, key: in.Key, offsetFromStart: s.env.Now().Sub(t0)})
		return activities.NotifyResult{}, nil
	})
}

// watchPromises records the rep notifications and the latest follow-ups written.
func (s *conversationSuite) watchPromises() (*[]notice, *activities.SaveFollowupsInput) {
	var notices []notice
	var saved activities.SaveFollowupsInput
	s.recordNotices(&notices)
	s.recordFollowups(&saved)
	return &notices, &saved
}

// recordFollowups keeps the last SaveFollowups input.
func (s *conversationSuite) recordFollowups(last *activities.SaveFollowupsInput) {
	s.env.OnActivity(a.SaveFollowups, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SaveFollowupsInput) error {
		*last = in
		return nil
	})
}

func stepByKind(steps []lead.Followup, kind lead.FollowupKind) lead.Followup {
	for _, st := range steps {
		if st.Kind == kind {
			return st
		}
	}
	return lead.Followup{}
}

func (s *conversationSuite) endWith(d time.Duration, o lead.Outcome, rep string) {
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil)
	var got outcomeAnswer
	s.outcomeAt(d, RecordOutcomeInput{RepID: rep, Outcome: o, IdempotencyKey: "end", ByAdmin: true}, &got)
}

// A hot lead nobody touches: at its 5-minute SLA the on-call rep is paged; nobody acknowledges in
// 5 minutes, so the rep and the manager are told and the lead goes to the next rep through the
// routing engine; that rep misses it too and it moves once more; the third miss only tells the
// manager (two reassignments at most). SLABreached is set and every step is in Lead.sla.
func (s *conversationSuite) TestHotLeadNobodyTouchesIsEscalatedAndReassignedOnTime() {
	s.promised()
	s.hotDemo()
	s.routeWithSLA(5 * time.Minute)
	notices, saved := s.watchPromises()
	var pages []time.Duration
	s.env.OnActivity(a.PageOnCall, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.PageInput) (activities.PageResult, error) {
		pages = append(pages, s.env.Now().Sub(t0))
		return activities.PageResult{RepID: "rep-9"}, nil
	})
	var escalations []activities.EscalateInput
	s.env.OnActivity(a.EscalateFirstTouch, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.EscalateInput) (activities.EscalateResult, error) {
		escalations = append(escalations, in)
		return activities.EscalateResult{Escalations: append(in.Prior, lead.Escalation{At: s.env.Now(), RepID: in.RepID, Reason: "first_touch_overdue"})}, nil
	})
	next := []string{"rep-8", "rep-10"}
	var reassigned []activities.ReassignInput
	s.env.OnActivity(a.ReassignLead, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.ReassignInput) (activities.RouteResult, error) {
		reassigned = append(reassigned, in)
		asg := lead.Assignment{RepID: next[len(reassigned)-1], TeamID: "emea", Rule: "team_round_robin", AssignedAt: s.env.Now(), ReassignedFrom: in.FromRepID}
		due := s.env.Now().Add(5 * time.Minute)
		return activities.RouteResult{Assignment: &asg, FirstTouchDue: &due}, nil
	})
	var st ConversationState
	s.queryAt(time.Hour, &st)
	s.endWith(2*time.Hour, lead.OutcomeLost, "rep-10")
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	// Paged at the SLA of each holder (1 s close + 5 min, then 5 min after each reassignment).
	s.Equal([]time.Duration{time.Second + 5*time.Minute, time.Second + 15*time.Minute, time.Second + 25*time.Minute}, pages)
	s.Require().Len(escalations, 3)
	s.Equal([]string{"rep-7", "rep-8", "rep-10"}, []string{escalations[0].RepID, escalations[1].RepID, escalations[2].RepID})
	s.Equal([]int{0, 1, 2}, []int{escalations[0].Level, escalations[1].Level, escalations[2].Level})
	s.Require().Len(reassigned, 2, "two reassignments at most")
	s.Equal("rep-7", reassigned[0].FromRepID, "a retried reassignment does not move the lead twice")
	s.Equal("rep-8", reassigned[1].FromRepID)
	s.Equal("rep-10", st.RepID)
	s.True(st.SLA.Breached)
	var reasons []string
	for _, e := range st.SLA.Escalations {
		reasons = append(reasons, e.RepID+":"+e.Reason)
	}
	s.Equal([]string{"rep-9:paged_on_call", "rep-7:first_touch_overdue", "rep-8:reassigned",
		"rep-9:paged_on_call", "rep-8:first_touch_overdue", "rep-10:reassigned",
		"rep-9:paged_on_call", "rep-10:first_touch_overdue", "rep-10:no_rep_left"}, reasons)
	breached, _ := s.attrs.GetBool(AttrSLABreached)
	s.True(breached)
	rep, _ := s.attrs.GetKeyword(AttrRepID)
	s.Equal("rep-10", rep)
	var told []string
	for _, n := range *notices {
		told = append(told, n.kind+":"+n.rep)
	}
	s.Contains(told, "new_lead:rep-8")
	s.Contains(told, "new_lead:rep-10")
	s.Equal(lead.FollowupCancelled, stepByKind((*saved).Steps, lead.FollowupRepReminder).Status, "the lost outcome cancelled what was pending")
}

// The paged on-call rep acknowledges: the lead moves to them with a new deadline, nobody is told
// up the chain, and their own call stops the clock. Someone else's acknowledgement is refused.
func (s *conversationSuite) TestAcknowledgedPageStopsTheChain() {
	s.promised()
	s.hotDemo()
	s.routeWithSLA(5 * time.Minute)
	notices, _ := s.watchPromises()
	s.env.OnActivity(a.PageOnCall, mock.Anything, mock.Anything).Return(activities.PageResult{RepID: "rep-9"}, nil).Once()
	s.env.OnActivity(a.TakeOverLead, mock.Anything, activities.TakeOverInput{LeadID: LeadID(convID), FromRepID: "rep-7", ToRepID: "rep-9", Tier: lead.TierHot}).Return(
		func(_ context.Context, in activities.TakeOverInput) (activities.RouteResult, error) {
			asg := lead.Assignment{RepID: "rep-9", TeamID: "emea", Rule: "on_call_acknowledged", AssignedAt: s.env.Now(), ReassignedFrom: "rep-7"}
			due := s.env.Now().Add(5 * time.Minute)
			return activities.RouteResult{Assignment: &asg, FirstTouchDue: &due}, nil
		}).Once()
	ack := func(d time.Duration, in AcknowledgeInput, rejected *error, res *AcknowledgeResult) {
		s.env.RegisterDelayedCallback(func() {
			s.env.UpdateWorkflow(UpdateAcknowledge, "", &testsuite.TestUpdateCallback{
				OnReject: func(err error) { *rejected = err },
				OnComplete: func(r any, err error) {
					s.NoError(err)
					if err == nil {
						*res = r.(AcknowledgeResult)
					}
				},
			}, in)
		}, d)
	}
	var early, stranger, ok error
	var res AcknowledgeResult
	ack(2*time.Minute, AcknowledgeInput{RepID: "rep-9"}, &early, &res) // nobody paged yet
	ack(7*time.Minute, AcknowledgeInput{RepID: "rep-3"}, &stranger, &res)
	ack(8*time.Minute, AcknowledgeInput{RepID: "rep-9"}, &ok, &res)
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil)
	var contacted outcomeAnswer
	s.outcomeAt(12*time.Minute, RecordOutcomeInput{RepID: "rep-9", Outcome: lead.OutcomeContacted, IdempotencyKey: "c"}, &contacted)
	var st ConversationState
	s.queryAt(time.Hour, &st)
	s.endWith(3*time.Hour, lead.OutcomeWon, "rep-9")
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	s.Require().Error(early)
	s.Contains(early.Error(), "nobody is paged")
	s.Require().Error(stranger)
	s.NoError(ok)
	s.Equal("rep-9", res.Assignment.RepID)
	s.Equal(t0.Add(13*time.Minute), res.FirstTouchDue)
	s.NoError(contacted.failed)
	s.Equal(lead.StatusContacted, contacted.res.Status)
	s.env.AssertActivityNotCalled(s.T(), "EscalateFirstTouch", mock.Anything, mock.Anything)
	s.env.AssertActivityNotCalled(s.T(), "ReassignLead", mock.Anything, mock.Anything)
	s.Equal("rep-9", st.RepID)
	var reasons []string
	for _, e := range st.SLA.Escalations {
		reasons = append(reasons, e.RepID+":"+e.Reason)
	}
	s.Equal([]string{"rep-9:paged_on_call", "rep-9:acknowledged"}, reasons)
	for _, n := range *notices {
		s.NotEqual(activities.NotifyReminder, n.kind, "a contacted lead gets no reminder")
	}
	s.Equal(lead.FollowupDone, stepByKind(st.Followups, lead.FollowupCallTask).Status)
}

// A contacted lead gets no reminder: the 2-hour reminder is cancelled because of the status.
// The untouched lead's reminder, in the same sequence, reaches the rep at 2 hours.
func (s *conversationSuite) TestContactedLeadGetsNoReminder() {
	s.promised()
	for _, tc := range []struct {
		name      string
		contacted bool
	}{{"contacted", true}, {"untouched", false}} {
		s.Run(tc.name, func() {
			s.SetupTest()
			s.promised()
			s.hotDemo()
			s.routeWithSLA(6 * time.Hour) // the SLA is not what this test is about
			notices, _ := s.watchPromises()
			s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil)
			if tc.contacted {
				var got outcomeAnswer
				s.outcomeAt(30*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeContacted, IdempotencyKey: "c"}, &got)
			}
			var st ConversationState
			s.queryAt(150*time.Minute, &st)
			s.endWith(5*time.Hour, lead.OutcomeLost, "rep-7")
			s.start()

			s.Require().NoError(s.env.GetWorkflowError())
			var reminders []notice
			for _, n := range *notices {
				if n.kind == activities.NotifyReminder {
					reminders = append(reminders, n)
				}
			}
			reminder := stepByKind(st.Followups, lead.FollowupRepReminder)
			if tc.contacted {
				s.Empty(reminders)
				s.Equal(lead.FollowupCancelled, reminder.Status)
				s.Equal("contacted", reminder.Reason)
				return
			}
			s.Require().Len(reminders, 1)
			s.Equal(time.Second+2*time.Hour, reminders[0].offsetFromStart)
			s.Equal("rep-7", reminders[0].rep)
			s.Equal("step-"+reminder.ID, reminders[0].key, "one key per step: a retried activity notifies once")
			s.Equal(lead.FollowupSent, reminder.Status)
		})
	}
}

// The rep's first no_answer starts the step waiting for it: an hour later the customer gets a
// message on a second channel.
func (s *conversationSuite) TestNoAnswerSendsAMessageOnASecondChannel() {
	s.promised()
	s.hotDemo()
	s.routeWithSLA(time.Hour)
	s.watchPromises()
	var sent []activities.SendInput
	var sentAt time.Duration
	s.env.OnActivity(a.SendCustomerMessage, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SendInput) (activities.SendResult, error) {
		sent, sentAt = append(sent, in), s.env.Now().Sub(t0)
		return activities.SendResult{Status: lead.FollowupSent, Channel: lead.ChannelWhatsApp, Mode: activities.ModeTemplate}, nil
	})
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil)
	var got outcomeAnswer
	s.outcomeAt(20*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeNoAnswer, IdempotencyKey: "n"}, &got)
	var st ConversationState
	s.queryAt(3*time.Hour, &st)
	s.endWith(4*time.Hour, lead.OutcomeLost, "rep-7")
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	s.Require().Len(sent, 1)
	s.Equal(20*time.Minute+time.Hour, sentAt)
	s.Equal("second", sent[0].Channel)
	s.Equal("missed_you", sent[0].Template)
	s.Equal(lead.ChannelWeb, sent[0].ConversationChannel)
	s.Equal("+447700900123", sent[0].Reach[lead.ChannelWhatsApp])
	msgStep := stepByKind(st.Followups, lead.FollowupCustomerMessage)
	s.Equal(lead.FollowupSent, msgStep.Status)
	s.Equal("whatsapp", msgStep.Channel)
	s.Equal(lead.FollowupSent, stepByKind(st.Followups, lead.FollowupRepReminder).Status, "no_answer is not contacted: the reminder still went")
}

// A snooze moves every timer that falls before its end: the reminder and the SLA wait for it.
func (s *conversationSuite) TestSnoozeMovesTheTimers() {
	s.promised()
	s.hotDemo()
	s.routeWithSLA(5 * time.Minute)
	notices, _ := s.watchPromises()
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil)
	var pagedAt time.Duration
	s.env.OnActivity(a.PageOnCall, mock.Anything, mock.Anything).Return(func(context.Context, activities.PageInput) (activities.PageResult, error) {
		pagedAt = s.env.Now().Sub(t0)
		return activities.PageResult{}, nil
	}).Once()
	s.env.OnActivity(a.EscalateFirstTouch, mock.Anything, mock.Anything).Return(activities.EscalateResult{}, nil).Once()
	s.env.OnActivity(a.ReassignLead, mock.Anything, mock.Anything).Return(activities.RouteResult{NotAssigned: "no_rep"}, nil).Once()
	until := t0.Add(26 * time.Hour)
	tooFar := t0.Add(30 * day)
	var snooze, greedy outcomeAnswer
	s.outcomeAt(3*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeSnooze, SnoozeUntil: &tooFar, IdempotencyKey: "z0"}, &greedy)
	s.outcomeAt(4*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeSnooze, SnoozeUntil: &until, IdempotencyKey: "z"}, &snooze)
	var before ConversationState
	s.queryAt(25*time.Hour, &before)
	s.endWith(30*time.Hour, lead.OutcomeLost, "rep-7")
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	s.Require().Error(greedy.rejected, "a snooze beyond the policy's snooze_max is refused")
	s.NoError(snooze.failed)
	s.InDelta(26*time.Hour, pagedAt, float64(2*time.Second), "the SLA waited for the snooze")
	s.False(before.SLA.Breached)
	s.Equal(until, *before.SLA.FirstTouchDueAt)
	s.Equal(until, stepByKind(before.Followups, lead.FollowupRepReminder).DueAt)
	s.Equal(lead.FollowupPending, stepByKind(before.Followups, lead.FollowupRepReminder).Status)
	for _, n := range *notices {
		if n.kind == activities.NotifyReminder {
			s.Equal(26*time.Hour, n.offsetFromStart)
		}
	}
}

// An opt-out in the customer's words is recorded on the contact and cancels every message still
// to come: the price summary went out at once, the alternatives a day later never do.
func (s *conversationSuite) TestOptOutCancelsEveryMessageForGood() {
	s.promised()
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "sara@acme.io", lead.IntentPriceInquiry, "en")}, nil)
	s.send(0, msg("m-1", lead.RoleCustomer, "What does it cost? sara@acme.io"), nil)
	s.closeAt(time.Second)
	s.routeWithSLA(time.Hour)
	s.watchPromises()
	var sent []string
	s.env.OnActivity(a.SendCustomerMessage, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SendInput) (activities.SendResult, error) {
		sent = append(sent, in.Template)
		return activities.SendResult{Status: lead.FollowupSent, Channel: lead.ChannelWeb, Mode: activities.ModeFreeForm}, nil
	})
	s.env.OnActivity(a.RecordOptOut, mock.Anything, mock.MatchedBy(func(in activities.OptOutInput) bool { return in.LeadID == LeadID(convID) })).Return(nil).Once()
	s.send(2*time.Hour, msg("m-2", lead.RoleCustomer, "STOP"), nil)
	var st ConversationState
	s.queryAt(30*time.Hour, &st)
	s.endWith(40*time.Hour, lead.OutcomeLost, "rep-7")
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal([]string{"price_summary"}, sent, "nothing after the opt-out")
	s.True(st.OptedOut)
	var last lead.Followup
	for _, f := range st.Followups {
		if f.Kind == lead.FollowupCustomerMessage {
			last = f
		}
	}
	s.Equal(lead.FollowupCancelled, last.Status)
	s.Equal(activities.ReasonOptedOut, last.Reason)
}

// A closing outcome cancels every pending follow-up; an admin's reopen takes the lead back to
// contacted; a rep cannot reopen.
func (s *conversationSuite) TestClosingCancelsFollowupsAndOnlyAnAdminReopens() {
	s.promised()
	s.hotDemo()
	s.routeWithSLA(time.Hour)
	notices, _ := s.watchPromises()
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil)
	var lost, repReopen, adminReopen outcomeAnswer
	s.outcomeAt(10*time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeLost, IdempotencyKey: "l"}, &lost)
	var closed ConversationState
	s.queryAt(20*time.Minute, &closed)
	s.outcomeAt(day, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeReopen, IdempotencyKey: "r1"}, &repReopen)
	s.outcomeAt(day+time.Minute, RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeReopen, IdempotencyKey: "r2", ByAdmin: true}, &adminReopen)
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal(lead.StatusLost, lost.res.Status)
	for _, f := range closed.Followups {
		s.NotEqual(lead.FollowupPending, f.Status, f.Kind)
	}
	s.Equal(activities.ReasonClosed, stepByKind(closed.Followups, lead.FollowupRepReminder).Reason)
	s.Require().Error(repReopen.rejected)
	s.NoError(adminReopen.failed)
	s.Equal(lead.StatusContacted, adminReopen.res.Status)
	for _, n := range *notices {
		s.NotEqual(activities.NotifyReminder, n.kind)
	}
	var res ConversationResult
	s.Require().NoError(s.env.GetWorkflowResult(&res))
	s.Equal(lead.StatusContacted, res.Status, "the reopened lead went idle")
}

// Two calls with one idempotency key at the same moment count once: one is recorded, the other
// answers the first's result.
func (s *conversationSuite) TestRepeatedOutcomeKeyCountsOnce() {
	s.promised()
	m := metrics.New() // the worker's speed-to-lead histograms, recorded through Temporal's handler
	s.SetMetricsHandler(m)
	defer s.SetMetricsHandler(client.MetricsNopHandler)
	s.SetupTest()
	s.promised()
	s.hotDemo()
	s.routeWithSLA(time.Hour)
	s.watchPromises()
	s.env.OnActivity(a.RecordOutcome, mock.Anything, mock.Anything).Return(activities.RecordOutcomeResult{}, nil).Twice()
	var one, two, three outcomeAnswer
	in := RecordOutcomeInput{RepID: "rep-7", Outcome: lead.OutcomeContacted, IdempotencyKey: "crm-evt-991"}
	s.outcomeAt(10*time.Minute, in, &one)
	s.outcomeAt(10*time.Minute, in, &two)
	s.outcomeAt(11*time.Minute, in, &three)
	s.endWith(2*time.Hour, lead.OutcomeLost, "rep-7")
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal(lead.StatusContacted, one.res.Status)
	s.Equal(lead.StatusContacted, two.res.Status)
	s.Equal(lead.StatusContacted, three.res.Status)
	s.True(two.res.Duplicate || one.res.Duplicate)
	s.True(three.res.Duplicate)
	s.env.AssertNumberOfCalls(s.T(), "RecordOutcome", 2) // the contacted once, the closing lost once

	rec := httptest.NewRecorder()
	m.HTTP().ServeHTTP(rec, httptest.NewRequest("GET", "/metrics", nil))
	for _, want := range []string{`leadflow_speed_to_lead_seconds_count{part="system"} 1`, `leadflow_speed_to_lead_seconds_count{part="human"} 1`,
		`leadflow_speed_to_lead_seconds_sum{part="human"} 599`, `leadflow_speed_to_lead_seconds_sum{part="total"} 600`} {
		s.Contains(rec.Body.String(), want)
	}
}

// A cold lead's nurture runs for weeks; the run continues as new once its history is long, and
// the next run carries every promise on: the next nurture message goes out on time from there.
func (s *conversationSuite) TestNurtureContinuesAsNew() {
	s.promised()
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "sam@gmail.com", lead.IntentOther, "en")}, nil)
	s.send(0, msg("m-1", lead.RoleCustomer, "hello sam@gmail.com"), nil)
	s.closeAt(time.Second)
	s.routeWithSLA(8 * time.Hour)
	_, saved := s.watchPromises()
	s.env.OnActivity(a.EscalateFirstTouch, mock.Anything, mock.Anything).Return(activities.EscalateResult{}, nil)
	s.env.OnActivity(a.ReassignLead, mock.Anything, mock.Anything).Return(activities.RouteResult{NotAssigned: "no_rep"}, nil)
	var sentAt []time.Duration
	s.env.OnActivity(a.SendCustomerMessage, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SendInput) (activities.SendResult, error) {
		sentAt = append(sentAt, s.env.Now().Sub(t0))
		return activities.SendResult{Status: lead.FollowupSent, Channel: lead.ChannelEmail}, nil
	})
	settings := testSettings
	settings.HistoryLimit = 40
	// The test environment keeps no history length of its own: the history is "long" once the
	// first nurture message is out.
	s.env.RegisterDelayedCallback(func() { s.env.SetCurrentHistoryLength(41) }, 170*time.Hour)
	s.env.ExecuteWorkflow(Conversation, &ConversationInput{ConversationID: convID, Settings: settings, Revision: s.revision})

	var can *workflow.ContinueAsNewError
	s.Require().True(errors.As(s.env.GetWorkflowError(), &can), "%v", s.env.GetWorkflowError())
	var next ConversationInput
	s.Require().NoError(converter.GetDefaultDataConverter().FromPayloads(can.Input, &next))
	s.Require().NotNil(next.Carried)
	s.Equal(1, next.Carried.Runs)
	s.Equal(LeadID(convID), next.Carried.LeadID)
	s.Equal("nurture", next.Carried.Promises.Plan.Sequence)
	s.Require().Len(sentAt, 2, "two nurture messages went out in the first run")
	s.Equal([]time.Duration{time.Second + 168*time.Hour, time.Second + 504*time.Hour}, sentAt)

	// The next run, from the carried state, sends the next message when it is due.
	first, attrs := len(sentAt), s.attrs
	s.SetupTest()
	s.Require().NoError(s.env.SetTypedSearchAttributesOnStart(attrs)) // what the server copies to the new run
	s.upsertCall.Maybe()                                              // and so nothing needs upserting
	s.env.SetStartTime(t0.Add(s.lastOf(sentAt)))
	s.recordFollowups(saved)
	s.env.OnActivity(a.SendCustomerMessage, mock.Anything, mock.Anything).Return(func(_ context.Context, in activities.SendInput) (activities.SendResult, error) {
		sentAt = append(sentAt, s.env.Now().Sub(t0))
		return activities.SendResult{Status: lead.FollowupSent, Channel: lead.ChannelEmail}, nil
	})
	var st ConversationState
	s.queryAt(time.Minute, &st)
	next.Settings.HistoryLimit = 1000
	s.env.ExecuteWorkflow(Conversation, &next)
	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal(1, st.Runs)
	s.Equal(LeadID(convID), st.LeadID)
	s.Require().Len(sentAt, first+1, "the nurture went on in the new run")
	s.Equal(time.Second+1176*time.Hour, sentAt[first], "on the schedule the first run set")
	s.env.AssertActivityNotCalled(s.T(), "RouteLead", mock.Anything, mock.Anything)
	s.env.AssertActivityNotCalled(s.T(), "ExtractLead", mock.Anything, mock.Anything)
}

func (s *conversationSuite) lastOf(d []time.Duration) time.Duration { return d[len(d)-1] }

// A cold lead on nurture that comes back after days of silence is worth the re-engagement points:
// warm now, it leaves the nurture (its steps cancelled, sequence_changed) for the warm sequence,
// started from its return.
func (s *conversationSuite) TestReengagementRestartsTheRightSequence() {
	s.promised()
	s.env.OnActivity(a.ExtractLead, mock.Anything, mock.Anything).Return(activities.ExtractResult{Fields: fieldsWith("", "sam@gmail.com", lead.IntentOther, "en")}, nil)
	s.send(0, msg("m-1", lead.RoleCustomer, "hello sam@gmail.com"), nil)
	s.closeAt(time.Second)
	s.routeWithSLA(8 * time.Hour)
	s.watchPromises()
	s.env.OnActivity(a.EscalateFirstTouch, mock.Anything, mock.Anything).Return(activities.EscalateResult{}, nil)
	s.env.OnActivity(a.ReassignLead, mock.Anything, mock.Anything).Return(activities.RouteResult{NotAssigned: "no_rep"}, nil)
	var cold, warm ConversationState
	s.queryAt(time.Hour, &cold)
	s.send(4*day, msg("m-2", lead.RoleCustomer, "We are ready to talk now"), nil)
	s.closeAt(4*day + time.Second)
	s.queryAt(4*day+time.Minute, &warm)
	s.endWith(4*day+time.Hour, lead.OutcomeLost, "rep-7")
	s.start()

	s.Require().NoError(s.env.GetWorkflowError())
	s.Equal(lead.TierCold, cold.Tier)
	s.Require().NotEmpty(cold.Followups)
	for _, f := range cold.Followups {
		s.Equal("nurture", f.Sequence)
		s.Equal(lead.FollowupPending, f.Status)
	}
	s.Equal(lead.TierWarm, warm.Tier, "the return's points made the lead warm")
	var nurture, standard []lead.Followup
	for _, f := range warm.Followups {
		switch f.Sequence {
		case "nurture":
			nurture = append(nurture, f)
		case "standard":
			standard = append(standard, f)
		}
	}
	s.Len(nurture, len(cold.Followups))
	for _, f := range nurture {
		s.Equal(lead.FollowupCancelled, f.Status)
		s.Equal(activities.ReasonSequenceChanged, f.Reason)
	}
	s.Require().NotEmpty(standard)
	s.Equal(lead.FollowupCallTask, standard[0].Kind)
	s.Equal(t0.Add(4*day+time.Second+15*time.Minute), standard[0].DueAt, "the new sequence runs from the return")
	s.Equal(lead.FollowupPending, standard[0].Status)
}
