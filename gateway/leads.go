package main

import (
	"context"
	"encoding/hex"
	"errors"
	"net/http"
	"strconv"
	"time"
	"unicode/utf8"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/workflows"
)

func (s *server) getLead(c *gin.Context) {
	id, err := pathID(c, "lead_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	if l, ok := s.lookupLead(c.Request.Context(), c, id); ok {
		c.JSON(http.StatusOK, l)
	}
}

// lookupLead reads a lead; when it cannot, it answers the request (404 for an unknown lead) and
// ok is false.
func (s *server) lookupLead(ctx context.Context, c *gin.Context, leadID string) (l lead.Lead, ok bool) {
	l, err := s.store.Lead(ctx, leadID)
	if errors.Is(err, store.ErrNotFound) {
		fail(c, s.logger, notFound("lead"))
		return l, false
	}
	if err != nil {
		fail(c, s.logger, err)
		return l, false
	}
	return l, true
}

const (
	defaultPageSize = 50
	maxPageSize     = 200
)

// pageLimit reads the limit query parameter of a listing: the default page size when absent.
func pageLimit(c *gin.Context) (int, error) {
	v := c.Query("limit")
	if v == "" {
		return defaultPageSize, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > maxPageSize {
		return 0, badRequest("invalid_limit", "limit must be an integer from 1 to 200", "limit")
	}
	return n, nil
}

type leadList struct {
	Leads      []lead.Lead `json:"leads"`
	NextCursor *string     `json:"next_cursor"`
}

func (s *server) listLeads(c *gin.Context) {
	f := store.LeadFilter{RepID: c.Query("rep_id"), TeamID: c.Query("team_id"), Tier: c.Query("tier"),
		Status: c.Query("status"), Cursor: c.Query("cursor")}
	limit, err := pageLimit(c)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	f.Limit = limit
	if t := f.Tier; t != "" && t != string(lead.TierHot) && t != string(lead.TierWarm) && t != string(lead.TierCold) {
		fail(c, s.logger, badRequest("invalid_enum", "tier must be hot, warm or cold", "tier"))
		return
	}
	leads, next, err := s.store.Leads(c.Request.Context(), f)
	if errors.Is(err, store.ErrBadCursor) {
		fail(c, s.logger, badRequest("invalid_cursor", "cursor is not one this API handed out", "cursor"))
		return
	}
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	resp := leadList{Leads: leads}
	if next != "" {
		resp.NextCursor = &next
	}
	c.JSON(http.StatusOK, resp)
}

type outcomeRequest struct {
	RepID          string       `json:"rep_id"`
	Outcome        lead.Outcome `json:"outcome"`
	Note           *string      `json:"note"`
	Amount         *float64     `json:"amount"`
	Reason         *string      `json:"reason"`
	SnoozeUntil    *time.Time   `json:"snooze_until"`
	IdempotencyKey string       `json:"idempotency_key"`
}

// postOutcome applies a rep's outcome as an Update: the workflow's validator decides whether the
// transition is allowed and whether this rep may report it, before anything is written.
func (s *server) postOutcome(c *gin.Context) {
	leadID, err := pathID(c, "lead_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req outcomeRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	switch {
	case req.RepID == "":
		fail(c, s.logger, unprocessable("required", "rep_id is required", "rep_id"))
		return
	case !req.Outcome.Valid():
		fail(c, s.logger, unprocessable("invalid_enum", "outcome must be one of contacted, no_answer, qualified, unqualified, won, lost, snooze, reopen", "outcome"))
		return
	case req.Outcome == lead.OutcomeSnooze && req.SnoozeUntil == nil:
		fail(c, s.logger, unprocessable("required", "snooze needs snooze_until", "snooze_until"))
		return
	case len(req.IdempotencyKey) > lead.MaxIDLen:
		fail(c, s.logger, unprocessable("too_long", "idempotency_key is longer than 128 characters", "idempotency_key"))
		return
	case req.Note != nil && len(*req.Note) > lead.MaxTextLen:
		fail(c, s.logger, unprocessable("too_long", "note is too long", "note"))
		return
	}
	if req.IdempotencyKey == "" {
		req.IdempotencyKey = "gen-" + randomString(12, hex.EncodeToString)
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalTimeout)
	defer cancel()
	current, ok := s.lookupLead(ctx, c, leadID)
	if !ok {
		return
	}
	// A repeated key gets the first answer even once the workflow has completed (after won or lost).
	if seen, err := s.store.OutcomeRecorded(ctx, leadID, req.IdempotencyKey); err != nil || seen {
		if err != nil {
			fail(c, s.logger, err)
			return
		}
		c.JSON(http.StatusOK, current)
		return
	}
	in := workflows.RecordOutcomeInput{RepID: req.RepID, Outcome: req.Outcome, Note: req.Note, Amount: req.Amount,
		Reason: req.Reason, SnoozeUntil: req.SnoozeUntil, IdempotencyKey: req.IdempotencyKey, ByAdmin: callerOf(c).has(scopeAdmin)}
	// The key is the Update's id too: Temporal answers a repeat of an Update still in flight with
	// the same result instead of running it twice.
	s.updateLead(ctx, c, current, workflows.UpdateRecordOutcome, "outcome-"+req.IdempotencyKey, in, "the lead no longer takes outcomes")
}

// updateLead sends an Update to the lead's conversation workflow, waits for its result and answers
// with the lead as it is then. A completed workflow is a closed (won, lost, unqualified) or idle
// lead: 409 lead_closed with closedMessage.
func (s *server) updateLead(ctx context.Context, c *gin.Context, current lead.Lead, update, updateID string, arg any, closedMessage string) {
	err := s.runUpdate(ctx, current, update, updateID, arg)
	if temporalx.IsNotFound(err) {
		fail(c, s.logger, &apiError{Status: http.StatusConflict, Code: "lead_closed", Message: closedMessage})
		return
	}
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	updated, err := s.store.Lead(ctx, current.LeadID)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	c.JSON(http.StatusOK, updated)
}

// runUpdate sends an Update to the lead's conversation workflow and waits for its result.
func (s *server) runUpdate(ctx context.Context, current lead.Lead, update, updateID string, arg any) error {
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.ConversationWorkflowID(current.ConversationIDs[0]), UpdateName: update, UpdateID: updateID,
		Args: []any{arg}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return handle.Get(ctx, nil)
}

type reassignRequest struct {
	Reason string `json:"reason"`
}

// reassignLead takes a lead from its rep and routes it again (admin): the rep is passed over and
// credited back in the rotation, the new rep is told. 409 when the lead is closed, not assigned
// yet, or nobody else can take it now.
func (s *server) reassignLead(c *gin.Context) {
	leadID, err := pathID(c, "lead_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req reassignRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	if utf8.RuneCountInString(req.Reason) > 500 {
		fail(c, s.logger, unprocessable("too_long", "reason is longer than 500 characters", "reason"))
		return
	}
	s.updateLeadByID(c, leadID, workflows.UpdateReassign, workflows.ReassignInput{Reason: req.Reason},
		"the lead's conversation has ended; it keeps its rep")
}

// updateLeadByID is updateLead for a lead known by its id only: 404 for an unknown lead.
func (s *server) updateLeadByID(c *gin.Context, leadID, update string, arg any, closedMessage string) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalTimeout)
	defer cancel()
	if current, ok := s.lookupLead(ctx, c, leadID); ok {
		s.updateLead(ctx, c, current, update, "", arg, closedMessage)
	}
}

type acknowledgeRequest struct {
	RepID string `json:"rep_id"`
}

// acknowledgeLead is the paged on-call rep answering the page for a hot lead nobody touched in
// time: the lead moves to them with a new first-touch deadline and the escalation stops. 403 for
// a rep who was not paged (unless the key is admin), 409 when nobody is paged about the lead.
func (s *server) acknowledgeLead(c *gin.Context) {
	leadID, err := pathID(c, "lead_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req acknowledgeRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	if req.RepID == "" || len(req.RepID) > lead.MaxIDLen {
		fail(c, s.logger, unprocessable("required", "rep_id is required (at most 128 characters)", "rep_id"))
		return
	}
	s.updateLeadByID(c, leadID, workflows.UpdateAcknowledge, workflows.AcknowledgeInput{RepID: req.RepID, ByAdmin: callerOf(c).has(scopeAdmin)},
		"the lead's conversation has ended")
}
