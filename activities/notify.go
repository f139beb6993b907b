package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/leadflow/leadflow/internal/store"
)

// Notification kinds a rep receives.
const (
	NotifyNewLead          = "new_lead"
	NotifyFirstTouchDue    = "first_touch_overdue"
	NotifyManagerEscalated = "escalation"
	NotifyLeadQueued       = "lead_queued"
)

// NotifyInput is one message to one rep about one lead. Key makes it unique: the same key is
// delivered once, however often the activity runs.
type NotifyInput struct {
	LeadID string
	RepID  string
	Kind   string
	Key    string
}

// NotifyResult says whether a webhook took the notification.
type NotifyResult struct {
	NotificationID string
	Delivered      bool
}

// webhookBody is what a rep's webhook receives: ids only, never the customer's personal data; the
// rep's tool reads the lead through the API with its own key.
type webhookBody struct {
	NotificationID string `json:"notification_id"`
	Kind           string `json:"kind"`
	LeadID         string `json:"lead_id"`
	RepID          string `json:"rep_id"`
}

// NotifyRep puts a notification in the rep's inbox and, when the rep has a webhook, posts it there.
// A webhook answering 4xx is the rep's configuration problem and is not retried (the inbox still has
// it); 429, 5xx and network errors are retried, honouring Retry-After.
func (a *Activities) NotifyRep(ctx context.Context, in NotifyInput) (NotifyResult, error) {
	if in.LeadID == "" || in.RepID == "" || in.Kind == "" || in.Key == "" {
		return NotifyResult{}, invalid("notify: lead, rep, kind and key are required", nil)
	}
	id := fmt.Sprintf("%s:%s", in.LeadID, in.Key)
	created, err := a.Store.AddNotification(ctx, store.Notification{NotificationID: id, LeadID: in.LeadID, RepID: in.RepID, Kind: in.Kind})
	if err != nil {
		return NotifyResult{}, classify("notify", err)
	}
	// A notification the webhook already took is not posted again. Before this check every rerun
	// re-posted it: EscalateFirstTouch retried because the manager's webhook was down told the rep
	// again on every retry.
	if !created {
		delivered, err := a.Store.NotificationDelivered(ctx, id)
		if err != nil {
			return NotifyResult{}, classify("notify", err)
		}
		if delivered {
			return NotifyResult{NotificationID: id, Delivered: true}, nil
		}
	}
	rep, err := a.Store.RepByID(ctx, in.RepID)
	if err != nil {
		return NotifyResult{}, classify("notify", err)
	}
	url := rep.Notify.WebhookURL
	if url == nil || *url == "" {
		return NotifyResult{NotificationID: id}, nil
	}
	body, err := json.Marshal(webhookBody{NotificationID: id, Kind: in.Kind, LeadID: in.LeadID, RepID: in.RepID})
	if err != nil {
		return NotifyResult{}, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, *url, bytes.NewReader(body))
	if err != nil {
		return NotifyResult{}, invalid("notify: bad webhook url", err)
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", id)
	resp, err := a.httpClient().Do(req)
	if err != nil {
		return NotifyResult{}, fmt.Errorf("notify webhook: %w", err)
	}
	defer resp.Body.Close()
	switch {
	case resp.StatusCode == http.StatusTooManyRequests || resp.StatusCode >= 500:
		return NotifyResult{}, retryLater(fmt.Sprintf("notify webhook answered %d", resp.StatusCode), resp.Header.Get("Retry-After"), a.now())
	case resp.StatusCode >= 400:
		return NotifyResult{}, temporal.NewNonRetryableApplicationError(fmt.Sprintf("notify webhook answered %d", resp.StatusCode), ErrTypeRejected, nil)
	}
	if err := a.Store.MarkNotificationDelivered(ctx, id); err != nil {
		return NotifyResult{}, classify("notify", err)
	}
	return NotifyResult{NotificationID: id, Delivered: true}, nil
}

func (a *Activities) httpClient() *http.Client {
	if a.HTTP != nil {
		return a.HTTP
	}
	return &http.Client{Timeout: 10 * time.Second}
}
