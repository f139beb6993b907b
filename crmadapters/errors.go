package crmadapters

import (
	"errors"
	"fmt"
	"strings"
	"time"
)

// The error classes every adapter answers with, so the activity knows what a retry can fix. An
// error that is none of these (a dropped connection, a timeout) is retried.

// ErrBadSignature is a webhook request whose signature is missing, wrong or too old.
var ErrBadSignature = errors.New("crm: bad webhook signature")

// RetryError is a CRM that asked to be called again: throttled (429, Salesforce's
// REQUEST_LIMIT_EXCEEDED) or failing on its side (5xx). After is how long it asked to wait; zero
// leaves the wait to the retry policy.
type RetryError struct {
	CRM    string
	Status int
	After  time.Duration
	Msg    string
}

func (e *RetryError) Error() string {
	s := fmt.Sprintf("%s: retry later (HTTP %d): %s", e.CRM, e.Status, e.Msg)
	if e.After > 0 {
		s += fmt.Sprintf(" (asked to wait %s)", e.After)
	}
	return s
}

// RejectedError is a request the CRM refused for good (400, 403, 404 …): a retry sends the
// same request and is refused again. Code is the CRM's own error code when it gave one.
type RejectedError struct {
	CRM    string
	Status int
	Code   string
	Msg    string
}

func (e *RejectedError) Error() string {
	code := ""
	if e.Code != "" {
		code = " " + e.Code
	}
	return fmt.Sprintf("%s: rejected (HTTP %d%s): %s", e.CRM, e.Status, code, e.Msg)
}

// ReviewError is a write a person must decide: the CRM holds several records the lead could be
// (Salesforce's 300 Multiple Choices) or its duplicate rules refused a record they think exists
// (DUPLICATES_DETECTED). Candidates are the CRM's ids of the records it named.
type ReviewError struct {
	CRM        string
	Reason     string
	Candidates []string
}

func (e *ReviewError) Error() string {
	return fmt.Sprintf("%s: needs review: %s (candidates: %s)", e.CRM, e.Reason, strings.Join(e.Candidates, ", "))
}

// MappingError is a lead the configured field mapping cannot express: a value its transform does
// not know, a required property with no value, a text too long for the property. No retry can fix
// it; the configuration or the lead must change.
type MappingError struct {
	CRM      string
	Field    string // Leadflow's field, e.g. "lead.status"
	Property string // the CRM's property it maps to
	Reason   string
}

func (e *MappingError) Error() string {
	return fmt.Sprintf("%s: mapping %s → %s: %s", e.CRM, e.Field, e.Property, e.Reason)
}

// Retryable reports whether a retry of the call that failed with err may succeed.
func Retryable(err error) bool {
	var rej *RejectedError
	var rev *ReviewError
	var mapping *MappingError
	return err != nil && !errors.As(err, &rej) && !errors.As(err, &rev) && !errors.As(err, &mapping)
}
