package hubspotfake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sync/atomic"
)

var correlations atomic.Int64

// correlationID is the id HubSpot gives every answer, for its support to find the request.
func correlationID() string {
	return fmt.Sprintf("5f1c0e2a-0000-4000-8000-%012d", correlations.Add(1))
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json;charset=utf-8")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

// writeError writes HubSpot's error body: status "error", a human message, a category, and
// context naming what was wrong.
func writeError(w http.ResponseWriter, status int, category, message string, context map[string][]string) {
	body := map[string]any{"status": "error", "message": message, "correlationId": correlationID(), "category": category}
	if context != nil {
		body["context"] = context
	}
	writeJSON(w, status, body)
}

// decode reads the request's JSON body strictly: a field HubSpot does not document is refused,
// so a misspelt field in the adapter fails its tests.
func decode(w http.ResponseWriter, r *http.Request, v any) bool {
	dec := json.NewDecoder(r.Body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		writeError(w, http.StatusBadRequest, "VALIDATION_ERROR", "Invalid input JSON: "+err.Error(), nil)
		return false
	}
	return true
}
