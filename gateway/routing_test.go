package main

import (
	"fmt"
	"math"
	"net/http"
	"sync"
	"testing"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/routing"
	"github.com/leadflow/leadflow/workflows"
)

// sendLead posts a one-message conversation from a country, closes it and returns its id.
func sendLead(t *testing.T, s *system, convID, country, text string, events []string) {
	t.Helper()
	body := map[string]any{
		"message_id": "m-1", "channel": "web", "role": "customer", "text": text,
		"sent_at": time.Now().UTC().Format(time.RFC3339), "sender": map[string]any{"external_id": "cookie-" + convID},
		"context": map[string]any{"locale": "en-GB", "country": country, "events": events},
	}
	if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/messages", adminKey, body, nil); code != http.StatusAccepted {
		t.Fatalf("%s: message answered %d", convID, code)
	}
	if code := s.call(t, http.MethodPost, "/v1/conversations/"+convID+"/close", adminKey, map[string]any{"reason": "user_left"}, nil); code != http.StatusAccepted {
		t.Fatalf("%s: close answered %d", convID, code)
	}
}

// warmText is a price question with a company address: a warm lead for the built-in policy.
func warmText(n int, run string) string {
	return fmt.Sprintf("Hello, what does the Team plan cost for our office? Please send the prices to buyer%d.%s@fjordtech.example", n, run)
}

// waitLead polls until the conversation's lead exists (assigned or waiting in a queue) or the
// conversation ended without one.
func waitLead(t *testing.T, s *system, convID string) conversationView {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for {
		var v conversationView
		code := s.call(t, http.MethodGet, "/v1/conversations/"+convID, adminKey, nil, &v)
		if code == http.StatusOK && (v.Lead != nil || v.Status == lead.StatusNoLead || v.Status == lead.StatusNeedsContact) {
			return v
		}
		if time.Now().After(deadline) {
			t.Fatalf("conversation %s has no lead: %d %+v", convID, code, v)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

type repSeen struct {
	RepID       string     `json:"rep_id"`
	OpenLeads   int        `json:"open_leads"`
	OutOfOffice *time.Time `json:"out_of_office_until"`
	Weight      int        `json:"weight"`
}

func repsByID(t *testing.T, s *system) map[string]repSeen {
	t.Helper()
	var list struct{ Reps []repSeen }
	if code := s.call(t, http.MethodGet, "/v1/reps", adminKey, nil, &list); code != http.StatusOK {
		t.Fatalf("GET /v1/reps: %d", code)
	}
	out := map[string]repSeen{}
	for _, r := range list.Reps {
		out[r.RepID] = r
	}
	return out
}

// TestRoutingThroughTheAPI configures a desk as a customer would and checks what a sales manager
// relies on: leads reach the team of their country, the weighted rotation holds, hot leads reach
// the on-call rep, a rep out of office gets nothing and no burst on return, a burst never takes a
// rep over capacity, spam reaches nobody, and the preview tells where a lead would go without
// assigning it.
func TestRoutingThroughTheAPI(t *testing.T) {
	s := stack(t)
	run := uniqueID("rt")
	put := func(path string, body map[string]any) {
		t.Helper()
		if code := s.call(t, http.MethodPut, path, adminKey, body, nil); code != http.StatusOK {
			t.Fatalf("PUT %s: %d", path, code)
		}
	}
	is, no := run+"-is", run+"-no"
	put("/v1/teams/"+is, map[string]any{"name": "Iceland desk", "countries": []string{"IS"}, "priority": 5, "manager_rep_id": is + "-1"})
	put("/v1/teams/"+no, map[string]any{"name": "Norway desk", "countries": []string{"NO"}, "overflow": map[string]any{"to": "queue"}})
	weights := map[string]int{is + "-1": 1, is + "-2": 2, is + "-3": 3}
	for id, w := range weights {
		put("/v1/reps/"+id, map[string]any{"name": id, "team_id": is, "weight": w, "max_open_leads": 500, "timezone": "Atlantic/Reykjavik",
			"on_call": id == is+"-1"})
	}
	for _, id := range []string{no + "-1", no + "-2"} {
		put("/v1/reps/"+id, map[string]any{"name": id, "team_id": no, "max_open_leads": 2})
	}

	// Sixty warm leads from Iceland, eight at a time: all reach the Iceland desk, spread by weight.
	const n = 60
	views := make([]conversationView, n)
	var wg sync.WaitGroup
	sem := make(chan struct{}, 8)
	for i := range n {
		wg.Go(func() {
			sem <- struct{}{}
			defer func() { <-sem }()
			id := fmt.Sprintf("%s-w%d", run, i)
			sendLead(t, s, id, "IS", warmText(i, run), nil)
			views[i] = waitSettled(t, s, id)
		})
	}
	wg.Wait()
	counts := map[string]int{}
	for i, v := range views {
		if v.Lead == nil || v.Lead.Assignment == nil {
			t.Fatalf("lead %d not assigned: %s", i, v.Status)
		}
		a := v.Lead.Assignment
		if a.TeamID != is || a.Rule != routing.RuleTeamRoundRobin || a.Rotation == nil || a.PolicyVersion == "" || v.Lead.Tier != lead.TierWarm {
			t.Fatalf("lead %d: %+v tier %s", i, a, v.Lead.Tier)
		}
		counts[a.RepID]++
	}
	for id, w := range weights {
		if share := float64(n) * float64(w) / 6; math.Abs(float64(counts[id])-share) > 1 {
			t.Errorf("%s (weight %d) got %d of %d leads, share %.0f", id, w, counts[id], n, share)
		}
	}

	// An admin takes a lead from its rep: it moves to another rep of the desk, who is told, and
	// the rep's open leads go down by one.
	moved := views[0].Lead
	before := repsByID(t, s)
	var taken lead.Lead
	code, raw := s.do(t, http.MethodPost, "/v1/leads/"+moved.LeadID+"/reassign", adminKey, map[string]any{"reason": "on a training day"}, "")
	decode(t, raw, &taken)
	if code != http.StatusOK ||
		taken.Assignment == nil || taken.Assignment.RepID == moved.Assignment.RepID || taken.Assignment.ReassignedFrom != moved.Assignment.RepID ||
		taken.Assignment.TeamID != is {
		t.Fatalf("reassign: %d %s", code, raw)
	}
	now := repsByID(t, s)
	if now[moved.Assignment.RepID].OpenLeads != before[moved.Assignment.RepID].OpenLeads-1 ||
		now[taken.Assignment.RepID].OpenLeads != before[taken.Assignment.RepID].OpenLeads+1 {
		t.Fatalf("open leads after the reassignment: before %+v, after %+v", before, now)
	}
	var state struct {
		Lead *lead.Lead `json:"lead"`
	}
	s.call(t, http.MethodGet, "/v1/conversations/"+moved.ConversationIDs[0], adminKey, nil, &state)
	if state.Lead == nil || state.Lead.Assignment == nil || state.Lead.Assignment.RepID != taken.Assignment.RepID {
		t.Fatalf("the conversation does not show the new rep: %+v", state.Lead)
	}
	writeHistory(t, s, workflows.ConversationWorkflowID(moved.ConversationIDs[0]), "assigned_reassigned.json")
	if code := s.call(t, http.MethodPost, "/v1/leads/ld_nosuchlead/reassign", adminKey, nil, nil); code != http.StatusNotFound {
		t.Fatalf("reassign an unknown lead: %d", code)
	}

	// A hot lead goes to the on-call rep, outside the rotation.
	hot := run + "-hot"
	sendLead(t, s, hot, "IS", "We need a demo urgently, this week please. Call me on +354 611 1234 or write to ceo."+run+"@fjordtech.example",
		[]string{"clicked_demo_cta"})
	v := waitSettled(t, s, hot)
	if v.Lead == nil || v.Lead.Tier != lead.TierHot || v.Lead.Assignment == nil || v.Lead.Assignment.Rule != routing.RuleHotOnCall ||
		v.Lead.Assignment.RepID != is+"-1" {
		t.Fatalf("hot lead: %+v", v.Lead)
	}

	// The preview shows where a warm lead would go now, and assigns nothing.
	before = repsByID(t, s)
	var preview previewResponse
	if code := s.call(t, http.MethodGet, "/v1/routing/preview", adminKey, map[string]any{
		"fields": map[string]any{"intent": "price_inquiry", "email": "x@fjordtech.example", "language": "en"}, "country": "IS",
	}, &preview); code != http.StatusOK || preview.Assignment == nil || preview.Assignment.TeamID != is || preview.Tier != lead.TierWarm ||
		len(preview.Teams) == 0 || preview.Teams[0] != is {
		t.Fatalf("preview: %d %+v", code, preview)
	}
	var spamPreview previewResponse
	s.call(t, http.MethodPost, "/v1/routing/preview", adminKey, map[string]any{"fields": map[string]any{"intent": "spam"}, "country": "IS"}, &spamPreview)
	if spamPreview.Assignment != nil || spamPreview.NotAssigned != routing.NotAssignedSpam {
		t.Fatalf("spam preview: %+v", spamPreview)
	}
	after := repsByID(t, s)
	for id := range weights {
		if before[id].OpenLeads != after[id].OpenLeads {
			t.Fatalf("the preview assigned a lead to %s", id)
		}
	}

	// Out of office: the heaviest rep gets nothing while away...
	away := is + "-3"
	var rep repSeen
	if code := s.call(t, http.MethodPut, "/v1/reps/"+away+"/availability", adminKey,
		map[string]any{"out_of_office_until": time.Now().Add(time.Hour).UTC().Format(time.RFC3339)}, &rep); code != http.StatusOK || rep.OutOfOffice == nil {
		t.Fatalf("availability: %d %+v", code, rep)
	}
	for i := range 6 {
		id := fmt.Sprintf("%s-away%d", run, i)
		sendLead(t, s, id, "IS", warmText(100+i, run), nil)
		v := waitSettled(t, s, id)
		if v.Lead == nil || v.Lead.Assignment == nil || v.Lead.Assignment.RepID == away {
			t.Fatalf("lead %d while %s is away: %+v", i, away, v.Lead)
		}
		if !containsSkip(v.Lead.Assignment.Skipped, away, routing.SkipOutOfOffice) {
			t.Errorf("lead %d does not say why %s was skipped: %+v", i, away, v.Lead.Assignment.Skipped)
		}
	}
	// ...and on return takes their share from then on, not the six they missed.
	if code := s.call(t, http.MethodPut, "/v1/reps/"+away+"/availability", adminKey, map[string]any{"out_of_office_until": nil}, &rep); code != http.StatusOK || rep.OutOfOffice != nil {
		t.Fatalf("back: %d %+v", code, rep)
	}
	got := 0
	for i := 1; i <= 6; i++ {
		id := fmt.Sprintf("%s-back%d", run, i)
		sendLead(t, s, id, "IS", warmText(200+i, run), nil)
		if v := waitSettled(t, s, id); v.Lead != nil && v.Lead.Assignment != nil && v.Lead.Assignment.RepID == away {
			got++
		}
		if limit := int(math.Ceil(float64(i)*3/6)) + 1; got > limit {
			t.Fatalf("after %d leads the returning rep has %d: a catch-up burst", i, got)
		}
	}
	if got < 2 {
		t.Errorf("the returning rep got %d of 6 leads, want about 3", got)
	}

	// Spam from Iceland reaches nobody.
	spam := run + "-spam"
	sendLead(t, s, spam, "IS", "GET 5000+ HIGH DA BACKLINKS FOR ONLY $49!!! Rank #1 on Google in 7 days guaranteed >>> http://top-rank-links.example/order <<< casino guest posts, bulk discount 70% OFF!!! Visit http://seo-mega-deals.example now", nil)
	if v := waitSettled(t, s, spam); v.Status != lead.StatusNoLead || v.Lead != nil {
		t.Fatalf("spam: %s %+v", v.Status, v.Lead)
	}

	// Eight leads at once for a desk with room for four: four are assigned, nobody is over
	// capacity, and the rest wait in the desk's queue.
	burst := make([]conversationView, 8)
	for i := range burst {
		wg.Go(func() {
			id := fmt.Sprintf("%s-burst%d", run, i)
			sendLead(t, s, id, "NO", warmText(300+i, run), nil)
			burst[i] = waitLead(t, s, id)
		})
	}
	wg.Wait()
	assigned := 0
	for i, v := range burst {
		switch {
		case v.Lead == nil:
			t.Fatalf("burst lead %d: %s", i, v.Status)
		case v.Lead.Assignment != nil:
			assigned++
			if v.Lead.Assignment.TeamID != no {
				t.Errorf("burst lead %d went to %s", i, v.Lead.Assignment.TeamID)
			}
		case v.Status != lead.StatusProcessing:
			t.Errorf("burst lead %d: unassigned but %s", i, v.Status)
		}
	}
	reps := repsByID(t, s)
	if assigned != 4 || reps[no+"-1"].OpenLeads != 2 || reps[no+"-2"].OpenLeads != 2 {
		t.Fatalf("burst: %d assigned, open leads %d and %d; want 4, 2 and 2", assigned, reps[no+"-1"].OpenLeads, reps[no+"-2"].OpenLeads)
	}
}

func containsSkip(skipped []lead.SkippedRep, repID, reason string) bool {
	for _, s := range skipped {
		if s.RepID == repID && s.Reason == reason {
			return true
		}
	}
	return false
}
