package main

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"github.com/lib/pq"

	"github.com/leadflow/leadflow/workflows"
)

// loadResult is what posting a batch of conversations measured.
type loadResult struct {
	conversations int
	workflowIDs   []string
	firstAck      durations // first message posted → gateway answered (the workflow holds it)
	ack           durations // every message
	closeAck      durations
	speedToLead   durations // close sent → lead written and assigned (the leads row, by Postgres' clock)
	elapsed       time.Duration
	duplicates    int // messages the gateway answered as duplicates (there should be none)
	webhooks      int64
	cpu           map[string]float64 // CPU seconds per component over the run
	peakMemoryMiB map[string]float64
	db            dbStats // over the whole pipeline, all rounds (runLoad leaves it to the caller)
}

// add folds the result of another round into r.
func (r *loadResult) add(o *loadResult) {
	r.conversations += o.conversations
	r.workflowIDs = append(r.workflowIDs, o.workflowIDs...)
	r.firstAck = append(r.firstAck, o.firstAck...)
	r.ack = append(r.ack, o.ack...)
	r.closeAck = append(r.closeAck, o.closeAck...)
	r.speedToLead = append(r.speedToLead, o.speedToLead...)
	r.elapsed += o.elapsed
	r.duplicates += o.duplicates
	r.webhooks += o.webhooks
	if r.cpu == nil {
		r.cpu, r.peakMemoryMiB = map[string]float64{}, map[string]float64{}
	}
	for k, v := range o.cpu {
		r.cpu[k] += v
	}
	for k, v := range o.peakMemoryMiB { // high-water marks: the highest of the rounds
		r.peakMemoryMiB[k] = max(r.peakMemoryMiB[k], v)
	}
}

// posted is one conversation's client-side timestamps.
type posted struct {
	conv     conversation
	closedAt time.Time
}

// runLight posts conversations one at a time and waits for each lead before the next, so each
// speed to lead is the system's own latency, without queueing behind other leads.
func (s *system) runLight(ctx context.Context, convs []conversation) (*loadResult, error) {
	res := &loadResult{conversations: len(convs)}
	for _, c := range convs {
		p, err := s.post(ctx, c, res)
		if err != nil {
			return nil, err
		}
		written, err := s.waitForLeads(ctx, []posted{p}, 30*time.Second, 2*time.Millisecond)
		if err != nil {
			return nil, err
		}
		res.speedToLead = append(res.speedToLead, written[c.ID].Sub(p.closedAt))
		res.workflowIDs = append(res.workflowIDs, workflows.ConversationWorkflowID(c.ID))
	}
	return res, nil
}

// runLoad posts conversations from `concurrency` chatbots at once and waits until every lead is
// written and assigned; throughput is conversations over the time from the first post to the
// last lead written.
func (s *system) runLoad(ctx context.Context, convs []conversation, concurrency int, timeout time.Duration) (*loadResult, error) {
	res := &loadResult{conversations: len(convs)}
	meter := s.startMeter(s.components())
	hooksBefore := s.webhooks.received.Load()

	work := make(chan conversation)
	var (
		mu      sync.Mutex
		all     []posted
		firstEr error
	)
	begin := time.Now()
	var wg sync.WaitGroup
	for range concurrency {
		wg.Add(1)
		go func() {
			defer wg.Done()
			mine := &loadResult{}
			var done []posted
			for c := range work {
				p, err := s.post(ctx, c, mine)
				if err != nil {
					mu.Lock()
					firstEr = errors.Join(firstEr, err)
					mu.Unlock()
					continue
				}
				done = append(done, p)
			}
			mu.Lock()
			defer mu.Unlock()
			all = append(all, done...)
			res.firstAck = append(res.firstAck, mine.firstAck...)
			res.ack = append(res.ack, mine.ack...)
			res.closeAck = append(res.closeAck, mine.closeAck...)
			res.duplicates += mine.duplicates
		}()
	}
feed:
	for _, c := range convs {
		select {
		case work <- c:
		case <-ctx.Done():
			break feed
		}
	}
	close(work)
	wg.Wait()
	if firstEr != nil {
		return nil, firstEr
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}

	written, err := s.waitForLeads(ctx, all, timeout, 100*time.Millisecond)
	if err != nil {
		return nil, err
	}
	last := begin
	for _, p := range all {
		at := written[p.conv.ID]
		res.speedToLead = append(res.speedToLead, at.Sub(p.closedAt))
		if at.After(last) {
			last = at
		}
		res.workflowIDs = append(res.workflowIDs, workflows.ConversationWorkflowID(p.conv.ID))
	}
	res.elapsed = last.Sub(begin)
	// The last notifications follow the last lead by a moment; they are part of the work measured.
	waitUntil(ctx, 10*time.Second, func() bool { return s.webhooks.received.Load()-hooksBefore >= int64(len(all)) })
	res.webhooks = s.webhooks.received.Load() - hooksBefore
	res.cpu, res.peakMemoryMiB = meter.stop()
	return res, nil
}

// post sends a conversation's messages, one after another as a chat happens, then closes it.
func (s *system) post(ctx context.Context, c conversation, res *loadResult) (posted, error) {
	for i, m := range c.Messages {
		body := map[string]any{"message_id": fmt.Sprintf("%s-m%d", c.ID, i), "channel": c.Channel, "role": m.Role, "text": m.Text}
		if i == 0 {
			body["sender"] = c.Sender
			body["context"] = map[string]any{"locale": c.Locale, "country": c.Country, "events": c.Events,
				"page_url": "https://chatlio.example/pricing"}
		}
		begin := time.Now()
		status, err := s.do(ctx, http.MethodPost, "/v1/conversations/"+c.ID+"/messages", s.key, body, http.StatusAccepted, nil)
		took := time.Since(begin)
		if status == http.StatusOK {
			res.duplicates++
		} else if err != nil {
			return posted{}, err
		}
		res.ack = append(res.ack, took)
		if i == 0 {
			res.firstAck = append(res.firstAck, took)
		}
	}
	closedAt := time.Now()
	if err := s.call(ctx, http.MethodPost, "/v1/conversations/"+c.ID+"/close", s.key, map[string]any{"reason": "chat ended"}, http.StatusAccepted, nil); err != nil {
		return posted{}, err
	}
	res.closeAck = append(res.closeAck, time.Since(closedAt))
	return posted{conv: c, closedAt: closedAt}, nil
}

// waitForLeads polls Postgres until every conversation has its lead written with a rep, and returns
// when each was written (the row's created_at: the transaction that wrote it).
func (s *system) waitForLeads(ctx context.Context, ps []posted, timeout, every time.Duration) (map[string]time.Time, error) {
	pending := make([]string, 0, len(ps))
	for _, p := range ps {
		pending = append(pending, p.conv.ID)
	}
	written := make(map[string]time.Time, len(ps))
	deadline := time.Now().Add(timeout)
	for len(pending) > 0 {
		rows, err := s.db.QueryContext(ctx, `/* leadflow-bench */ SELECT conversation_id, created_at FROM leads
			WHERE conversation_id = ANY($1) AND rep_id IS NOT NULL`, pq.Array(pending))
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id string
			var at time.Time
			if err := rows.Scan(&id, &at); err != nil {
				rows.Close()
				return nil, err
			}
			written[id] = at
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
		left := pending[:0]
		for _, id := range pending {
			if _, ok := written[id]; !ok {
				left = append(left, id)
			}
		}
		pending = left
		if len(pending) == 0 {
			break
		}
		if time.Now().After(deadline) {
			return nil, fmt.Errorf("%d of %d leads not written and assigned within %v (first: %s; logs: %s)",
				len(pending), len(ps), timeout, pending[0], s.dataDir)
		}
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case <-time.After(every):
		}
	}
	return written, nil
}

func waitUntil(ctx context.Context, timeout time.Duration, cond func() bool) {
	deadline := time.Now().Add(timeout)
	for !cond() && time.Now().Before(deadline) && ctx.Err() == nil {
		time.Sleep(50 * time.Millisecond)
	}
}
