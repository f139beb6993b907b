package activities

import (
	"strings"
	"testing"
)

// Every kind the workflow sends has its own wording; only an unknown kind gets the generic text.
func TestNotificationTextPerKind(t *testing.T) {
	for _, kind := range []string{NotifyNewLead, NotifyFirstTouchDue, NotifyManagerEscalated, NotifyLeadQueued, NotifyPage, NotifyReminder} {
		subject, text := notificationText(kind, "ld_1")
		if strings.HasPrefix(text, "There is news") || !strings.Contains(subject, "ld_1") || !strings.Contains(text, "ld_1") {
			t.Errorf("%s: %q / %q", kind, subject, text)
		}
	}
	if _, text := notificationText("something_else", "ld_1"); text != "There is news about lead ld_1 (something_else)." {
		t.Errorf("unknown kind: %q", text)
	}
}
