package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/leadflow/leadflow/internal/lead"
)

// LeadRecord is everything the workflow knows about a lead when it writes it to the built-in CRM.
type LeadRecord struct {
	LeadID         string
	ConversationID string
	WorkflowID     string
	ContactID      string
	Status         lead.Status
	Channel        lead.Channel
	Fields         lead.Fields
	Score          int
	Tier           lead.Tier
	ScoreBreakdown []lead.ScoreSignal
	PolicyVersion  string            // the scoring policy that made Score; a change of it is a new entry in the score history
	Country        string            // the country the lead is routed by (ISO 3166-1 alpha-2; may be empty)
	ScoreContext   lead.ScoreContext // what the score weighed beside the fields, for the policy replay
	Assignment     *lead.Assignment  // nil while no rep could take the lead
	FirstTouchDue  *time.Time        // when the first call task falls due; set with Assignment
	// Followups and SLA are the workflow's own schedule (runs that keep follow-up promises): the
	// steps are written as given, the SLA replaces the stored one, and no first call task is made
	// up from FirstTouchDue.
	Followups []lead.Followup
	SLA       *lead.SLA
	Timings   lead.Timings
	Messages  []lead.Message // transcript messages not written yet (repeats are ignored)
	// Extractor and LLMTokens say how the fields were read ("rules" or "llm+rules") and what the
	// model cost so far; they go to the audit log with every write.
	Extractor string
	LLMTokens int
}

// FirstCallTaskID is the id of a lead's first call task: one per lead, whatever the retries.
func FirstCallTaskID(leadID string) string { return leadID + ":call-1" }

// SaveLead writes the lead, its contact's details, its transcript and its first call task, all in
// one transaction and all idempotent. A status a rep already moved on (contacted, won…) is never
// moved back by a re-processing of the conversation. It returns the status now stored.
func (s *Store) SaveLead(ctx context.Context, r LeadRecord) (lead.Status, error) {
	var status lead.Status
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		f := r.Fields
		contactID, err := liveContact(ctx, tx, r.ContactID)
		if err != nil {
			return err
		}
		r.ContactID = contactID
		if err := recordContactFields(ctx, tx, contactID, r.LeadID, f); err != nil {
			return err
		}
		var teamID, repID *string
		sla := lead.SLA{Escalations: []lead.Escalation{}}
		if a := r.Assignment; a != nil {
			teamID, repID = &a.TeamID, &a.RepID
			sla.FirstTouchDueAt = r.FirstTouchDue
		}
		if r.SLA != nil {
			sla = *r.SLA
			sla.Escalations = nonNilSlice(sla.Escalations)
		}
		// The score history gets an entry when the score, the tier or the policy changed; it rides
		// on the lead's statement, so it costs no round trip.
		if err := tx.GetContext(ctx, &status, `
			WITH last AS (SELECT seq, score, tier, policy_version FROM lead_scores WHERE lead_id = $1 ORDER BY seq DESC LIMIT 1),
			history AS (
			    INSERT INTO lead_scores (lead_id, seq, score, tier, policy_version, score_breakdown)
			    SELECT $1, COALESCE((SELECT seq FROM last), 0) + 1, $7, $8, $17, $14
			    WHERE NOT EXISTS (SELECT 1 FROM last WHERE score = $7 AND tier = $8 AND policy_version = $17))
			INSERT INTO leads (lead_id, conversation_id, workflow_id, contact_id, status, channel, score, tier, intent, language,
			                   team_id, rep_id, fields, score_breakdown, sla, timings, policy_version, country, score_context)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, NULLIF($18, ''), $19)
			ON CONFLICT (lead_id) DO UPDATE SET
			    status = CASE WHEN leads.status IN ('contacted', 'qualified', 'unqualified', 'won', 'lost') THEN leads.status ELSE EXCLUDED.status END,
			    score = EXCLUDED.score, tier = EXCLUDED.tier, intent = EXCLUDED.intent, language = EXCLUDED.language,
			    team_id = EXCLUDED.team_id, rep_id = EXCLUDED.rep_id, fields = EXCLUDED.fields,
			    score_breakdown = EXCLUDED.score_breakdown, policy_version = EXCLUDED.policy_version, country = EXCLUDED.country,
			    score_context = EXCLUDED.score_context,
			    sla = CASE WHEN $20 OR leads.sla->>'first_touch_due_at' IS NULL THEN EXCLUDED.sla ELSE leads.sla END,
			    timings = EXCLUDED.timings || jsonb_build_object(
			        'crm_written_at', COALESCE(NULLIF(leads.timings->'crm_written_at', 'null'), EXCLUDED.timings->'crm_written_at'),
			        'first_touch_at', COALESCE(NULLIF(leads.timings->'first_touch_at', 'null'), EXCLUDED.timings->'first_touch_at')),
			    updated_at = now()
			RETURNING status`,
			r.LeadID, r.ConversationID, r.WorkflowID, r.ContactID, r.Status, r.Channel, r.Score, r.Tier,
			f.Intent.Value, f.Language.Value, teamID, repID, jsonCol[lead.Fields]{f},
			jsonCol[[]lead.ScoreSignal]{nonNilSlice(r.ScoreBreakdown)}, jsonCol[lead.SLA]{sla}, jsonCol[lead.Timings]{r.Timings}, r.PolicyVersion, r.Country, jsonCol[lead.ScoreContext]{r.ScoreContext}, r.SLA != nil); err != nil {
			return mapErr(err)
		}
		if len(r.Messages) > 0 {
			// One statement for the whole batch: a round trip per message was a tenth of the
			// pipeline's statements (docs/performance.md).
			n := len(r.Messages)
			ids, roles, channels, texts, sent := make([]string, n), make([]string, n), make([]string, n), make([]string, n), make([]sql.NullString, n)
			for i, m := range r.Messages {
				ids[i], roles[i], channels[i], texts[i] = m.MessageID, string(m.Role), string(m.Channel), m.Text
				if !m.SentAt.IsZero() {
					sent[i] = sql.NullString{String: m.SentAt.Format(time.RFC3339Nano), Valid: true}
				}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO transcript_messages (conversation_id, message_id, role, channel, text, sent_at)
				SELECT $1, * FROM unnest($2::text[], $3::text[], $4::text[], $5::text[], $6::timestamptz[])
				ON CONFLICT DO NOTHING`,
				r.ConversationID, pq.Array(ids), pq.Array(roles), pq.Array(channels), pq.Array(texts), pq.Array(sent)); err != nil {
				return mapErr(err)
			}
		}
		owner := ""
		if repID != nil {
			owner = *repID
		}
		if err := saveFollowups(ctx, tx, r.LeadID, owner, r.Followups); err != nil {
			return err
		}
		if r.Assignment != nil && r.FirstTouchDue != nil && r.SLA == nil {
			if _, err := tx.ExecContext(ctx, `INSERT INTO tasks (task_id, lead_id, rep_id, kind, due_at, status)
				VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (task_id) DO NOTHING`,
				FirstCallTaskID(r.LeadID), r.LeadID, r.Assignment.RepID, f.FirstTask(), *r.FirstTouchDue, lead.FollowupPending); err != nil {
				return mapErr(err)
			}
		}
		return s.audit(ctx, tx, "workflow", "lead.written", "lead", r.LeadID,
			map[string]any{"status": status, "tier": r.Tier, "score": r.Score, "rep_id": repID,
				"extractor": r.Extractor, "llm_tokens": r.LLMTokens})
	})
	if err != nil {
		return "", fmt.Errorf("save lead: %w", err)
	}
	return status, nil
}

// Transcript returns the stored messages of a conversation, oldest first.
func (s *Store) Transcript(ctx context.Context, conversationID string) ([]lead.Message, error) {
	var rows []struct {
		MessageID string       `db:"message_id"`
		Role      string       `db:"role"`
		Channel   string       `db:"channel"`
		Text      string       `db:"text"`
		SentAt    sql.NullTime `db:"sent_at"`
	}
	if err := s.db.SelectContext(ctx, &rows, `SELECT message_id, role, channel, text, sent_at FROM transcript_messages
		WHERE conversation_id = $1 ORDER BY sent_at NULLS FIRST, message_id`, conversationID); err != nil {
		return nil, fmt.Errorf("transcript: %w", mapErr(err))
	}
	msgs := make([]lead.Message, 0, len(rows))
	for _, r := range rows {
		msgs = append(msgs, lead.Message{MessageID: r.MessageID, Role: lead.Role(r.Role), Channel: lead.Channel(r.Channel), Text: r.Text, SentAt: r.SentAt.Time})
	}
	return msgs, nil
}

// OutcomeRecord is a rep's outcome with the status it moved the lead to.
type OutcomeRecord struct {
	LeadID         string
	IdempotencyKey string
	Note           lead.OutcomeNote
	NewStatus      lead.Status
}

// RecordOutcome stores a rep's outcome once per idempotency key: the lead's status, its first touch,
// its call task, and, when the lead closes, the rep's capacity back.
func (s *Store) RecordOutcome(ctx context.Context, r OutcomeRecord) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		n := r.Note
		res, err := tx.ExecContext(ctx, `INSERT INTO outcomes (lead_id, idempotency_key, outcome, rep_id, note, amount, reason, snooze_until, at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT DO NOTHING`,
			r.LeadID, r.IdempotencyKey, n.Outcome, n.RepID, n.Note, n.Amount, n.Reason, n.SnoozeUntil, n.At)
		if err != nil {
			return mapErr(err)
		}
		if affected, _ := res.RowsAffected(); affected == 0 {
			return nil // already recorded
		}
		touch := n.Outcome != lead.OutcomeSnooze
		if _, err := tx.ExecContext(ctx, `
			UPDATE leads SET status = $2, updated_at = now(),
			    timings = CASE WHEN $3 AND NULLIF(timings->'first_touch_at', 'null') IS NULL
			                   THEN timings || jsonb_build_object('first_touch_at', $4::timestamptz) ELSE timings END
			WHERE lead_id = $1`, r.LeadID, r.NewStatus, touch, n.At); err != nil {
			return mapErr(err)
		}
		if touch {
			// The rep's calls are done; the other steps of a sequence are the workflow's to settle.
			if _, err := tx.ExecContext(ctx, `UPDATE tasks SET status = $2, updated_at = now() WHERE lead_id = $1 AND status = $3
				AND kind = ANY ($4)`, r.LeadID, lead.FollowupDone, lead.FollowupPending,
				pq.StringArray{string(lead.FollowupCallTask), string(lead.FollowupReviewContact)}); err != nil {
				return mapErr(err)
			}
		}
		switch {
		case r.NewStatus.Closed():
			if _, err := tx.ExecContext(ctx, `UPDATE lead_assignments SET released_at = now() WHERE lead_id = $1 AND released_at IS NULL`, r.LeadID); err != nil {
				return mapErr(err)
			}
		case n.Outcome == lead.OutcomeReopen: // the rep holds the lead again, and it counts against their capacity
			if _, err := tx.ExecContext(ctx, `UPDATE lead_assignments SET released_at = NULL WHERE lead_id = $1`, r.LeadID); err != nil {
				return mapErr(err)
			}
		}
		return s.audit(ctx, tx, "rep:"+n.RepID, "lead.outcome", "lead", r.LeadID,
			map[string]any{"outcome": n.Outcome, "status": r.NewStatus})
	})
	if err != nil {
		return fmt.Errorf("record outcome: %w", err)
	}
	return nil
}

// MarkFirstTouchMissed records that nobody touched the lead by its first-touch deadline, and who
// was told. Escalations are the complete list, so a retry writes the same thing again.
func (s *Store) MarkFirstTouchMissed(ctx context.Context, leadID string, escalations []lead.Escalation) error {
	b, err := json.Marshal(nonNilSlice(escalations))
	if err != nil {
		return err
	}
	err = s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `UPDATE leads SET sla = sla || jsonb_build_object('breached', true, 'escalations', $2::jsonb),
			updated_at = now() WHERE lead_id = $1`, leadID, string(b)); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "workflow", "lead.first_touch_missed", "lead", leadID, nil)
	})
	if err != nil {
		return fmt.Errorf("mark first touch missed: %w", err)
	}
	return nil
}

// Notification is one message to a rep about a lead.
type Notification struct {
	NotificationID string
	LeadID         string
	RepID          string
	Kind           string
}

// AddNotification stores a notification once; created is false when it already existed.
func (s *Store) AddNotification(ctx context.Context, n Notification) (created bool, err error) {
	res, err := s.db.ExecContext(ctx, `INSERT INTO notifications (notification_id, lead_id, rep_id, kind) VALUES ($1, $2, $3, $4)
		ON CONFLICT DO NOTHING`, n.NotificationID, n.LeadID, n.RepID, n.Kind)
	if err != nil {
		return false, fmt.Errorf("add notification: %w", mapErr(err))
	}
	affected, _ := res.RowsAffected()
	return affected == 1, nil
}

// NotificationDelivered reports whether the notification went out on every channel the rep had
// set (MarkNotificationDelivered); false for an unknown id.
func (s *Store) NotificationDelivered(ctx context.Context, notificationID string) (bool, error) {
	var ok bool
	if err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM notifications WHERE notification_id = $1 AND delivered_at IS NOT NULL)`, notificationID); err != nil {
		return false, fmt.Errorf("notification delivered: %w", mapErr(err))
	}
	return ok, nil
}

// MarkNotificationDelivered records that every channel the rep had set took the notification.
func (s *Store) MarkNotificationDelivered(ctx context.Context, notificationID string) error {
	if _, err := s.db.ExecContext(ctx, `UPDATE notifications SET delivered_at = now() WHERE notification_id = $1 AND delivered_at IS NULL`, notificationID); err != nil {
		return fmt.Errorf("mark notification delivered: %w", mapErr(err))
	}
	return nil
}

// ChannelsDelivered returns the channels (notify.Channel* names) that already took the
// notification; empty for one not sent anywhere yet or an unknown id.
func (s *Store) ChannelsDelivered(ctx context.Context, notificationID string) (map[string]bool, error) {
	var channels []string
	if err := s.db.SelectContext(ctx, &channels, `SELECT channel FROM notification_deliveries WHERE notification_id = $1`, notificationID); err != nil {
		return nil, fmt.Errorf("channels delivered: %w", mapErr(err))
	}
	out := make(map[string]bool, len(channels))
	for _, c := range channels {
		out[c] = true
	}
	return out, nil
}

// MarkChannelDelivered records that channel took the notification, so a retry does not send it
// there again; marking it twice is a no-op.
func (s *Store) MarkChannelDelivered(ctx context.Context, notificationID, channel string) error {
	if _, err := s.db.ExecContext(ctx, `INSERT INTO notification_deliveries (notification_id, channel) VALUES ($1, $2)
		ON CONFLICT DO NOTHING`, notificationID, channel); err != nil {
		return fmt.Errorf("mark channel delivered: %w", mapErr(err))
	}
	return nil
}

// Notifications lists a lead's notifications as "kind:rep_id", oldest first (tests and support).
func (s *Store) Notifications(ctx context.Context, leadID string) ([]string, error) {
	out := []string{}
	if err := s.db.SelectContext(ctx, &out, `SELECT kind || ':' || rep_id FROM notifications WHERE lead_id = $1 ORDER BY created_at, notification_id`, leadID); err != nil {
		return nil, fmt.Errorf("notifications: %w", mapErr(err))
	}
	return out, nil
}

// LeadFilter selects leads for GET /v1/leads. Empty strings match anything.
type LeadFilter struct {
	RepID, TeamID, Tier, Status string
	Limit                       int
	Cursor                      string
}

// defaultLeadLimit is the page size of a LeadFilter without a Limit (the gateway's default too).
const defaultLeadLimit = 50

// ErrBadCursor is returned for a cursor this store did not hand out.
var ErrBadCursor = fmt.Errorf("bad cursor")

const leadSelect = `SELECT l.lead_id, l.conversation_id, l.contact_id, l.status, l.score, l.tier, l.fields, l.score_breakdown, l.policy_version,
	l.sla, l.timings, l.created_at, m.is_new_contact, m.decision, m.matched_by, m.score AS match_score
	FROM leads l JOIN lead_matches m ON m.lead_id = l.lead_id`

type leadRow struct {
	LeadID         string                      `db:"lead_id"`
	ConversationID string                      `db:"conversation_id"`
	ContactID      string                      `db:"contact_id"`
	Status         string                      `db:"status"`
	Score          int                         `db:"score"`
	Tier           string                      `db:"tier"`
	Fields         jsonCol[lead.Fields]        `db:"fields"`
	ScoreBreakdown jsonCol[[]lead.ScoreSignal] `db:"score_breakdown"`
	PolicyVersion  sql.NullString              `db:"policy_version"`
	SLA            jsonCol[lead.SLA]           `db:"sla"`
	Timings        jsonCol[lead.Timings]       `db:"timings"`
	CreatedAt      time.Time                   `db:"created_at"`
	IsNewContact   bool                        `db:"is_new_contact"`
	Decision       string                      `db:"decision"`
	MatchedBy      pq.StringArray              `db:"matched_by"`
	MatchScore     float64                     `db:"match_score"`
}

// Lead reads one lead document; ErrNotFound when there is none.
func (s *Store) Lead(ctx context.Context, leadID string) (lead.Lead, error) {
	var rows []leadRow
	if err := s.db.SelectContext(ctx, &rows, leadSelect+` WHERE l.lead_id = $1`, leadID); err != nil {
		return lead.Lead{}, fmt.Errorf("lead: %w", mapErr(err))
	}
	if len(rows) == 0 {
		return lead.Lead{}, fmt.Errorf("lead %q: %w", leadID, ErrNotFound)
	}
	leads, err := s.assemble(ctx, rows)
	if err != nil {
		return lead.Lead{}, err
	}
	return leads[0], nil
}

// Leads lists leads newest first, filtered, one page at a time.
func (s *Store) Leads(ctx context.Context, f LeadFilter) (leads []lead.Lead, nextCursor string, err error) {
	// A zero (or negative) Limit used to fetch one row, cut the page to nothing and then index
	// rows[-1] for the cursor: a panic. It now means the API's default page size.
	if f.Limit <= 0 {
		f.Limit = defaultLeadLimit
	}
	where := []string{"TRUE"}
	args := []any{}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.RepID != "" {
		add("l.rep_id = $%d", f.RepID)
	}
	if f.TeamID != "" {
		add("l.team_id = $%d", f.TeamID)
	}
	if f.Tier != "" {
		add("l.tier = $%d", f.Tier)
	}
	if f.Status != "" {
		add("l.status = $%d", f.Status)
	}
	if f.Cursor != "" {
		at, id, err := decodeCursor(f.Cursor)
		if err != nil {
			return nil, "", err
		}
		args = append(args, at, id)
		where = append(where, fmt.Sprintf("(l.created_at, l.lead_id) < ($%d, $%d)", len(args)-1, len(args)))
	}
	args = append(args, f.Limit+1)
	var rows []leadRow
	q := leadSelect + ` WHERE ` + strings.Join(where, " AND ") + fmt.Sprintf(` ORDER BY l.created_at DESC, l.lead_id DESC LIMIT $%d`, len(args))
	if err := s.db.SelectContext(ctx, &rows, q, args...); err != nil {
		return nil, "", fmt.Errorf("list leads: %w", mapErr(err))
	}
	if len(rows) > f.Limit {
		rows = rows[:f.Limit]
		last := rows[len(rows)-1]
		nextCursor = encodeCursor(last.CreatedAt, last.LeadID)
	}
	leads, err = s.assemble(ctx, rows)
	return leads, nextCursor, err
}

// assemble turns lead rows into documents, loading assignments, follow-ups and outcomes for all of
// them in three queries rather than three per lead.
func (s *Store) assemble(ctx context.Context, rows []leadRow) ([]lead.Lead, error) {
	out := make([]lead.Lead, 0, len(rows))
	if len(rows) == 0 {
		return out, nil
	}
	ids := make(pq.StringArray, len(rows))
	for i, r := range rows {
		ids[i] = r.LeadID
	}
	var assigns []assignmentRow
	if err := s.db.SelectContext(ctx, &assigns, `SELECT `+assignmentColumns+` FROM lead_assignments WHERE lead_id = ANY ($1)`, ids); err != nil {
		return nil, fmt.Errorf("load assignments: %w", mapErr(err))
	}
	var scores []struct {
		LeadID string `db:"lead_id"`
		lead.ScoreChange
	}
	if err := s.db.SelectContext(ctx, &scores, `SELECT lead_id, score, tier, policy_version, at FROM lead_scores WHERE lead_id = ANY ($1) ORDER BY lead_id, seq`, ids); err != nil {
		return nil, fmt.Errorf("load score history: %w", mapErr(err))
	}
	var tasks []struct {
		LeadID   string         `db:"lead_id"`
		TaskID   string         `db:"task_id"`
		Kind     string         `db:"kind"`
		DueAt    time.Time      `db:"due_at"`
		Status   string         `db:"status"`
		Sequence sql.NullString `db:"sequence"`
		Channel  sql.NullString `db:"channel"`
		Reason   sql.NullString `db:"reason"`
	}
	if err := s.db.SelectContext(ctx, &tasks, `SELECT lead_id, task_id, kind, due_at, status, sequence, channel, reason FROM tasks
		WHERE lead_id = ANY ($1) ORDER BY due_at, task_id`, ids); err != nil {
		return nil, fmt.Errorf("load follow-ups: %w", mapErr(err))
	}
	var outcomes []struct {
		LeadID      string       `db:"lead_id"`
		Outcome     string       `db:"outcome"`
		RepID       string       `db:"rep_id"`
		Note        *string      `db:"note"`
		Amount      *float64     `db:"amount"`
		Reason      *string      `db:"reason"`
		SnoozeUntil sql.NullTime `db:"snooze_until"`
		At          time.Time    `db:"at"`
	}
	if err := s.db.SelectContext(ctx, &outcomes, `SELECT lead_id, outcome, rep_id, note, amount, reason, snooze_until, at FROM outcomes WHERE lead_id = ANY ($1) ORDER BY at, idempotency_key`, ids); err != nil {
		return nil, fmt.Errorf("load outcomes: %w", mapErr(err))
	}

	external, err := s.crmRefs(ctx, ids)
	if err != nil {
		return nil, err
	}

	byID := make(map[string]*lead.Lead, len(rows))
	for _, r := range rows {
		sla := r.SLA.V
		if sla.Escalations == nil {
			sla.Escalations = []lead.Escalation{}
		}
		out = append(out, lead.Lead{
			LeadID: r.LeadID, ContactID: r.ContactID, ConversationIDs: []string{r.ConversationID},
			IsNewContact: r.IsNewContact,
			Match:        lead.Match{Decision: lead.MatchDecision(r.Decision), MatchedBy: nonNilSlice([]string(r.MatchedBy)), Score: r.MatchScore},
			Fields:       r.Fields.V, Status: lead.Status(r.Status), Score: r.Score, Tier: lead.Tier(r.Tier),
			ScoreBreakdown: nonNilSlice(r.ScoreBreakdown.V), ScoreHistory: []lead.ScoreChange{}, PolicyVersion: r.PolicyVersion.String,
			CRM:       lead.CRMRefs{Builtin: &lead.BuiltinRef{ContactID: r.ContactID, LeadID: r.LeadID}, External: external[r.LeadID]},
			Followups: []lead.Followup{}, SLA: sla, Outcomes: []lead.OutcomeNote{}, Timings: r.Timings.V.Split(),
			ReviewFields: r.Fields.V.NeedsReview(),
		})
	}
	for i := range out {
		byID[out[i].LeadID] = &out[i]
	}
	for _, a := range assigns {
		asg := a.assignment()
		byID[a.LeadID].Assignment = &asg
	}
	for _, sc := range scores {
		l := byID[sc.LeadID]
		sc.At = sc.At.UTC()
		l.ScoreHistory = append(l.ScoreHistory, sc.ScoreChange)
	}
	for _, t := range tasks {
		l := byID[t.LeadID]
		l.Followups = append(l.Followups, lead.Followup{ID: strings.TrimPrefix(t.TaskID, t.LeadID+":"), Kind: lead.FollowupKind(t.Kind),
			DueAt: t.DueAt.UTC(), Status: lead.FollowupStatus(t.Status), Sequence: t.Sequence.String, Channel: t.Channel.String, Reason: t.Reason.String})
	}
	for _, o := range outcomes {
		l := byID[o.LeadID]
		n := lead.OutcomeNote{Outcome: lead.Outcome(o.Outcome), RepID: o.RepID, At: o.At.UTC(), Note: o.Note, Amount: o.Amount, Reason: o.Reason}
		if o.SnoozeUntil.Valid {
			t := o.SnoozeUntil.Time.UTC()
			n.SnoozeUntil = &t
		}
		l.Outcomes = append(l.Outcomes, n)
	}
	return out, nil
}

func encodeCursor(at time.Time, leadID string) string {
	return base64.RawURLEncoding.EncodeToString([]byte(at.UTC().Format(time.RFC3339Nano) + "|" + leadID))
}

func decodeCursor(c string) (time.Time, string, error) {
	b, err := base64.RawURLEncoding.DecodeString(c)
	if err != nil {
		return time.Time{}, "", ErrBadCursor
	}
	ts, id, ok := strings.Cut(string(b), "|")
	at, err := time.Parse(time.RFC3339Nano, ts)
	if !ok || err != nil || id == "" {
		return time.Time{}, "", ErrBadCursor
	}
	return at, id, nil
}

func nonNilSlice[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

// OutcomeRecorded reports whether an outcome with this idempotency key was stored for the lead.
func (s *Store) OutcomeRecorded(ctx context.Context, leadID, key string) (bool, error) {
	var ok bool
	if err := s.db.GetContext(ctx, &ok, `SELECT EXISTS (SELECT 1 FROM outcomes WHERE lead_id = $1 AND idempotency_key = $2)`, leadID, key); err != nil {
		return false, fmt.Errorf("outcome recorded: %w", mapErr(err))
	}
	return ok, nil
}
