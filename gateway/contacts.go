package main

import (
	"context"
	"errors"
	"net/http"

	"github.com/gin-gonic/gin"
	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/api/workflowservice/v1"

	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
)

type reviewList struct {
	Reviews    []store.Review `json:"reviews"`
	NextCursor *string        `json:"next_cursor"`
}

// listReviews answers the possible duplicates waiting for a human, oldest first.
func (s *server) listReviews(c *gin.Context) {
	limit, err := pageLimit(c)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	cursor := c.Query("cursor")
	if cursor != "" && !idPattern.MatchString(cursor) {
		fail(c, s.logger, badRequest("invalid_cursor", "cursor is not one this API handed out", "cursor"))
		return
	}
	reviews, next, err := s.store.PendingReviews(c.Request.Context(), limit, cursor)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	resp := reviewList{Reviews: reviews}
	if next != "" {
		resp.NextCursor = &next
	}
	c.JSON(http.StatusOK, resp)
}

type mergeRequest struct {
	ContactID   string `json:"contact_id"`   // the contact that stays
	DuplicateID string `json:"duplicate_id"` // the contact merged into it
}

// mergeContacts merges a duplicate into the contact that stays. Repeating it answers 200 with
// "already_merged": true.
func (s *server) mergeContacts(c *gin.Context) {
	var req mergeRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	for field, id := range map[string]string{"contact_id": req.ContactID, "duplicate_id": req.DuplicateID} {
		if !idPattern.MatchString(id) {
			fail(c, s.logger, unprocessable("invalid_id", field+" must be a contact id", field))
			return
		}
	}
	if req.ContactID == req.DuplicateID {
		fail(c, s.logger, unprocessable("same_contact", "a contact cannot be merged into itself", "duplicate_id"))
		return
	}
	res, err := s.store.MergeContacts(c.Request.Context(), req.ContactID, req.DuplicateID, actorOf(c))
	if err != nil {
		fail(c, s.logger, contactError(err))
		return
	}
	c.JSON(http.StatusOK, res)
}

type notDuplicateRequest struct {
	OtherContactID string `json:"other_contact_id"`
}

// notDuplicate records that two contacts are different people; repeats change nothing.
func (s *server) notDuplicate(c *gin.Context) {
	id, err := pathID(c, "contact_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	var req notDuplicateRequest
	if err := decodeJSON(c, &req); err != nil {
		fail(c, s.logger, err)
		return
	}
	if !idPattern.MatchString(req.OtherContactID) {
		fail(c, s.logger, unprocessable("invalid_id", "other_contact_id must be a contact id", "other_contact_id"))
		return
	}
	if req.OtherContactID == id {
		fail(c, s.logger, unprocessable("same_contact", "a contact is always itself", "other_contact_id"))
		return
	}
	if err := s.store.MarkNotDuplicate(c.Request.Context(), id, req.OtherContactID, actorOf(c)); err != nil {
		fail(c, s.logger, contactError(err))
		return
	}
	c.JSON(http.StatusOK, gin.H{"contact_id": id, "other_contact_id": req.OtherContactID, "status": "not_duplicate"})
}

// eraseContact removes the person's personal data: from Postgres first (in one transaction, so
// nothing is half-erased and in-flight activities can write nothing back), then the conversation
// workflows, whose state and history hold the messages. A failure on the Temporal side is a 503
// and the call can be repeated: the store answers the same workflows again.
func (s *server) eraseContact(c *gin.Context) {
	id, err := pathID(c, "contact_id")
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	e, err := s.store.EraseContact(c.Request.Context(), id, actorOf(c))
	if err != nil {
		fail(c, s.logger, contactError(err))
		return
	}
	for _, wfID := range e.Workflows {
		if err := s.deleteWorkflow(c.Request.Context(), wfID); err != nil {
			s.logger.Error("Erasure: deleting a workflow failed; the call can be repeated", "ContactID", e.ContactID, "WorkflowID", wfID, "Error", err)
			fail(c, s.logger, err)
			return
		}
	}
	c.JSON(http.StatusOK, e)
}

// deleteWorkflow deletes a workflow execution, running or closed, with its history. One already
// gone is fine.
func (s *server) deleteWorkflow(ctx context.Context, workflowID string) error {
	ctx, cancel := context.WithTimeout(ctx, temporalTimeout)
	defer cancel()
	_, err := s.temporal.WorkflowService().DeleteWorkflowExecution(ctx, &workflowservice.DeleteWorkflowExecutionRequest{
		Namespace: s.namespace, WorkflowExecution: &commonpb.WorkflowExecution{WorkflowId: workflowID}})
	if temporalx.IsNotFound(err) {
		return nil
	}
	return err
}

// contactError names the store's answers in the contract's terms.
func contactError(err error) error {
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("contact")
	case errors.Is(err, store.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "contact_conflict",
			Message: "a contact is already merged into another or was erased"}
	}
	return err
}

// actorOf names the caller in the audit log by its key id, never by the key.
func actorOf(c *gin.Context) string { return "key:" + callerOf(c).KeyID }
