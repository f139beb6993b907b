package main

import (
	_ "embed"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"regexp"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"

	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/policy"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/workflows"
)

//go:embed openapi.json
var openAPIDocument []byte

// Deps is what the gateway needs from the outside.
type Deps struct {
	Store    *store.Store
	Temporal client.Client
	// Namespace is Temporal's namespace of the workflows ("default" when empty).
	Namespace string
	// Settings are handed to every conversation workflow the gateway starts.
	Settings workflows.Settings
	Logger   *slog.Logger
	// MaxBodyBytes caps request bodies (413 above it).
	MaxBodyBytes int64
	// RateLimit is requests per second per API key (429 above it).
	RateLimit float64
	// Policy scores and routes leads in the routing preview; the built-in policy when nil.
	Policy *policy.Policy
	// Registry collects the gateway's Prometheus metrics; a new one when nil.
	Registry *prometheus.Registry
	// CRMs are the configured external CRMs, whose webhooks report stage changes made inside them
	// (POST /webhooks/crm/{crm}); CRMIDs finds the lead a CRM record belongs to.
	CRMs   map[string]crmadapters.Adapter
	CRMIDs crmadapters.IDs
}

type server struct {
	store     *store.Store
	temporal  client.Client
	namespace string
	settings  workflows.Settings
	logger    *slog.Logger
	maxBody   int64
	limits    *rateLimits
	keys      *keyCache
	running   *recentSet
	metrics   *metrics
	policy    *policy.Policy
	crms      map[string]crmadapters.Adapter
	crmIDs    crmadapters.IDs
}

// temporalTimeout bounds every Temporal call a request makes, so a stuck server becomes a 503.
const temporalTimeout = 15 * time.Second

// NewRouter builds the HTTP API of api-v1.
func NewRouter(d Deps) *gin.Engine {
	if d.Logger == nil {
		d.Logger = slog.New(slog.DiscardHandler)
	}
	if d.MaxBodyBytes <= 0 {
		d.MaxBodyBytes = 64 << 10
	}
	if d.RateLimit <= 0 {
		d.RateLimit = 50
	}
	if d.Namespace == "" {
		d.Namespace = "default"
	}
	if d.Registry == nil {
		d.Registry = prometheus.NewRegistry()
	}
	if d.Policy == nil {
		d.Policy = policy.Default()
	}
	s := &server{store: d.Store, temporal: d.Temporal, namespace: d.Namespace, settings: d.Settings, logger: d.Logger,
		maxBody: d.MaxBodyBytes, limits: newRateLimits(d.RateLimit), metrics: newMetrics(d.Registry), policy: d.Policy,
		crms: d.CRMs, crmIDs: d.CRMIDs}
	s.keys = newKeyCache(s.store.KeyByPlain)
	s.running = newRecentSet(50000)

	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(s.recoverPanics, s.metrics.observe)
	r.NoRoute(func(c *gin.Context) { fail(c, s.logger, notFound("route")) })
	r.NoMethod(func(c *gin.Context) {
		fail(c, s.logger, &apiError{Status: http.StatusMethodNotAllowed, Code: "method_not_allowed", Message: "method not allowed"})
	})

	r.GET("/healthz", s.healthz)
	r.GET("/readyz", s.readyz)
	r.GET("/metrics", s.metrics.handler(d.Registry))
	r.GET("/v1/openapi.json", func(c *gin.Context) { c.Data(http.StatusOK, "application/json", openAPIDocument) })

	// A CRM's webhook proves itself with the CRM's own signature, not a Leadflow key.
	r.POST("/webhooks/crm/:crm", s.limitBody, s.crmEvents)

	v1 := r.Group("/v1", s.limitBody, s.authenticate)
	ingest, rep, admin := s.require(scopeIngest), s.require(scopeRep), s.require(scopeAdmin)
	v1.POST("/conversations/:conversation_id/messages", ingest, s.postMessage)
	v1.POST("/conversations/:conversation_id/close", ingest, s.closeConversation)
	v1.GET("/conversations/:conversation_id", rep, s.getConversation)
	v1.GET("/leads", rep, s.listLeads)
	v1.GET("/leads/:lead_id", rep, s.getLead)
	v1.POST("/leads/:lead_id/outcome", rep, s.postOutcome)
	v1.POST("/leads/:lead_id/acknowledge", rep, s.acknowledgeLead)
	v1.PUT("/teams/:team_id", admin, s.putTeam)
	v1.GET("/teams", admin, s.listTeams)
	v1.PUT("/reps/:rep_id", admin, s.putRep)
	v1.GET("/reps", admin, s.listReps)
	v1.PUT("/reps/:rep_id/availability", admin, s.putAvailability)
	v1.POST("/leads/:lead_id/reassign", admin, s.reassignLead)
	// GET with a body as api-v1 names it; POST for clients that cannot send a body with GET.
	v1.GET("/routing/preview", admin, s.previewRoute)
	v1.POST("/routing/preview", admin, s.previewRoute)
	v1.POST("/api-keys", admin, s.createKey)
	v1.GET("/contacts/review", admin, s.listReviews)
	v1.POST("/contacts/merge", admin, s.mergeContacts)
	v1.POST("/contacts/:contact_id/not-duplicate", admin, s.notDuplicate)
	v1.DELETE("/contacts/:contact_id", admin, s.eraseContact)
	return r
}

func (s *server) recoverPanics(c *gin.Context) {
	defer func() {
		if p := recover(); p != nil {
			fail(c, s.logger, errors.New("panic in handler")) // the value may hold request data: not logged
		}
	}()
	c.Next()
}

// limitBody caps the body; decodeJSON turns the overflow into 413.
func (s *server) limitBody(c *gin.Context) {
	if c.Request.ContentLength > s.maxBody {
		fail(c, s.logger, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large",
			Message: "the body is larger than " + strconv.FormatInt(s.maxBody, 10) + " bytes"})
		return
	}
	c.Request.Body = http.MaxBytesReader(c.Writer, c.Request.Body, s.maxBody)
	c.Next()
}

// decodeJSON reads a JSON object body into v: 415 for another content type, 413 for too large,
// 400 for malformed JSON or a value of the wrong type.
func decodeJSON(c *gin.Context, v any) error {
	return decodeJSONBody(c, v, false)
}

// decodeOptionalJSON is decodeJSON for routes whose body may be empty.
func decodeOptionalJSON(c *gin.Context, v any) error {
	return decodeJSONBody(c, v, true)
}

// readBody reads the request's body, within limitBody's cap.
func readBody(c *gin.Context) ([]byte, error) {
	body, err := io.ReadAll(c.Request.Body)
	var tooLarge *http.MaxBytesError
	if errors.As(err, &tooLarge) {
		return nil, &apiError{Status: http.StatusRequestEntityTooLarge, Code: "body_too_large", Message: "the body is too large"}
	}
	if err != nil {
		return nil, badRequest("bad_body", "the body could not be read", "")
	}
	return body, nil
}

func decodeJSONBody(c *gin.Context, v any, optional bool) error {
	body, err := readBody(c)
	if err != nil {
		return err
	}
	if len(body) == 0 && optional {
		return nil
	}
	if mt, _, err := mime.ParseMediaType(c.GetHeader("Content-Type")); err != nil || mt != "application/json" {
		return &apiError{Status: http.StatusUnsupportedMediaType, Code: "unsupported_media_type", Message: "Content-Type must be application/json"}
	}
	if err := json.Unmarshal(body, v); err != nil {
		var typeErr *json.UnmarshalTypeError
		if errors.As(err, &typeErr) {
			return badRequest("invalid_type", "a value has the wrong type", typeErr.Field)
		}
		var timeErr *time.ParseError
		if errors.As(err, &timeErr) {
			return badRequest("invalid_time", "timestamps must be RFC 3339", "")
		}
		return badRequest("bad_json", "the body is not a valid JSON object", "")
	}
	return nil
}

// idPattern is api-v1's conversation id; team, rep and lead ids follow the same rule.
var idPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// pathID returns a validated path parameter.
func pathID(c *gin.Context, name string) (string, error) {
	id := c.Param(name)
	if !idPattern.MatchString(id) {
		return "", badRequest("invalid_id", name+" must be 1–128 characters of A-Za-z0-9._:-", name)
	}
	return id, nil
}
