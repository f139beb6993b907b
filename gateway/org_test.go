package main

import (
	"encoding/json"
	"errors"
	"testing"
)

// The rep's notification settings are checked before anything is stored; the error names the
// setting at fault.
func TestRepNotifyValidation(t *testing.T) {
	base := func(notify map[string]any) repRequest {
		var req repRequest
		raw := map[string]any{"name": "Ali", "team_id": "fa", "notify": notify}
		if notify["email"] == true {
			raw["email"] = "ali@example.com"
		}
		b, err := json.Marshal(raw)
		if err != nil {
			t.Fatal(err)
		}
		decode(t, b, &req)
		return req
	}
	tests := []struct {
		name      string
		req       repRequest
		wantCode  string
		wantField string
	}{
		{"all channels", base(map[string]any{"webhook_url": "https://crm.example.com/hook", "slack_webhook_url": "https://hooks.slack.com/services/T/B/x",
			"telegram_chat_id": "@leadflow_desk", "email": true}), "", ""},
		{"nulls", base(map[string]any{"webhook_url": nil, "slack_webhook_url": nil, "telegram_chat_id": nil}), "", ""},
		{"webhook not a url", base(map[string]any{"webhook_url": "crm.example.com/hook"}), "invalid_url", "notify.webhook_url"},
		{"slack without host", base(map[string]any{"slack_webhook_url": "https:///services"}), "invalid_url", "notify.slack_webhook_url"},
		{"telegram phone number", base(map[string]any{"telegram_chat_id": "+989123456789"}), "invalid_notify", "notify.telegram_chat_id"},
		{"email without an address", func() repRequest {
			req := base(map[string]any{"email": true})
			req.Email = nil
			return req
		}(), "invalid_notify", "notify.email"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := repFromRequest("rep-1", tt.req)
			if tt.wantCode == "" {
				if err != nil {
					t.Fatalf("want valid, got %v", err)
				}
				return
			}
			var ae *apiError
			if !errors.As(err, &ae) || ae.Status != 422 || ae.Code != tt.wantCode || ae.Field != tt.wantField {
				t.Fatalf("got %#v, want 422 %s on %s", err, tt.wantCode, tt.wantField)
			}
		})
	}
}
