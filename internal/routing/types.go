// Package routing decides where a lead goes: the contact's existing owner, the on-call rep for a
// hot lead, or the best-matching team's weighted round-robin, with the team's overflow rule when
// nobody there can take it. Decide is pure: the store loads a snapshot of teams and reps under
// their row locks, Decide picks, and the store writes the decision in the same transaction. The
// routing preview and the policy replay call the same Decide without writing anything.
package routing

import (
	"database/sql/driver"
	"encoding/json"
	"fmt"
	"net/url"
	"strings"
	"time"

	"github.com/lib/pq"
)

// Team is a sales desk and what it covers; empty lists mean "any".
type Team struct {
	TeamID       string         `db:"team_id" json:"team_id"`
	Name         string         `db:"name" json:"name"`
	Languages    pq.StringArray `db:"languages" json:"languages"`
	Countries    pq.StringArray `db:"countries" json:"countries"`
	Products     pq.StringArray `db:"products" json:"products"`
	Priority     int            `db:"priority" json:"priority"`
	ManagerRepID *string        `db:"manager_rep_id" json:"manager_rep_id"`
	Overflow     Overflow       `db:"overflow" json:"overflow"`
}

// Overflow is what happens to a lead when nobody in the team can take it.
type Overflow struct {
	// To is next_team (the next team that matches the lead, the default), team (TeamID), or queue
	// (the lead waits in this team and its manager is told).
	To     string `json:"to"`
	TeamID string `json:"team_id,omitempty"`
}

// Overflow destinations.
const (
	OverflowNextTeam = "next_team"
	OverflowTeam     = "team"
	OverflowQueue    = "queue"
)

// Validate checks an overflow rule as an admin wrote it.
func (o Overflow) Validate() error {
	switch o.To {
	case "", OverflowNextTeam, OverflowQueue:
		if o.TeamID != "" {
			return fmt.Errorf("overflow.team_id is only for overflow.to = team")
		}
	case OverflowTeam:
		if o.TeamID == "" {
			return fmt.Errorf("overflow.to = team needs overflow.team_id")
		}
	default:
		return fmt.Errorf("overflow.to is one of next_team, team, queue")
	}
	return nil
}

// Value stores the rule as jsonb; an empty rule is next_team.
func (o Overflow) Value() (driver.Value, error) {
	if o.To == "" {
		o.To = OverflowNextTeam
	}
	return jsonValue(o)
}

// Scan reads the jsonb column.
func (o *Overflow) Scan(src any) error { return scanJSON(src, o) }

// RepNotify says how a rep wants to hear about new leads. Every channel is optional and they add
// up: a notification goes out on each one set (and is always in the rep's inbox). An empty string
// is the same as null: not set.
type RepNotify struct {
	// WebhookURL receives a signed JSON POST (X-Leadflow-Signature, LEADFLOW_WEBHOOK_SECRET).
	WebhookURL *string `json:"webhook_url"`
	// SlackWebhookURL is a Slack incoming webhook.
	SlackWebhookURL *string `json:"slack_webhook_url"`
	// TelegramChatID is a numeric Telegram chat id or a public @channelusername, written to by the
	// worker's bot (TELEGRAM_BOT_TOKEN).
	TelegramChatID *string `json:"telegram_chat_id"`
	// Email sends the notification to the rep's email address (SMTP_ADDR).
	Email bool `json:"email"`
}

// RepNotifyError is a RepNotify setting that does not pass Validate.
type RepNotifyError struct {
	Field  string // the setting as the API names it, e.g. notify.slack_webhook_url
	Reason string // what is wrong; never the value
}

func (e *RepNotifyError) Error() string { return e.Field + ": " + e.Reason }

// Validate checks the settings as an admin wrote them; the error is a *RepNotifyError naming the
// field, e.g. "notify.slack_webhook_url: ...". It never repeats the value: Slack webhook URLs are
// secrets.
func (n RepNotify) Validate() error {
	for _, u := range []struct {
		field string
		value *string
	}{{"notify.webhook_url", n.WebhookURL}, {"notify.slack_webhook_url", n.SlackWebhookURL}} {
		if u.value != nil && *u.value != "" && !validHTTPURL(*u.value) {
			return &RepNotifyError{Field: u.field, Reason: "must be an absolute http or https URL with a host"}
		}
	}
	if id := n.TelegramChatID; id != nil && *id != "" && !validTelegramChatID(*id) {
		return &RepNotifyError{Field: "notify.telegram_chat_id",
			Reason: "must be a numeric chat id (such as 123456789 or -1001234567890) or a public @channelusername"}
	}
	return nil
}

// validHTTPURL accepts what the notify package sends to: absolute http and https URLs with a host.
func validHTTPURL(raw string) bool {
	if len(raw) > 2048 || strings.TrimSpace(raw) != raw {
		return false
	}
	u, err := url.Parse(raw)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && u.Hostname() != ""
}

// validTelegramChatID accepts what the Bot API takes as chat_id: a (possibly negative) integer, or
// "@" and a public username of 5-32 letters, digits and underscores.
func validTelegramChatID(id string) bool {
	if name, ok := strings.CutPrefix(id, "@"); ok {
		return len(name) >= 5 && len(name) <= 32 && strings.IndexFunc(name, func(r rune) bool {
			return !(r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' || r == '_')
		}) < 0
	}
	digits := strings.TrimPrefix(id, "-")
	return digits != "" && len(digits) <= 20 && strings.Trim(digits, "0123456789") == ""
}

// Value stores the settings as jsonb.
func (n RepNotify) Value() (driver.Value, error) { return jsonValue(n) }

// Scan reads the jsonb column.
func (n *RepNotify) Scan(src any) error { return scanJSON(src, n) }

// Rep is a sales rep and what they can take.
type Rep struct {
	RepID        string         `db:"rep_id" json:"rep_id"`
	TeamID       string         `db:"team_id" json:"team_id"`
	Name         string         `db:"name" json:"name"`
	Email        *string        `db:"email" json:"email"`
	Languages    pq.StringArray `db:"languages" json:"languages"`
	MaxOpenLeads int            `db:"max_open_leads" json:"max_open_leads"`
	// Weight is the rep's share of the team's round-robin: a rep of weight 2 gets twice the leads
	// of a rep of weight 1.
	Weight       int        `db:"weight" json:"weight"`
	OnCall       bool       `db:"on_call" json:"on_call"`
	Active       bool       `db:"active" json:"active"`
	OutOfOffice  *time.Time `db:"out_of_office_until" json:"out_of_office_until"`
	Timezone     string     `db:"timezone" json:"timezone"`
	WorkingHours Hours      `db:"working_hours" json:"working_hours"`
	Notify       RepNotify  `db:"notify" json:"notify"`
	OpenLeads    int        `db:"open_leads" json:"open_leads"`
	// Credit is the rep's place in the team's rotation (smooth weighted round-robin): the rep
	// with the most credit is next. It is kept in Postgres, so restarts and roster changes keep it.
	Credit int64 `db:"rotation_credit" json:"rotation_credit"`
}

func jsonValue(v any) (driver.Value, error) {
	b, err := json.Marshal(v)
	if err != nil {
		return nil, err
	}
	return string(b), nil
}

func scanJSON(src any, v any) error {
	switch b := src.(type) {
	case nil:
		return nil
	case []byte:
		return json.Unmarshal(b, v)
	case string:
		return json.Unmarshal([]byte(b), v)
	}
	return fmt.Errorf("routing: cannot scan %T", src)
}
