package main

import (
	"context"
	"errors"
	"maps"
	"net/http"
	"slices"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/workflows"
)

// crmEventsResult says what became of a webhook's stage changes.
type crmEventsResult struct {
	Applied int `json:"applied"` // recorded as rep outcomes
	Ignored int `json:"ignored"` // not Leadflow's leads, stages no outcome stands for, repeats, or already the lead's status
}

// crmEvents takes a CRM's webhook: a lead's stage moved inside the CRM arrives as the lead
// owner's outcome, through the same Update a rep's POST /v1/leads/{id}/outcome sends, keyed by
// the CRM's event id so a redelivered event counts once. 401 for a bad signature; 503 when the
// outcome could not be recorded now, so the CRM delivers again.
func (s *server) crmEvents(c *gin.Context) {
	name := c.Param("crm")
	adapter, ok := s.crms[name]
	source, events := adapter.(crmadapters.EventSource)
	mapped, hasMapping := adapter.(crmadapters.Mapped)
	if !ok || !events || !hasMapping {
		fail(c, s.logger, notFound("crm"))
		return
	}
	body, err := readBody(c)
	if err != nil {
		fail(c, s.logger, err)
		return
	}
	changes, err := source.Events(c.Request, body, time.Now())
	if errors.Is(err, crmadapters.ErrBadSignature) {
		fail(c, s.logger, &apiError{Status: http.StatusUnauthorized, Code: "bad_signature", Message: "the request's signature does not check"})
		return
	}
	if err != nil {
		fail(c, s.logger, &apiError{Status: http.StatusBadRequest, Code: "invalid_events", Message: "the events could not be read"})
		return
	}
	ctx, cancel := context.WithTimeout(c.Request.Context(), temporalTimeout)
	defer cancel()
	var res crmEventsResult
	for _, ch := range changes {
		applied, err := s.applyStageChange(ctx, name, mapped.Mapping(), ch)
		if err != nil {
			s.logger.Warn("A CRM stage change was not recorded; the CRM will deliver it again", "CRM", name, "Error", err)
			fail(c, s.logger, &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable", Message: "try again later"})
			return
		}
		if applied {
			res.Applied++
		} else {
			res.Ignored++
		}
	}
	c.JSON(http.StatusOK, res)
}

// applyStageChange records one stage change as its lead owner's outcome. It reports false for a
// change that is no outcome of a Leadflow lead, and an error only when a retry may succeed.
func (s *server) applyStageChange(ctx context.Context, crm string, m crmadapters.Mapping, ch crmadapters.StageChange) (bool, error) {
	status, ok := m.Status(ch.Stage)
	if !ok {
		return false, nil
	}
	outcome, ok := crmadapters.OutcomeFor(status)
	if !ok || ch.EventID == "" {
		return false, nil
	}
	leadID, err := s.crmIDs.Key(ctx, crm, crmadapters.KindLead, ch.LeadRef)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil // a deal Leadflow did not write
	}
	if err != nil {
		return false, err
	}
	current, err := s.store.Lead(ctx, leadID)
	if errors.Is(err, store.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, err
	}
	// Leadflow's own write of the stage comes back as an event too: the lead already has it.
	if current.Status == status || current.Assignment == nil {
		return false, nil
	}
	key := crm + "-evt-" + ch.EventID
	if seen, err := s.store.OutcomeRecorded(ctx, leadID, key); err != nil || seen {
		return false, err
	}
	in := workflows.RecordOutcomeInput{RepID: current.Assignment.RepID, Outcome: outcome, IdempotencyKey: key}
	err = s.runUpdate(ctx, current, workflows.UpdateRecordOutcome, "outcome-"+key, in)
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
		return true, nil
	case temporalx.IsNotFound(err):
		return false, nil // the lead's run has ended: closed or idle
	case errors.As(err, &appErr) && appErr.Type() == workflows.ErrTypeOutcomeNotAllowed:
		return false, nil // a move the lead's status does not allow (e.g. won → contacted)
	}
	return false, err
}

// pollCRMs asks the CRMs that report stage changes only when asked (crmadapters.ChangePoller:
// Salesforce) for them every interval, until ctx ends. Every gateway polls; the outcomes' keys
// make a change read twice one outcome.
func pollCRMs(ctx context.Context, d Deps, every time.Duration) {
	s := &server{store: d.Store, temporal: d.Temporal, namespace: d.Namespace, logger: d.Logger, crms: d.CRMs, crmIDs: d.CRMIDs}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		s.pollCRMsOnce(ctx, time.Now(), every)
		select {
		case <-ctx.Done():
			return
		case <-tick.C:
		}
	}
}

// pollCRMsOnce reads each polled CRM's changes since its mark and records them as outcomes. The
// mark moves past a change only once it is recorded or ignored, so a change that could not be
// recorded is read again next time. A CRM polled for the first time is read from one interval back.
func (s *server) pollCRMsOnce(ctx context.Context, now time.Time, every time.Duration) {
	for _, name := range slices.Sorted(maps.Keys(s.crms)) {
		poller, polled := s.crms[name].(crmadapters.ChangePoller)
		mapped, hasMapping := s.crms[name].(crmadapters.Mapped)
		if !polled || !hasMapping {
			continue
		}
		if err := s.pollCRM(ctx, name, poller, mapped.Mapping(), now.Add(-every)); err != nil {
			s.logger.Warn("A CRM's stage changes were not all read; the next poll reads them again", "CRM", name, "Error", err)
		}
	}
}

func (s *server) pollCRM(ctx context.Context, name string, poller crmadapters.ChangePoller, m crmadapters.Mapping, first time.Time) error {
	since, err := s.store.CRMPollMark(ctx, name)
	if err != nil {
		return err
	}
	if since.IsZero() {
		since = first
	}
	changes, err := poller.ChangedSince(ctx, since)
	if err != nil {
		return err
	}
	mark := since
	for _, ch := range changes {
		if _, err := s.applyStageChange(ctx, name, m, ch); err != nil {
			_ = s.store.SetCRMPollMark(ctx, name, mark)
			return err
		}
		if ch.At.After(mark) {
			mark = ch.At
		}
	}
	return s.store.SetCRMPollMark(ctx, name, mark)
}
