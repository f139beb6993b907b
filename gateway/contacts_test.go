package main

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/internal/temporalx"
)

// converse posts one customer message on the web chat, closes the conversation and waits for its lead.
func converse(t *testing.T, s *system, convID, text string) *lead.Lead {
	t.Helper()
	msg := map[string]any{"message_id": "m-1", "channel": "web", "role": "customer", "text": text,
		"context": map[string]any{"country": "GB"}}
	if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, msg, nil); code != http.StatusAccepted {
		t.Fatalf("post %s: %d", convID, code)
	}
	s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/close", adminKey, nil, nil)
	v := waitSettled(t, s, convID)
	if v.Lead == nil {
		t.Fatalf("%s made no lead: %s", convID, v.Status)
	}
	return v.Lead
}

// pendingReview finds the open review of a contact in the queue, walking its pages.
func pendingReview(t *testing.T, s *system, contactID string) (store.Review, bool) {
	t.Helper()
	path := "/v1/contacts/review?limit=2"
	for {
		var page reviewList
		if code := s.call(t, http.MethodGet, path, adminKey, nil, &page); code != http.StatusOK {
			t.Fatalf("review queue: %d", code)
		}
		for _, r := range page.Reviews {
			if r.Contact.ContactID == contactID {
				return r, true
			}
		}
		if page.NextCursor == nil {
			return store.Review{}, false
		}
		path = "/v1/contacts/review?limit=2&cursor=" + *page.NextCursor
	}
}

// TestContactsThroughTheAPI: an office line shared by a person and a nameless caller becomes a
// review; the admin merges it; a colleague on the same line stays apart and is marked as not a
// duplicate; the person asks to be forgotten and nothing personal remains in Postgres or Temporal.
func TestContactsThroughTheAPI(t *testing.T) {
	s := stack(t)
	seedTeams(t, s) // a rep to take the leads, so that they settle
	run := uniqueID("ct")
	line := fmt.Sprintf("+44 161 496 0%03d", time.Now().UnixNano()%1000) // Ofcom's drama range: a landline
	domain := strings.ReplaceAll(run, "-", "") + ".example"
	var repKey struct {
		Key string `json:"key"`
	}
	s.call(t, http.MethodPost, "/v1/api-keys", adminKey, map[string]any{"name": "rep", "scopes": []string{"rep"}}, &repKey)

	tom := converse(t, s, run+"-tom", "Hi, I'm Tom Baker from Northwind. We need a demo. Call me on "+line+" or tom.baker@"+domain)
	office := converse(t, s, run+"-office", "Please send prices. Office phone "+line+", ops@"+domain)
	if office.Match.Decision != lead.MatchReview || office.ContactID == tom.ContactID || !office.IsNewContact {
		t.Fatalf("a nameless caller on Tom's office line: want a review on a new contact, got %+v on %s", office.Match, office.ContactID)
	}
	r, ok := pendingReview(t, s, office.ContactID)
	if !ok || r.Candidate.ContactID != tom.ContactID || r.LeadID != office.LeadID || !slices.Contains(r.MatchedBy, "phone") {
		t.Fatalf("review queue: %v %+v", ok, r)
	}
	if r.Candidate.FullName == nil || *r.Candidate.FullName != "Tom Baker" {
		t.Errorf("the reviewer sees the candidate's name: %+v", r.Candidate)
	}

	// Refusals write nothing.
	for _, tt := range []struct {
		name, method, path, key string
		body                    any
		status                  int
		code                    string
	}{
		{"rep key", http.MethodPost, "/v1/contacts/merge", repKey.Key, map[string]any{"contact_id": tom.ContactID, "duplicate_id": office.ContactID}, 403, "forbidden"},
		{"merge into itself", http.MethodPost, "/v1/contacts/merge", adminKey, map[string]any{"contact_id": tom.ContactID, "duplicate_id": tom.ContactID}, 422, "same_contact"},
		{"merge without ids", http.MethodPost, "/v1/contacts/merge", adminKey, map[string]any{"contact_id": tom.ContactID}, 422, "invalid_id"},
		{"merge unknown", http.MethodPost, "/v1/contacts/merge", adminKey, map[string]any{"contact_id": tom.ContactID, "duplicate_id": "ct_none"}, 404, "not_found"},
		{"merge bad json", http.MethodPost, "/v1/contacts/merge", adminKey, `{"contact_id": `, 400, "bad_json"},
		{"not-duplicate unknown", http.MethodPost, "/v1/contacts/ct_none/not-duplicate", adminKey, map[string]any{"other_contact_id": tom.ContactID}, 404, "not_found"},
		{"not-duplicate itself", http.MethodPost, "/v1/contacts/" + tom.ContactID + "/not-duplicate", adminKey, map[string]any{"other_contact_id": tom.ContactID}, 422, "same_contact"},
		{"erase unknown", http.MethodDelete, "/v1/contacts/ct_none", adminKey, nil, 404, "not_found"},
		{"erase with a rep key", http.MethodDelete, "/v1/contacts/" + tom.ContactID, repKey.Key, nil, 403, "forbidden"},
		{"queue with a bad limit", http.MethodGet, "/v1/contacts/review?limit=0", adminKey, nil, 400, "invalid_limit"},
	} {
		code, raw := s.do(t, tt.method, tt.path, tt.key, tt.body, "")
		var body errorView
		decode(t, raw, &body)
		if code != tt.status || body.Error.Code != tt.code {
			t.Errorf("%s: got %d %+v, want %d %s", tt.name, code, body.Error, tt.status, tt.code)
		}
	}
	if _, ok := pendingReview(t, s, office.ContactID); !ok {
		t.Fatal("a refused call resolved the review")
	}

	// The admin merges; a repeat is answered the same way and changes nothing.
	for i, want := range []bool{false, true} {
		var res store.MergeResult
		if code := s.call(t, http.MethodPost, "/v1/contacts/merge", adminKey,
			map[string]any{"contact_id": tom.ContactID, "duplicate_id": office.ContactID}, &res); code != http.StatusOK || res.Already != want {
			t.Fatalf("merge %d: %d %+v", i, code, res)
		}
	}
	var moved lead.Lead
	s.call(t, http.MethodGet, "/v1/leads/"+office.LeadID, adminKey, nil, &moved)
	if moved.ContactID != tom.ContactID || moved.Match.Decision != lead.MatchReview {
		t.Errorf("after the merge the lead is on the surviving contact with its match record: %s %+v", moved.ContactID, moved.Match)
	}
	if _, ok := pendingReview(t, s, office.ContactID); ok {
		t.Error("the merged review is still pending")
	}

	// A colleague on the same line is somebody else; the admin says so, twice.
	priya := converse(t, s, run+"-priya", "Hello, Priya Shah here, procurement at Northwind. Demo please: "+line+", priya.shah@"+domain)
	if priya.ContactID == tom.ContactID || priya.Match.Decision == lead.MatchMerged {
		t.Fatalf("a colleague on a shared line was merged: %+v", priya.Match)
	}
	for range 2 {
		var res map[string]string
		if code := s.call(t, http.MethodPost, "/v1/contacts/"+priya.ContactID+"/not-duplicate", adminKey,
			map[string]any{"other_contact_id": tom.ContactID}, &res); code != http.StatusOK || res["status"] != "not_duplicate" {
			t.Fatalf("not-duplicate: %d %v", code, res)
		}
	}
	var audits int
	if err := s.store.DB().Get(&audits, `SELECT count(*) FROM audit_log WHERE action = 'contact.not_duplicate' AND subject_id = $1`, priya.ContactID); err != nil || audits != 1 {
		t.Errorf("not-duplicate audited %d times (%v), want once", audits, err)
	}

	// Tom asks to be forgotten.
	var e store.Erasure
	if code := s.call(t, http.MethodDelete, "/v1/contacts/"+tom.ContactID, adminKey, nil, &e); code != http.StatusOK {
		t.Fatalf("erase: %d", code)
	}
	if e.ContactID != tom.ContactID || !slices.Contains(e.Leads, tom.LeadID) || !slices.Contains(e.Leads, office.LeadID) ||
		len(e.Workflows) != 2 || e.TranscriptMessages < 2 || e.IdentityKeys == 0 || e.Already {
		t.Fatalf("erasure report: %+v", e)
	}
	for _, wfID := range e.Workflows {
		_, err := s.temporal.DescribeWorkflowExecution(context.Background(), wfID, "")
		for deadline := time.Now().Add(20 * time.Second); err == nil && time.Now().Before(deadline); {
			time.Sleep(200 * time.Millisecond) // deletion is asynchronous in the server
			_, err = s.temporal.DescribeWorkflowExecution(context.Background(), wfID, "")
		}
		if !temporalx.IsNotFound(err) {
			t.Errorf("workflow %s (its state and history hold the messages) still exists: %v", wfID, err)
		}
	}
	var erased lead.Lead
	s.call(t, http.MethodGet, "/v1/leads/"+tom.LeadID, adminKey, nil, &erased)
	if erased.Fields.FullName.Known() || erased.Fields.Phone.Known() || erased.Fields.Email.Known() || erased.Fields.Summary.Known() {
		t.Errorf("the lead still holds personal data: %+v", erased.Fields)
	}
	var left int
	if err := s.store.DB().Get(&left, `SELECT count(*) FROM transcript_messages WHERE conversation_id IN ($1, $2)`,
		run+"-tom", run+"-office"); err != nil || left != 0 {
		t.Errorf("%d transcript messages left (%v)", left, err)
	}
	var again store.Erasure
	if code := s.call(t, http.MethodDelete, "/v1/contacts/"+tom.ContactID, adminKey, nil, &again); code != http.StatusOK || !again.Already {
		t.Errorf("a repeated erasure: %d %+v", code, again)
	}
	// Priya is untouched.
	var kept lead.Lead
	s.call(t, http.MethodGet, "/v1/leads/"+priya.LeadID, adminKey, nil, &kept)
	if !kept.Fields.Email.Known() {
		t.Error("erasing Tom erased his colleague")
	}
}

// TestBurstOfOnePersonIsOneContact: one person writes on WhatsApp, the web chat and e-mail at the
// same moment, several conversations each; all are processed concurrently and end on one contact.
func TestBurstOfOnePersonIsOneContact(t *testing.T) {
	s := stack(t)
	seedTeams(t, s)
	run := uniqueID("burst")
	n := time.Now().UnixNano() % 100000
	wa := fmt.Sprintf("4474005%05d", n)                   // a UK mobile, as WhatsApp sends it
	national := fmt.Sprintf("07400 5%05d", n)             // the same number typed on the web
	email := fmt.Sprintf("dana.%d@brightwave.example", n) // and the address her e-mails come from
	bodies := map[string]map[string]any{}
	for i := range 3 {
		bodies[fmt.Sprintf("%s-wa-%d", run, i)] = map[string]any{"message_id": "m-1", "channel": "whatsapp", "role": "customer",
			"text": "Hi, I'm Dana White, we need a demo for our support team", "context": map[string]any{"country": "GB"},
			"sender": map[string]any{"phone": wa, "external_id": "wa:" + wa, "name": "Dana"}}
		bodies[fmt.Sprintf("%s-web-%d", run, i)] = map[string]any{"message_id": "m-1", "channel": "web", "role": "customer",
			"text": "Dana White here, please call me on " + national + " about pricing", "context": map[string]any{"country": "GB"}}
		bodies[fmt.Sprintf("%s-mail-%d", run, i)] = map[string]any{"message_id": "m-1", "channel": "email", "role": "customer",
			"text": "Hello, Dana White from Brightwave. Could you send a quote? Mobile: +44 " + national[1:], "context": map[string]any{"country": "GB"},
			"sender": map[string]any{"email": email, "external_id": "email:" + email, "name": "Dana White"}}
	}
	var wg sync.WaitGroup
	for convID, body := range bodies {
		wg.Go(func() {
			if code, raw := s.do(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, body, ""); code != http.StatusAccepted {
				t.Errorf("post %s: %d %s", convID, code, raw)
			}
			s.do(t, http.MethodPost, "/v1/conversations/"+convID+"/close", adminKey, nil, "")
		})
	}
	wg.Wait()
	contacts := map[string][]string{}
	for convID := range bodies {
		v := waitSettled(t, s, convID)
		if v.Lead == nil {
			t.Fatalf("%s made no lead: %s", convID, v.Status)
		}
		contacts[v.Lead.ContactID] = append(contacts[v.Lead.ContactID], convID)
	}
	if len(contacts) != 1 {
		t.Errorf("one person's %d concurrent conversations ended on %d contacts: %v", len(bodies), len(contacts), contacts)
	}
}
