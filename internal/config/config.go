// Package config reads Leadflow's configuration from the environment into one typed struct, with
// defaults that run locally. Every binary calls Load once in main and passes the struct down.
package config

import (
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/policy"
)

// Config is everything a Leadflow process can be told from outside.
type Config struct {
	// HTTPAddr is where the gateway listens (LEADFLOW_HTTP_ADDR).
	HTTPAddr string
	// AdminKey is the bootstrap API key with every scope (LEADFLOW_ADMIN_KEY); stored only as a hash.
	AdminKey string
	// DatabaseURL is the Postgres DSN (DATABASE_URL). Empty means "start a throw-away cluster" in
	// the local stack and the tests; the gateway and worker binaries require it.
	DatabaseURL string
	// DataDir holds all local state of `make dev` (LEADFLOW_DATA_DIR).
	DataDir string

	TemporalAddress   string // TEMPORAL_ADDRESS, host:port of the frontend
	TemporalNamespace string // TEMPORAL_NAMESPACE
	// TemporalGzip compresses gRPC to Temporal (TEMPORAL_GRPC_GZIP=true). Off by default: next
	// to the server, compressing cost the worker an eighth of its CPU (docs/performance.md); turn it
	// on over slow links, e.g. to Temporal Cloud from far away.
	TemporalGzip   bool
	TemporalPort   int // LEADFLOW_TEMPORAL_PORT: the local dev server's frontend port
	TemporalUIPort int // LEADFLOW_TEMPORAL_UI_PORT: the local dev server's Web UI port
	PostgresPort   int // LEADFLOW_PG_PORT: the local cluster's port (0 = a free one)

	// QuietPeriod is how long a conversation stays silent before it is processed without a close.
	QuietPeriod time.Duration // LEADFLOW_QUIET_PERIOD
	// ContactWait is how long a conversation without phone or email waits for one before no_lead.
	ContactWait time.Duration // LEADFLOW_CONTACT_WAIT
	// FirstFollowupDelay is when the rep's first call task falls due after assignment.
	FirstFollowupDelay time.Duration // LEADFLOW_FIRST_FOLLOWUP_DELAY
	// LeadIdle is how long a lead's workflow keeps waiting for outcomes before it completes.
	LeadIdle time.Duration // LEADFLOW_LEAD_IDLE

	// MaxBodyBytes caps request bodies (LEADFLOW_MAX_BODY_BYTES).
	MaxBodyBytes int64
	// RateLimit is requests per second allowed per API key, with a burst of the same size (LEADFLOW_RATE_LIMIT).
	RateLimit float64

	// LLMBaseURL is an OpenAI-compatible endpoint (LLM_BASE_URL, e.g. https://api.openai.com/v1,
	// http://localhost:11434/v1 for Ollama). Empty: the rules extractor serves alone.
	LLMBaseURL string
	LLMAPIKey  string // LLM_API_KEY; never logged
	LLMModel   string // LLM_MODEL; required with LLM_BASE_URL (the deployment name on Azure)
	// LLMWait is how long a lead waits for the model before it goes out on the rules' reading
	// (LLM_WAIT); the model's answer enriches the lead when it arrives.
	LLMWait time.Duration

	// Policy is the scoring and routing policy read from LEADFLOW_POLICY_FILE (YAML or JSON), or
	// the built-in one when it is not set; a file that does not pass its checks stops the start.
	Policy *policy.Policy

	// Outbound is how the worker reaches reps and customers; every channel is optional.
	Outbound Outbound

	// CRMs are the external CRMs every lead is also written to, read from LEADFLOW_CRM_FILE
	// (docs/crm.md); none when it is not set. Their secrets are read from the environment
	// variables the file names, through Getenv.
	CRMs crmadapters.File
	// CRMPollEvery is how often the gateway asks CRMs without webhooks (Salesforce) for stage
	// changes made in them (LEADFLOW_CRM_POLL_EVERY).
	CRMPollEvery time.Duration
	// PublicURL is the gateway's address as reps reach it (LEADFLOW_PUBLIC_URL): CRM notes link
	// the conversation there.
	PublicURL string
	// Getenv is the environment the configuration was read from.
	Getenv func(string) string

	// MetricsAddr, when set, is where the worker serves Prometheus metrics (the speed-to-lead
	// histograms) at /metrics (LEADFLOW_WORKER_METRICS_ADDR, e.g. 127.0.0.1:9091).
	MetricsAddr string

	LogLevel string // LEADFLOW_LOG_LEVEL: debug, info, warn, error
	// DebugAddr, when set, serves Go's pprof profiles there (LEADFLOW_DEBUG_ADDR, e.g.
	// 127.0.0.1:6060); keep it on loopback. make bench profiles the worker and gateway with it.
	DebugAddr string
}

// Outbound configures the channels notifications and customer follow-ups go out on.
type Outbound struct {
	// WebhookSecret signs every webhook Leadflow posts, reps' and the chatbot gateway's
	// (LEADFLOW_WEBHOOK_SECRET, at least 16 bytes); receivers check X-Leadflow-Signature with it.
	WebhookSecret string
	// ChatbotWebhookURL is the chatbot gateway's endpoint for customer messages on whatsapp and web
	// (LEADFLOW_CHATBOT_WEBHOOK_URL); empty: those channels are not sent on.
	ChatbotWebhookURL string
	// SMTP sends e-mail to customers and reps (SMTP_ADDR host:port, SMTP_FROM, SMTP_USERNAME,
	// SMTP_PASSWORD, SMTP_IMPLICIT_TLS); empty SMTPAddr: no e-mail.
	SMTPAddr, SMTPFrom, SMTPUsername, SMTPPassword string
	SMTPImplicitTLS                                bool
	// TelegramBotToken sends Telegram messages through the Bot API (TELEGRAM_BOT_TOKEN, never
	// logged); TelegramAPIURL overrides the Bot API's address (TELEGRAM_API_URL).
	TelegramBotToken, TelegramAPIURL string
}

// Load reads the environment. It fails on values that are present but malformed, never silently.
func Load() (Config, error) { return load(os.Getenv) }

// LoadFrom is Load from another environment than the process's.
func LoadFrom(getenv func(string) string) (Config, error) { return load(getenv) }

func load(getenv func(string) string) (Config, error) {
	r := reader{getenv: getenv}
	c := Config{
		HTTPAddr:           r.str("LEADFLOW_HTTP_ADDR", "127.0.0.1:8080"),
		AdminKey:           r.str("LEADFLOW_ADMIN_KEY", ""),
		DatabaseURL:        r.str("DATABASE_URL", ""),
		DataDir:            r.str("LEADFLOW_DATA_DIR", ".data"),
		TemporalNamespace:  r.str("TEMPORAL_NAMESPACE", "default"),
		TemporalGzip:       r.bool("TEMPORAL_GRPC_GZIP", false),
		TemporalPort:       r.int("LEADFLOW_TEMPORAL_PORT", 7233),
		TemporalUIPort:     r.int("LEADFLOW_TEMPORAL_UI_PORT", 8233),
		PostgresPort:       r.int("LEADFLOW_PG_PORT", 0),
		QuietPeriod:        r.duration("LEADFLOW_QUIET_PERIOD", 2*time.Minute),
		ContactWait:        r.duration("LEADFLOW_CONTACT_WAIT", 24*time.Hour),
		FirstFollowupDelay: r.duration("LEADFLOW_FIRST_FOLLOWUP_DELAY", 15*time.Minute),
		LeadIdle:           r.duration("LEADFLOW_LEAD_IDLE", 30*24*time.Hour),
		MaxBodyBytes:       int64(r.int("LEADFLOW_MAX_BODY_BYTES", 64<<10)),
		RateLimit:          r.float("LEADFLOW_RATE_LIMIT", 50),
		LogLevel:           r.str("LEADFLOW_LOG_LEVEL", "info"),
		DebugAddr:          r.str("LEADFLOW_DEBUG_ADDR", ""),
		LLMBaseURL:         r.str("LLM_BASE_URL", ""),
		LLMAPIKey:          r.str("LLM_API_KEY", ""),
		LLMModel:           r.str("LLM_MODEL", ""),
		LLMWait:            r.duration("LLM_WAIT", 3*time.Second),
		MetricsAddr:        r.str("LEADFLOW_WORKER_METRICS_ADDR", ""),
		Outbound: Outbound{
			WebhookSecret:     r.str("LEADFLOW_WEBHOOK_SECRET", ""),
			ChatbotWebhookURL: r.str("LEADFLOW_CHATBOT_WEBHOOK_URL", ""),
			SMTPAddr:          r.str("SMTP_ADDR", ""),
			SMTPFrom:          r.str("SMTP_FROM", ""),
			SMTPUsername:      r.str("SMTP_USERNAME", ""),
			SMTPPassword:      r.str("SMTP_PASSWORD", ""),
			SMTPImplicitTLS:   r.bool("SMTP_IMPLICIT_TLS", false),
			TelegramBotToken:  r.str("TELEGRAM_BOT_TOKEN", ""),
			TelegramAPIURL:    r.str("TELEGRAM_API_URL", ""),
		},
	}
	if p, err := policy.Load(r.str("LEADFLOW_POLICY_FILE", "")); err != nil {
		r.errs = append(r.errs, fmt.Errorf("LEADFLOW_POLICY_FILE: %w", err))
	} else {
		c.Policy = p
	}
	if path := r.str("LEADFLOW_CRM_FILE", ""); path != "" {
		if f, err := crmadapters.LoadFile(path); err != nil {
			r.errs = append(r.errs, fmt.Errorf("LEADFLOW_CRM_FILE: %w", err))
		} else {
			c.CRMs = f
		}
	}
	c.CRMPollEvery = r.duration("LEADFLOW_CRM_POLL_EVERY", time.Minute)
	c.PublicURL = strings.TrimSuffix(r.str("LEADFLOW_PUBLIC_URL", "http://"+c.HTTPAddr), "/")
	c.Getenv = getenv
	if c.LLMBaseURL != "" && c.LLMModel == "" {
		r.errs = append(r.errs, errors.New("LLM_MODEL is required when LLM_BASE_URL is set"))
	}
	c.TemporalAddress = r.str("TEMPORAL_ADDRESS", fmt.Sprintf("127.0.0.1:%d", c.TemporalPort))
	if len(r.errs) > 0 {
		return Config{}, errors.Join(r.errs...)
	}
	return c, nil
}

type reader struct {
	getenv func(string) string
	errs   []error
}

func (r *reader) str(key, def string) string {
	if v := strings.TrimSpace(r.getenv(key)); v != "" {
		return v
	}
	return def
}

func (r *reader) bool(key string, def bool) bool {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	b, err := strconv.ParseBool(v)
	if err != nil {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want true or false", key, v))
		return def
	}
	return b
}

func (r *reader) int(key string, def int) int {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a non-negative integer", key, v))
		return def
	}
	return n
}

func (r *reader) float(key string, def float64) float64 {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	f, err := strconv.ParseFloat(v, 64)
	if err != nil || f <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a positive number", key, v))
		return def
	}
	return f
}

func (r *reader) duration(key string, def time.Duration) time.Duration {
	v := r.str(key, "")
	if v == "" {
		return def
	}
	d, err := time.ParseDuration(v)
	if err != nil || d <= 0 {
		r.errs = append(r.errs, fmt.Errorf("%s=%q: want a positive duration such as 2m", key, v))
		return def
	}
	return d
}
