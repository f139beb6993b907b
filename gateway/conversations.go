package main

import (
	"context"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/workflows"
)

// messageRequest is the body of POST /v1/conversations/{id}/messages.
type messageRequest struct {
	MessageID string        `json:"message_id"`
	Channel   lead.Channel  `json:"channel"`
	Role      lead.Role     `json:"role"`
	Text      string        `json:"text"`
	SentAt    *time.Time    `json:"sent_at"`
	Sender    *lead.Sender  `json:"sender"`
	Context   *lead.Context `json:"context"`
}

type messageResponse struct {
	ConversationID string `json:"conversation_id"`
	WorkflowID     string `json:"workflow_id"`
	Status         string `json:"status"`
}

// postMessage hands one message to the conversation's workflow with Update-with-Start: the answer
// comes once the workflow holds the message durably, and says whether it was new.
func (s *server) postMessage(c *gin.Context) {
	convID, err := pathID(c, "conversation_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req messageRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	m := lead.Message{MessageID: req.MessageID, Channel: req.Channel, Role: req.Role, Text: req.Text,
		Sender: req.Sender, Context: req.Context}
	if req.SentAt != nil {
		m.SentAt = req.SentAt.UTC()
	}
	if m.Context != nil && m.Context.Country != nil {
		cc := strings.ToUpper(*m.Context.Country)
		m.Context.Country = &cc
	}
	if fe := lead.ValidateMessage(m); fe != nil {
		fail(c, s.logger, fe)
		return
	}

	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalTimeout)
	defer cancel()
	wfID := workflows.ConversationWorkflowID(convID)
	start := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       wfID,
		TaskQueue:                workflows.TaskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes: temporal.NewSearchAttributes(
			workflows.AttrLeadStatus.ValueSet(string(lead.StatusCollecting)),
			workflows.AttrChannel.ValueSet(string(m.Channel)),
			workflows.AttrSLABreached.ValueSet(false)),
	}, workflows.Conversation, &workflows.ConversationInput{ConversationID: convID, Settings: s.settings, Revision: workflows.CurrentRevision})
	update := client.UpdateWorkflowOptions{
		UpdateName:   workflows.UpdateAddMessage,
		Args:         []any{workflows.AddMessageInput{Message: m}},
		WaitForStage: client.WorkflowUpdateStageCompleted,
	}
	var res workflows.AddMessageResult
	var handle client.WorkflowUpdateHandle
	if s.running.has(convID) {
		u := update
		u.WorkflowID = wfID
		handle, err = s.temporal.UpdateWorkflow(ctx, u)
		if err == nil {
			err = handle.Get(ctx, &res)
		}
		if temporalx.IsNotFound(err) {
			s.running.forget(convID)
			handle = nil
		}
	}
	if handle == nil {
		handle, err = s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{StartWorkflowOperation: start, UpdateOptions: update})
		if err == nil {
			err = handle.Get(ctx, &res)
		}
	}
	if err == nil {
		s.running.add(convID)
	}
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	status := http.StatusAccepted
	if res.Status == workflows.MessageDuplicate {
		status = http.StatusOK
	}
	c.JSON(status, messageResponse{ConversationID: convID, WorkflowID: wfID, Status: res.Status})
}

type closeRequest struct {
	Reason string `json:"reason"`
}

// closeConversation asks the workflow to process now instead of after the quiet period; the
// answer comes once the workflow has taken the close (the close Update completed).
func (s *server) closeConversation(c *gin.Context) {
	convID, err := pathID(c, "conversation_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req closeRequest
	if err := decodeOptionalJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	if len(req.Reason) > 200 {
		fail(c, s.logger, unprocessable("too_long", "reason is longer than 200 characters", "reason"))
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalTimeout)
	defer cancel()
	wfID := workflows.ConversationWorkflowID(convID)
	handle, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{WorkflowID: wfID, UpdateName: workflows.UpdateClose,
		Args: []any{workflows.CloseInput{Reason: req.Reason}}, WaitForStage: client.WorkflowUpdateStageCompleted})
	if err == nil {
		err = handle.Get(ctx, nil)
	}
	if temporalx.IsNotFound(err) {
		fail(c, s.logger, notFound("conversation"))
		return
	}
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	c.JSON(http.StatusAccepted, gin.H{"conversation_id": convID, "workflow_id": wfID, "status": "accepted"})
}

type conversationResponse struct {
	ConversationID string      `json:"conversation_id"`
	WorkflowID     string      `json:"workflow_id"`
	Status         lead.Status `json:"status"`
	MissingFields  []string    `json:"missing_fields"`
	Lead           *lead.Lead  `json:"lead"`
}

// getConversation reads the live status from the workflow and the lead from the CRM.
func (s *server) getConversation(c *gin.Context) {
	convID, err := pathID(c, "conversation_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalTimeout)
	defer cancel()
	wfID := workflows.ConversationWorkflowID(convID)
	v, err := s.temporal.QueryWorkflow(ctx, wfID, "", workflows.QueryState)
	var st workflows.ConversationState
	if err == nil {
		err = v.Get(&st)
	}
	if temporalx.IsNotFound(err) {
		fail(c, s.logger, notFound("conversation"))
		return
	}
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	resp := conversationResponse{ConversationID: convID, WorkflowID: wfID, Status: st.Status, MissingFields: st.MissingFields}
	if resp.MissingFields == nil {
		resp.MissingFields = []string{}
	}
	if st.LeadID != "" {
		l, err := s.store.Lead(ctx, st.LeadID)
		if err != nil {
			fail(c, s.logger, err)
			return
		}
		resp.Lead = &l
	}
	c.JSON(http.StatusOK, resp)
}
