package hubspot_test

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"net/http/httptest"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/crmadapters/crmtest"
	"github.com/leadflow/leadflow/crmadapters/hubspot"
)

// events is what HubSpot posts for a deal moved to closed won, with events the adapter ignores:
// another deal property, and a contact's.
const events = `[
 {"eventId":1001,"subscriptionId":42,"portalId":62515,"appId":7,"occurredAt":1793610000000,"subscriptionType":"deal.propertyChange",
  "attemptNumber":0,"objectId":123456,"propertyName":"dealstage","propertyValue":"closedwon","changeSource":"CRM","sourceId":"userId:9"},
 {"eventId":1002,"subscriptionId":43,"portalId":62515,"appId":7,"occurredAt":1793610000000,"subscriptionType":"deal.propertyChange",
  "attemptNumber":0,"objectId":123456,"propertyName":"amount","propertyValue":"9000","changeSource":"CRM"},
 {"eventId":1003,"subscriptionId":44,"portalId":62515,"appId":7,"occurredAt":1793610000000,"subscriptionType":"contact.propertyChange",
  "attemptNumber":0,"objectId":77,"propertyName":"dealstage","propertyValue":"x","changeSource":"CRM"}
]`

// sign is HubSpot's v3 signature of a request.
func sign(secret, method, uri, body, timestamp string) string {
	mac := hmac.New(sha256.New, []byte(secret))
	mac.Write([]byte(method + uri + body + timestamp))
	return base64.StdEncoding.EncodeToString(mac.Sum(nil))
}

func TestEvents(t *testing.T) {
	now := time.Date(2026, 11, 3, 10, 0, 0, 0, time.UTC)
	ms := func(t time.Time) string { return strconv.FormatInt(t.UnixMilli(), 10) }
	closedWon := []crmadapters.StageChange{{LeadRef: "123456", Stage: "closedwon", EventID: "1001", At: time.UnixMilli(1793610000000).UTC()}}
	tests := []struct {
		name string
		// target is the URL the request reached: behind a proxy, not the one HubSpot called.
		target, body, timestamp, signature string
		want                               []crmadapters.StageChange
		bad                                bool
	}{
		{name: "signed", target: "http://10.0.0.7:8080/v1/crm/hubspot/events", body: events, timestamp: ms(now.Add(-time.Minute)),
			signature: sign(webhookSecret, "POST", webhookURL, events, ms(now.Add(-time.Minute))), want: closedWon},
		{name: "signed with the query HubSpot called", target: "http://10.0.0.7/v1/crm/hubspot/events?portal=62515", body: events,
			timestamp: ms(now), signature: sign(webhookSecret, "POST", webhookURL+"?portal=62515", events, ms(now)), want: closedWon},
		{name: "wrong secret", target: "http://10.0.0.7/v1/crm/hubspot/events", body: events, timestamp: ms(now),
			signature: sign("another-secret", "POST", webhookURL, events, ms(now)), bad: true},
		{name: "body changed", target: "http://10.0.0.7/v1/crm/hubspot/events", body: strings.Replace(events, "closedwon", "closedlost", 1),
			timestamp: ms(now), signature: sign(webhookSecret, "POST", webhookURL, events, ms(now)), bad: true},
		{name: "stale timestamp", target: "http://10.0.0.7/v1/crm/hubspot/events", body: events, timestamp: ms(now.Add(-6 * time.Minute)),
			signature: sign(webhookSecret, "POST", webhookURL, events, ms(now.Add(-6*time.Minute))), bad: true},
		{name: "unsigned", target: "http://10.0.0.7/v1/crm/hubspot/events", body: events, timestamp: ms(now), bad: true},
		{name: "only other events", target: "http://10.0.0.7/v1/crm/hubspot/events", body: `[{"eventId":5,"subscriptionType":"deal.creation","objectId":9,"occurredAt":1}]`,
			timestamp: ms(now), signature: sign(webhookSecret, "POST", webhookURL, `[{"eventId":5,"subscriptionType":"deal.creation","objectId":9,"occurredAt":1}]`, ms(now))},
	}
	c := newCRM(t, nil, nil)
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := httptest.NewRequest("POST", tt.target, strings.NewReader(tt.body))
			r.Header.Set("X-HubSpot-Signature-v3", tt.signature)
			r.Header.Set("X-HubSpot-Request-Timestamp", tt.timestamp)
			got, err := c.adapter.Events(r, []byte(tt.body), now)
			if tt.bad {
				if !errors.Is(err, crmadapters.ErrBadSignature) {
					t.Fatalf("err = %v, want ErrBadSignature", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, tt.want) {
				t.Errorf("Events = %+v, want %+v", got, tt.want)
			}
		})
	}
}

// Without a configured secret nothing is trusted.
func TestEventsWithoutWebhook(t *testing.T) {
	s := settings("https://api.hubapi.com")
	delete(s.Credentials, "webhook_secret")
	delete(s.Options, "webhook_url")
	a, err := hubspot.New(s, getenv, &crmtest.MemoryIDs{}, nil)
	if err != nil {
		t.Fatal(err)
	}
	r := httptest.NewRequest("POST", "/v1/crm/hubspot/events", strings.NewReader(events))
	if _, err := a.Events(r, []byte(events), time.Now()); !errors.Is(err, crmadapters.ErrBadSignature) {
		t.Fatalf("err = %v, want ErrBadSignature", err)
	}
}
