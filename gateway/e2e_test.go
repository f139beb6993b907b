package main

import (
	"bufio"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
)

// devsetLine is one labelled conversation of ../shared/devset.
type devsetLine struct {
	ID       string         `json:"id"`
	Person   string         `json:"person"`
	Channel  string         `json:"channel"`
	Sender   map[string]any `json:"sender"`
	Context  map[string]any `json:"context"`
	Messages []struct {
		Role string `json:"role"`
		Text string `json:"text"`
	} `json:"messages"`
	Gold struct {
		Phone  *string `json:"phone"`
		Email  *string `json:"email"`
		Intent string  `json:"intent"`
		Team   string  `json:"team"`
	} `json:"gold"`
}

func loadDevset(t *testing.T) []devsetLine {
	t.Helper()
	f, err := os.Open("../../shared/devset/conversations.jsonl")
	if err != nil {
		t.Skipf("devset not available: %v", err)
	}
	defer f.Close()
	var lines []devsetLine
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<20)
	for sc.Scan() {
		var l devsetLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatal(err)
		}
		lines = append(lines, l)
	}
	return lines
}

type teamsFile struct {
	Teams []map[string]any `json:"teams"`
	Reps  []map[string]any `json:"reps"`
}

// seedTeams puts the devset's sales org in place through the API, as an admin would.
func seedTeams(t *testing.T, s *system) {
	t.Helper()
	raw, err := os.ReadFile("../../shared/devset/teams.json")
	if err != nil {
		t.Skipf("devset teams not available: %v", err)
	}
	var org teamsFile
	if err := json.Unmarshal(raw, &org); err != nil {
		t.Fatal(err)
	}
	for _, team := range org.Teams {
		if code := s.call(t, http.MethodPut, "/v1/teams/"+team["team_id"].(string), adminKey, team, nil); code != http.StatusOK {
			t.Fatalf("PUT team: %d", code)
		}
	}
	for _, rep := range org.Reps {
		rep["max_open_leads"] = 1000 // the devset is larger than one rep's day
		if code := s.call(t, http.MethodPut, "/v1/reps/"+rep["rep_id"].(string), adminKey, rep, nil); code != http.StatusOK {
			t.Fatalf("PUT rep: %d", code)
		}
	}
}

type conversationView struct {
	Status        lead.Status `json:"status"`
	MissingFields []string    `json:"missing_fields"`
	Lead          *lead.Lead  `json:"lead"`
}

// waitSettled polls the conversation until processing is over: a chatbot would do the same.
func waitSettled(t *testing.T, s *system, convID string) conversationView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var v conversationView
		code := s.call(t, http.MethodGet, "/v1/conversations/"+convID, adminKey, nil, &v)
		if code == http.StatusOK && v.Status != lead.StatusCollecting && v.Status != lead.StatusProcessing {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation %s did not settle: %d %+v", convID, code, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// TestDevsetThroughTheAPI drives every devset conversation as a chatbot would, each message
// delivered twice, and checks what a sales manager would: every conversation ends in a lead or a
// documented status, duplicates change nothing, leads reach the team that speaks their language,
// spam reaches nobody, one person's conversations share a contact and different people's never do, and no 5xx appears.
func TestDevsetThroughTheAPI(t *testing.T) {
	s := stack(t)
	seedTeams(t, s)
	lines := loadDevset(t)
	run := uniqueID("dev")

	results := make([]conversationView, len(lines))
	var wg sync.WaitGroup
	sem := make(chan struct{}, 4)
	// Lines are in arrival order; the same person's later conversations must find the contact the
	// earlier ones made, so people are processed in order and different people in parallel.
	byPerson := map[string][]int{}
	var order []string
	for i, l := range lines {
		if _, ok := byPerson[l.Person]; !ok {
			order = append(order, l.Person)
		}
		byPerson[l.Person] = append(byPerson[l.Person], i)
	}
	for _, p := range order {
		wg.Add(1)
		go func(idx []int) {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			for _, i := range idx {
				results[i] = driveConversation(t, s, fmt.Sprintf("%s-%s", run, lines[i].ID), lines[i])
			}
		}(byPerson[p])
	}
	wg.Wait()

	withPhone, reviewed := 0, []string(nil)
	for i, l := range lines {
		v := results[i]
		switch {
		case l.Gold.Intent == "spam":
			if v.Status != lead.StatusNoLead || v.Lead != nil {
				t.Errorf("%s: spam must end as no_lead with no lead, got %s", l.ID, v.Status)
			}
		case l.Gold.Phone == nil && l.Gold.Email == nil:
			if v.Status != lead.StatusNeedsContact || len(v.MissingFields) != 1 || v.MissingFields[0] != lead.MissingPhoneOrEmail {
				t.Errorf("%s: no contact data: want needs_contact [phone_or_email], got %s %v", l.ID, v.Status, v.MissingFields)
			}
		default:
			if v.Status != lead.StatusAssigned || v.Lead == nil || v.Lead.Assignment == nil {
				t.Errorf("%s: want an assigned lead, got %s", l.ID, v.Status)
				continue
			}
			if got := v.Lead.Assignment.TeamID; got != l.Gold.Team {
				t.Errorf("%s: routed to team %s, want %s", l.ID, got, l.Gold.Team)
			}
			if l.Gold.Phone != nil && (v.Lead.Fields.Phone.Value == nil || *v.Lead.Fields.Phone.Value != *l.Gold.Phone) {
				t.Errorf("%s: phone %v, want %s", l.ID, v.Lead.Fields.Phone.Value, *l.Gold.Phone)
			}
			// The lead follows its sequence; its first call is a call, unless the phone was read too
			// unsurely to dial (a cold lead's nurture has no call at all).
			var calls []lead.FollowupKind
			for _, f := range v.Lead.Followups {
				if f.Kind == lead.FollowupCallTask || f.Kind == lead.FollowupReviewContact {
					calls = append(calls, f.Kind)
				}
			}
			if len(v.Lead.Followups) == 0 || v.Lead.Followups[0].Sequence == "" || v.Lead.SLA.FirstTouchDueAt == nil ||
				(len(calls) > 0 && calls[0] != v.Lead.Fields.FirstTask()) || (len(calls) == 0 && v.Lead.Tier != lead.TierCold) {
				t.Errorf("%s: want a sequence whose first call is a %s and a first-touch deadline, got %+v %+v", l.ID, v.Lead.Fields.FirstTask(), v.Lead.Followups, v.Lead.SLA)
			}
			if v.Lead.Fields.Phone.Known() {
				withPhone++
				if v.Lead.Fields.FirstTask() == lead.FollowupReviewContact {
					reviewed = append(reviewed, l.ID)
				}
			}
		}
	}

	// Every devset phone is right: a calibrated extractor sends few of them to review.
	if len(reviewed)*20 > withPhone {
		t.Errorf("%d of %d phones sent to review instead of a call (%v): over 5%%", len(reviewed), withPhone, reviewed)
	}

	// Identity resolution: two leads are one contact exactly when the devset says they are one
	// person; people who share an office line or a name stay apart.
	for i := range lines {
		for j := i + 1; j < len(lines); j++ {
			a, b := results[i].Lead, results[j].Lead
			if a == nil || b == nil {
				continue
			}
			if same, want := a.ContactID == b.ContactID, lines[i].Person == lines[j].Person; same != want {
				t.Errorf("%s and %s: same contact %v, want %v (match %+v)", lines[i].ID, lines[j].ID, same, want, b.Match)
			}
		}
	}
}

// driveConversation posts a devset conversation message by message (each twice), closes it and
// waits for the outcome.
func driveConversation(t *testing.T, s *system, convID string, l devsetLine) conversationView {
	for i, m := range l.Messages {
		body := map[string]any{
			"message_id": fmt.Sprintf("m-%d", i), "channel": l.Channel, "role": m.Role, "text": m.Text,
			"sent_at": time.Now().UTC().Format(time.RFC3339), "sender": l.Sender, "context": l.Context,
		}
		var first, again messageResponse
		if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, body, &first); code != http.StatusAccepted || first.Status != "accepted" {
			t.Errorf("%s message %d: %d %+v", l.ID, i, code, first)
		}
		if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, body, &again); code != http.StatusOK || again.Status != "duplicate" {
			t.Errorf("%s message %d again: want 200 duplicate, got %d %+v", l.ID, i, code, again)
		}
		if first.WorkflowID != "conversation-"+convID {
			t.Errorf("workflow id %q", first.WorkflowID)
		}
	}
	if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/close", adminKey, map[string]any{"reason": "user_left"}, nil); code != http.StatusAccepted {
		t.Errorf("%s close: %d", l.ID, code)
	}
	return waitSettled(t, s, convID)
}
