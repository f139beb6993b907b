package main

import (
	"errors"
	"log/slog"
	"net/http"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
	"github.com/leadflow/leadflow/workflows"
)

// apiError is an error with the status and body the contract gives it.
type apiError struct {
	Status  int
	Code    string
	Message string
	Field   string
}

func (e *apiError) Error() string { return e.Code + ": " + e.Message }

func badRequest(code, msg, field string) *apiError {
	return &apiError{Status: http.StatusBadRequest, Code: code, Message: msg, Field: field}
}

func unprocessable(code, msg, field string) *apiError {
	return &apiError{Status: http.StatusUnprocessableEntity, Code: code, Message: msg, Field: field}
}

func notFound(what string) *apiError {
	return &apiError{Status: http.StatusNotFound, Code: "not_found", Message: what + " not found"}
}

type errorBody struct {
	Error errorDetail `json:"error"`
}

type errorDetail struct {
	Code    string `json:"code"`
	Message string `json:"message"`
	Field   string `json:"field,omitempty"`
}

// fail answers the request with the error's status and the contract's error body, and stops the
// handler chain. It is the one place where errors become HTTP statuses.
func fail(c *gin.Context, logger *slog.Logger, err error) {
	e := toAPIError(err)
	if e.Status >= 500 {
		// Log the cause, never the request body: it carries personal data.
		logger.ErrorContext(c.Request.Context(), "request failed", "route", c.FullPath(), "status", e.Status, "error", err)
	}
	c.AbortWithStatusJSON(e.Status, errorBody{Error: errorDetail{Code: e.Code, Message: e.Message, Field: e.Field}})
}

func toAPIError(err error) *apiError {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae
	}
	var fe *lead.FieldError
	if errors.As(err, &fe) {
		return unprocessable(fe.Code, fe.Message, fe.Field)
	}
	var appErr *temporal.ApplicationError
	if errors.As(err, &appErr) {
		switch appErr.Type() {
		case workflows.ErrTypeOutcomeNotAllowed:
			return &apiError{Status: http.StatusConflict, Code: "transition_not_allowed", Message: appErr.Message()}
		case workflows.ErrTypeNotAssignedRep:
			return &apiError{Status: http.StatusForbidden, Code: "not_assigned_rep", Message: appErr.Message(), Field: "rep_id"}
		case workflows.ErrTypeNotAssigned:
			return &apiError{Status: http.StatusConflict, Code: "not_assigned", Message: appErr.Message()}
		case workflows.ErrTypeNoRepAvailable:
			return &apiError{Status: http.StatusConflict, Code: "no_rep_available", Message: appErr.Message()}
		case workflows.ErrTypeNotPaged:
			return &apiError{Status: http.StatusConflict, Code: "not_paged", Message: appErr.Message()}
		case workflows.ErrTypeInvalidOutcome, workflows.ErrTypeInvalidMessage:
			return unprocessable("invalid_request", appErr.Message(), "")
		}
	}
	switch {
	case errors.Is(err, store.ErrNotFound):
		return notFound("resource")
	case errors.Is(err, store.ErrConflict):
		return &apiError{Status: http.StatusConflict, Code: "conflict", Message: "the resource already exists"}
	case errors.Is(err, store.ErrUnavailable), temporalx.IsUnavailable(err):
		return &apiError{Status: http.StatusServiceUnavailable, Code: "unavailable",
			Message: "a backing service is unreachable; nothing was accepted, retry later"}
	}
	return &apiError{Status: http.StatusInternalServerError, Code: "internal", Message: "internal error"}
}
