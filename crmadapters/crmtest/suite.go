package crmtest

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/lead"
)

// Remote is what the compliance suite reads back from the CRM behind an adapter (a fake server's
// state, or Postgres for the built-in CRM).
type Remote interface {
	// Count is how many records of a kind the CRM holds: "contact", "lead", "note" or "task".
	Count(kind string) int
	// Stage is the stage or status the CRM holds for its lead record ref.
	Stage(ref string) string
}

// Subject is one adapter under test.
type Subject struct {
	Adapter crmadapters.Adapter
	Remote  Remote
	// Stage is the stage the adapter writes for a lead status (its mapping's).
	Stage func(lead.Status) string
	// Chaos, when the CRM runs behind one, is enabled for the chaos test only.
	Chaos *Chaos
	// Prepare makes the CRM hold what a lead needs before it is written, for CRMs whose leads
	// need more than the adapter writes (the built-in CRM's leads belong to a conversation);
	// nil when nothing is needed.
	Prepare func(t *testing.T, contactID, leadID string)
}

// Run is the compliance suite: every adapter must pass it. newSubject gives a CRM holding nothing;
// its Chaos, if any, acts in the chaos test only.
func Run(t *testing.T, newChaoticSubject func(t *testing.T) Subject) {
	newSubject := func(t *testing.T) Subject {
		s := newChaoticSubject(t)
		if s.Chaos != nil {
			s.Chaos.Disable()
		}
		return s
	}
	t.Run("contact upserted twice is one record", func(t *testing.T) {
		s := newSubject(t)
		c := SampleContact("c-1", 0)
		first := upsertContact(t, s, c)
		c.Fields.Company = lead.Set("Tehran Motors", 0.9, "Tehran Motors", lead.SourceRules)
		second := upsertContact(t, s, c)
		if first == "" || first != second {
			t.Fatalf("upserting one contact twice gave ids %q and %q", first, second)
		}
		if n := s.Remote.Count("contact"); n != 1 {
			t.Fatalf("the CRM holds %d contacts, want 1", n)
		}
	})
	t.Run("phone-only contact", func(t *testing.T) {
		s := newSubject(t)
		c := SampleContact("c-phone", 1)
		c.Fields.Email = lead.Field[string]{}
		id := upsertContact(t, s, c)
		if again := upsertContact(t, s, c); id == "" || again != id {
			t.Fatalf("a phone-only contact upserted twice gave ids %q and %q", id, again)
		}
		if n := s.Remote.Count("contact"); n != 1 {
			t.Fatalf("the CRM holds %d contacts, want 1", n)
		}
	})
	t.Run("lead, note, task and outcome once each", func(t *testing.T) {
		s := newSubject(t)
		ctx := t.Context()
		refs := writeAll(t, ctx, s, "c-2", "l-2", 2)
		again := writeAll(t, ctx, s, "c-2", "l-2", 2)
		if refs != again {
			t.Fatalf("writing one lead twice gave refs %+v and %+v", refs, again)
		}
		for _, kind := range []string{"contact", "lead", "note", "task"} {
			if n := s.Remote.Count(kind); n != 1 {
				t.Errorf("the CRM holds %d %ss after writing one lead twice, want 1", n, kind)
			}
		}
		if got, want := s.Remote.Stage(refs.lead), s.Stage(lead.StatusWon); got != want {
			t.Errorf("stage after won = %q, want %q", got, want)
		}
		// Reconciliation reads the lead back, and only it, however many ids it asks about: 250 is
		// more than any CRM takes in one request.
		ids := []string{"l-2"}
		for i := range 249 {
			ids = append(ids, fmt.Sprintf("l-missing-%d", i))
		}
		remote, err := s.Adapter.ReadLeads(ctx, ids)
		if err != nil {
			t.Fatal(err)
		}
		if want := (crmadapters.RemoteLead{Ref: refs.lead, Stage: s.Stage(lead.StatusWon)}); len(remote) != 1 || remote["l-2"] != want {
			t.Errorf("ReadLeads = %+v, want only l-2: %+v", remote, want)
		}
		// A second note of the same lead is a note of its own.
		n := SampleNote("l-2", refs.lead, refs.contact)
		n.Key = "l-2:note-2"
		if _, err := s.Adapter.AddNote(ctx, n); err != nil {
			t.Fatal(err)
		}
		if n := s.Remote.Count("note"); n != 2 {
			t.Errorf("the CRM holds %d notes after a second key, want 2", n)
		}
	})
	t.Run("canceled context", func(t *testing.T) {
		s := newSubject(t)
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		if _, err := s.Adapter.UpsertContact(ctx, SampleContact("c-3", 3)); err == nil {
			t.Fatal("a canceled call succeeded")
		}
	})
	t.Run("chaos: throttled, failing and dropping after commit, every lead once", func(t *testing.T) {
		s := newChaoticSubject(t)
		if s.Chaos == nil {
			t.Skip("this CRM runs in-process: no network to fail")
		}
		const leads = 12
		ctx := t.Context()
		for i := range leads {
			writeAll(t, ctx, s, fmt.Sprintf("c-%d", i), fmt.Sprintf("l-%d", i), i)
		}
		for _, kind := range []string{"contact", "lead", "note", "task"} {
			if n := s.Remote.Count(kind); n != leads {
				t.Errorf("the CRM holds %d %ss for %d leads", n, kind, leads)
			}
		}
		for _, f := range []Fault{Throttle, Unavailable, DropAfterCommit, FailAfterCommit} {
			if s.Chaos.Count(f) == 0 {
				t.Errorf("fault %d never happened: the test proved nothing about it", f)
			}
		}
	})
}

type refs struct{ contact, lead, note, task string }

// writeAll writes a lead the way the sync activity does, retrying what is retryable as Temporal
// would (without the waits).
func writeAll(t *testing.T, ctx context.Context, s Subject, contactID, leadID string, i int) refs {
	t.Helper()
	if s.Prepare != nil {
		s.Prepare(t, contactID, leadID)
	}
	var r refs
	r.contact = retry(t, func() (string, error) { return s.Adapter.UpsertContact(ctx, SampleContact(contactID, i)) })
	l := SampleLead(leadID, contactID, i)
	l.ContactRef = r.contact
	r.lead = retry(t, func() (string, error) { return s.Adapter.UpsertLead(ctx, l) })
	r.note = retry(t, func() (string, error) { return s.Adapter.AddNote(ctx, SampleNote(leadID, r.lead, r.contact)) })
	r.task = retry(t, func() (string, error) { return s.Adapter.CreateTask(ctx, SampleTask(leadID, r.lead, r.contact)) })
	retry(t, func() (string, error) {
		return "", s.Adapter.RecordOutcome(ctx, crmadapters.Outcome{LeadID: leadID, LeadRef: r.lead, Status: lead.StatusWon,
			Outcome: lead.OutcomeWon, Key: leadID + ":won", At: time.Date(2026, 11, 2, 10, 0, 0, 0, time.UTC)})
	})
	return r
}

func retry(t *testing.T, call func() (string, error)) string {
	t.Helper()
	var err error
	for range 20 {
		var id string
		if id, err = call(); err == nil {
			return id
		}
		if !crmadapters.Retryable(err) {
			t.Fatalf("a call failed for good: %v", err)
		}
	}
	t.Fatalf("a call still failed after 20 attempts: %v", err)
	return ""
}

func upsertContact(t *testing.T, s Subject, c crmadapters.Contact) string {
	t.Helper()
	id, err := s.Adapter.UpsertContact(t.Context(), c)
	if err != nil {
		var rej *crmadapters.RejectedError
		if errors.As(err, &rej) {
			t.Fatalf("the CRM rejected the contact: %v", err)
		}
		t.Fatal(err)
	}
	return id
}

var people = []struct{ name, phone, email, company, country, language string }{
	{"Sara Ahmadi", "+989121234567", "sara@parsian.example", "Parsian Logistics", "IR", "fa"},
	{"Олег Смирнов", "+79161234567", "oleg@volga.example", "Volga Trade", "RU", "ru"},
	{"محمد العلي", "+971501234567", "m.ali@gulf.example", "Gulf Foods", "AE", "ar"},
	{"王伟", "+8613812345678", "wang@hua.example", "Hua Tech", "CN", "zh"},
	{"Jane Doe", "+14155550123", "jane@acme.example", "Acme", "US", "en"},
}

func text(v string) lead.Field[string] { return lead.Set(v, 0.95, v, lead.SourceRules) }

// SampleContact is a contact the suite writes; i picks a person, in several scripts.
func SampleContact(contactID string, i int) crmadapters.Contact {
	p := people[i%len(people)]
	return crmadapters.Contact{ContactID: contactID, Fields: lead.Fields{
		FullName: text(p.name), Phone: text(p.phone), Email: text(p.email), Company: text(p.company),
		Country: text(p.country), Language: text(p.language),
	}}
}

// SampleLead is the lead the suite writes for a contact.
func SampleLead(leadID, contactID string, i int) crmadapters.Lead {
	c := SampleContact(contactID, i)
	f := c.Fields
	f.Intent = lead.Set(lead.IntentDemoRequest, 0.9, "demo", lead.SourceRules)
	f.Budget = lead.Set(lead.Money{Amount: 5000, Currency: "USD"}, 0.8, "5000 USD", lead.SourceRules)
	f.ProductInterest = lead.Set([]string{"crm-integration"}, 0.8, "crm", lead.SourceRules)
	f.Summary = text("Wants a demo for 20 seats")
	first := time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC)
	return crmadapters.Lead{
		Doc: lead.Lead{LeadID: leadID, ContactID: contactID, ConversationIDs: []string{"conv-" + leadID}, Fields: f,
			Status: lead.StatusAssigned, Score: 72, Tier: lead.Tier("hot"),
			Assignment: &lead.Assignment{RepID: "rep-1", TeamID: "team-1", Rule: "team_round_robin", AssignedAt: first.Add(time.Minute)},
			Timings:    lead.Timings{FirstMessageAt: &first}},
		OwnerEmail:    "rep1@seller.example",
		TranscriptURL: "https://leadflow.example/v1/leads/" + leadID,
	}
}

// SampleNote is the lead's conversation note.
func SampleNote(leadID, leadRef, contactRef string) crmadapters.Note {
	return crmadapters.Note{Key: leadID + ":summary", LeadID: leadID, LeadRef: leadRef, ContactRef: contactRef,
		Body: "Wants a demo for 20 seats.\nTranscript: https://leadflow.example/v1/leads/" + leadID, At: time.Date(2026, 11, 1, 9, 5, 0, 0, time.UTC)}
}

// SampleTask is the lead's first call task.
func SampleTask(leadID, leadRef, contactRef string) crmadapters.Task {
	return crmadapters.Task{Key: leadID + ":call-1", LeadID: leadID, LeadRef: leadRef, ContactRef: contactRef,
		Subject: "Call the new lead", Body: "First call", DueAt: time.Date(2026, 11, 1, 9, 20, 0, 0, time.UTC), OwnerEmail: "rep1@seller.example"}
}
