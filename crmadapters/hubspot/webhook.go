package hubspot

import (
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
)

// signatureMaxAge is how old a signed webhook request may be: the v3 signature covers the time
// it was sent, so a captured request cannot be replayed later.
const signatureMaxAge = 5 * time.Minute

// event is one of the events HubSpot posts to the webhook, as an array.
type event struct {
	EventID          json.Number `json:"eventId"`
	SubscriptionType string      `json:"subscriptionType"`
	ObjectID         json.Number `json:"objectId"`
	PropertyName     string      `json:"propertyName"`
	PropertyValue    string      `json:"propertyValue"`
	OccurredAt       int64       `json:"occurredAt"` // Unix milliseconds
}

// Events implements crmadapters.EventSource: it checks the request's v3 signature and returns the
// deal stage changes it carries; every other event (other objects, other properties) is ignored.
func (a *Adapter) Events(r *http.Request, body []byte, now time.Time) ([]crmadapters.StageChange, error) {
	if err := a.verify(r, body, now); err != nil {
		return nil, err
	}
	var events []event
	if err := json.Unmarshal(body, &events); err != nil {
		return nil, errors.New("hubspot: the webhook body is not HubSpot's array of events")
	}
	var out []crmadapters.StageChange
	for _, e := range events {
		if e.SubscriptionType != "deal.propertyChange" || e.PropertyName != stageProperty || e.ObjectID == "" {
			continue
		}
		out = append(out, crmadapters.StageChange{LeadRef: e.ObjectID.String(), Stage: e.PropertyValue,
			EventID: e.EventID.String(), At: time.UnixMilli(e.OccurredAt).UTC()})
	}
	return out, nil
}

// verify checks X-HubSpot-Signature-v3: base64 of HMAC-SHA256, keyed with the app's client
// secret, of method + URI + body + X-HubSpot-Request-Timestamp, sent less than five minutes ago.
func (a *Adapter) verify(r *http.Request, body []byte, now time.Time) error {
	if a.webhookSecret == "" {
		return fmt.Errorf("%w: hubspot's webhook is not configured", crmadapters.ErrBadSignature)
	}
	sig, ts := r.Header.Get("X-HubSpot-Signature-v3"), r.Header.Get("X-HubSpot-Request-Timestamp")
	ms, err := strconv.ParseInt(ts, 10, 64)
	if sig == "" || err != nil {
		return fmt.Errorf("%w: no v3 signature or timestamp", crmadapters.ErrBadSignature)
	}
	if age := now.Sub(time.UnixMilli(ms)); age > signatureMaxAge || age < -signatureMaxAge {
		return fmt.Errorf("%w: signed %s from now, more than %s", crmadapters.ErrBadSignature, age.Round(time.Second), signatureMaxAge)
	}
	mac := hmac.New(sha256.New, []byte(a.webhookSecret))
	mac.Write([]byte(r.Method + a.signedURI(r)))
	mac.Write(body)
	mac.Write([]byte(ts))
	got, err := base64.StdEncoding.DecodeString(sig)
	if err != nil || !hmac.Equal(got, mac.Sum(nil)) {
		return fmt.Errorf("%w: the v3 signature does not match", crmadapters.ErrBadSignature)
	}
	return nil
}

// signedURI is the URI HubSpot signed: the webhook URL configured in the app (behind a proxy the
// request's own scheme and host are not the ones HubSpot called), with the request's query when
// that URL has none, and the characters HubSpot decodes before signing decoded.
func (a *Adapter) signedURI(r *http.Request) string {
	uri := a.webhookURL
	if r.URL.RawQuery != "" && !strings.Contains(uri, "?") {
		uri += "?" + r.URL.RawQuery
	}
	return uriDecoder.Replace(uri)
}

var uriDecoder = strings.NewReplacer(
	"%3A", ":", "%2F", "/", "%3F", "?", "%40", "@", "%21", "!", "%24", "$",
	"%27", "'", "%28", "(", "%29", ")", "%2A", "*", "%2C", ",", "%3B", ";",
	"%3a", ":", "%2f", "/", "%3f", "?", "%2a", "*", "%2c", ",", "%3b", ";",
)
