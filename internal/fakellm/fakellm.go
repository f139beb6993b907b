// Package fakellm is a local OpenAI-compatible chat-completions server for tests and the
// benchmark: the machine has no hosted model, so the LLM path is exercised against this. It speaks
// the documented wire shapes (POST /v1/chat/completions, GET /v1/models, OpenAI's error body,
// Retry-After on 429), waits a configurable latency before answering, can be told to fail, and
// counts what it was asked.
package fakellm

import (
	"encoding/json"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Model is the only model the server lists.
const Model = "leadflow-fake"

// ChatRequest is the part of a chat-completions request the fake reads.
type ChatRequest struct {
	Model          string          `json:"model"`
	Messages       []ChatMessage   `json:"messages"`
	ResponseFormat json.RawMessage `json:"response_format,omitempty"`
	Tools          json.RawMessage `json:"tools,omitempty"`
	Temperature    *float64        `json:"temperature,omitempty"`
}

// ChatMessage is one message of the request.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Fault is a failure the server answers with instead of a completion.
type Fault struct {
	Status     int           // e.g. 429, 500, 400
	RetryAfter time.Duration // sent as Retry-After (whole seconds) when > 0
	Message    string
}

// Options configures a Server.
type Options struct {
	// Latency is how long every answer waits (the model "thinking"); 0 answers at once.
	Latency time.Duration
	// APIKey, when set, is required as "Authorization: Bearer <key>"; others get 401.
	APIKey string
	// Respond produces the assistant's content for a request. nil answers "{}" (nothing found).
	Respond func(ChatRequest) (string, error)
}

// Server is a running fake.
type Server struct {
	opts     Options
	srv      *http.Server
	url      string
	requests atomic.Int64
	tokens   atomic.Int64

	mu     sync.Mutex
	faults []Fault
}

// Start listens on a free loopback port and serves until Close.
func Start(opts Options) (*Server, error) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("fake llm: %w", err)
	}
	s := &Server{opts: opts, url: "http://" + ln.Addr().String() + "/v1"}
	mux := http.NewServeMux()
	mux.HandleFunc("POST /v1/chat/completions", s.chat)
	mux.HandleFunc("GET /v1/models", s.models)
	s.srv = &http.Server{Handler: mux, ReadHeaderTimeout: 5 * time.Second}
	go func() { _ = s.srv.Serve(ln) }()
	return s, nil
}

// BaseURL is what LLM_BASE_URL should be set to (it ends in /v1, as OpenAI's does).
func (s *Server) BaseURL() string { return s.url }

// Close stops the server.
func (s *Server) Close() error { return s.srv.Close() }

// Requests is how many chat completions were asked for (failed ones included).
func (s *Server) Requests() int64 { return s.requests.Load() }

// Tokens is the total tokens reported in usage so far.
func (s *Server) Tokens() int64 { return s.tokens.Load() }

// FailNext makes the next len(faults) chat requests fail, in order.
func (s *Server) FailNext(faults ...Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.faults = append(s.faults, faults...)
}

func (s *Server) nextFault() (Fault, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.faults) == 0 {
		return Fault{}, false
	}
	f := s.faults[0]
	s.faults = s.faults[1:]
	return f, true
}

func (s *Server) authorised(w http.ResponseWriter, r *http.Request) bool {
	if s.opts.APIKey == "" || r.Header.Get("Authorization") == "Bearer "+s.opts.APIKey {
		return true
	}
	writeError(w, Fault{Status: http.StatusUnauthorized, Message: "Incorrect API key provided."})
	return false
}

func (s *Server) chat(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	if !s.authorised(w, r) {
		return
	}
	var req ChatRequest
	if err := json.NewDecoder(http.MaxBytesReader(w, r.Body, 4<<20)).Decode(&req); err != nil || len(req.Messages) == 0 {
		writeError(w, Fault{Status: http.StatusBadRequest, Message: "'messages' is a required property"})
		return
	}
	if s.opts.Latency > 0 {
		select {
		case <-time.After(s.opts.Latency):
		case <-r.Context().Done():
			return
		}
	}
	if f, ok := s.nextFault(); ok {
		writeError(w, f)
		return
	}
	content := "{}"
	if s.opts.Respond != nil {
		var err error
		if content, err = s.opts.Respond(req); err != nil {
			writeError(w, Fault{Status: http.StatusInternalServerError, Message: err.Error()})
			return
		}
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += approxTokens(m.Content)
	}
	completion := approxTokens(content)
	s.tokens.Add(int64(prompt + completion))
	model := req.Model
	if model == "" {
		model = Model
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": "chatcmpl-fake-" + strconv.FormatInt(s.requests.Load(), 10), "object": "chat.completion",
		"created": time.Now().Unix(), "model": model,
		"choices": []map[string]any{{"index": 0, "finish_reason": "stop",
			"message": map[string]any{"role": "assistant", "content": content}}},
		"usage": map[string]int{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
	})
}

func (s *Server) models(w http.ResponseWriter, r *http.Request) {
	if !s.authorised(w, r) {
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"object": "list",
		"data": []map[string]any{{"id": Model, "object": "model", "owned_by": "leadflow"}}})
}

// approxTokens counts about four bytes a token, as OpenAI's rule of thumb does.
func approxTokens(s string) int { return (len(s) + 3) / 4 }

func writeError(w http.ResponseWriter, f Fault) {
	kind, code := "invalid_request_error", ""
	switch {
	case f.Status == http.StatusUnauthorized:
		code = "invalid_api_key"
	case f.Status == http.StatusTooManyRequests:
		kind, code = "requests", "rate_limit_exceeded"
	case f.Status >= 500:
		kind = "server_error"
	}
	if f.RetryAfter > 0 {
		w.Header().Set("Retry-After", strconv.Itoa(int((f.RetryAfter+time.Second-1)/time.Second)))
	}
	msg := f.Message
	if msg == "" {
		msg = strings.ToLower(http.StatusText(f.Status))
	}
	writeJSON(w, f.Status, map[string]any{"error": map[string]any{"message": msg, "type": kind, "param": nil, "code": code}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
