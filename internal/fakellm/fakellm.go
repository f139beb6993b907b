// Package fakellm is a local OpenAI-compatible chat-completions server for tests and the
// benchmark: the machine has no hosted model, so the LLM path is exercised against this. It speaks
// the documented wire shapes (POST /v1/chat/completions, GET /v1/models, OpenAI's error body,
// Retry-After on 429), waits a configurable latency before answering, can be told to fail, and
// counts what it was asked.
package fakellm

import (
	"encoding/json"
	"fmt"
	"io"
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
	ResponseFormat *ResponseFormat `json:"response_format,omitempty"`
	Tools          []Tool          `json:"tools,omitempty"`
	Temperature    *float64        `json:"temperature,omitempty"`
}

// ResponseFormat is the request's structured-output setting.
type ResponseFormat struct {
	Type       string          `json:"type"` // "json_schema", "json_object" or "text"
	JSONSchema json.RawMessage `json:"json_schema,omitempty"`
}

// Tool is a function the request offers the model.
type Tool struct {
	Type     string `json:"type"`
	Function struct {
		Name       string          `json:"name"`
		Parameters json.RawMessage `json:"parameters,omitempty"`
	} `json:"function"`
}

// Capability names what an endpoint may lack: a response_format type ("json_schema",
// "json_object") or "tools". Local servers differ (older vLLM and llama.cpp builds have no
// json_schema, some proxies drop tools), and the client must find out and fall back.
type Capability string

// Capabilities an endpoint may lack.
const (
	CapJSONSchema Capability = "json_schema"
	CapJSONObject Capability = "json_object"
	CapTools      Capability = "tools"
)

// Reply is the assistant's turn: its content and how it ended.
type Reply struct {
	Content string
	// FinishReason is "stop" when empty; "length" is an answer cut off by the token limit.
	FinishReason string
}

// ChatMessage is one message of the request.
type ChatMessage struct {
	Role    string `json:"role"`
	Content string `json:"content"`
}

// Fault is a failure the server answers with instead of a completion.
type Fault struct {
	Status     int           // e.g. 429, 500, 400
	Param      string        // the request parameter the error is about, if any
	RetryAfter time.Duration // sent as Retry-After (whole seconds) when > 0
	Message    string
}

// Options configures a Server.
type Options struct {
	// Latency is how long every answer waits (the model "thinking"); 0 answers at once.
	Latency time.Duration
	// APIKey, when set, is required as "Authorization: Bearer <key>"; others get 401.
	APIKey string
	// Respond produces the assistant's turn for a request. nil answers "{}" (nothing found). When
	// the request forces a tool, the content is sent as that tool call's arguments.
	Respond func(ChatRequest) (Reply, error)
	// Lacks lists what the endpoint answers 400 to, as a server without that feature does.
	Lacks []Capability
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
	bodies [][]byte // the latest request bodies, for tests that assert what was sent
}

// keptBodies bounds the bodies a long benchmark keeps.
const keptBodies = 64

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
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, 4<<20))
	if err != nil {
		writeError(w, Fault{Status: http.StatusRequestEntityTooLarge, Message: "request too large"})
		return
	}
	s.keep(body)
	var req ChatRequest
	if err := json.Unmarshal(body, &req); err != nil || len(req.Messages) == 0 {
		writeError(w, Fault{Status: http.StatusBadRequest, Message: "'messages' is a required property"})
		return
	}
	if lack, ok := s.lacking(req); ok {
		writeError(w, Fault{Status: http.StatusBadRequest, Param: lack.param(),
			Message: fmt.Sprintf("%s is not supported by this server", lack)})
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
	reply := Reply{Content: "{}"}
	if s.opts.Respond != nil {
		if reply, err = s.opts.Respond(req); err != nil {
			writeError(w, Fault{Status: http.StatusInternalServerError, Message: err.Error()})
			return
		}
	}
	if reply.FinishReason == "" {
		reply.FinishReason = "stop"
	}
	prompt := 0
	for _, m := range req.Messages {
		prompt += approxTokens(m.Content)
	}
	completion := approxTokens(reply.Content)
	s.tokens.Add(int64(prompt + completion))
	model := req.Model
	if model == "" {
		model = Model
	}
	id := "chatcmpl-fake-" + strconv.FormatInt(s.requests.Load(), 10)
	message := map[string]any{"role": "assistant", "content": reply.Content}
	if len(req.Tools) > 0 {
		// A client that offers a tool to get structured output is answered with a call to it.
		message = map[string]any{"role": "assistant", "content": nil, "tool_calls": []map[string]any{{
			"id": "call-" + id, "type": "function",
			"function": map[string]any{"name": req.Tools[0].Function.Name, "arguments": reply.Content},
		}}}
	}
	writeJSON(w, http.StatusOK, map[string]any{
		"id": id, "object": "chat.completion", "created": time.Now().Unix(), "model": model,
		"choices": []map[string]any{{"index": 0, "finish_reason": reply.FinishReason, "message": message}},
		"usage":   map[string]int{"prompt_tokens": prompt, "completion_tokens": completion, "total_tokens": prompt + completion},
	})
}

// lacking reports the first thing the request uses that the endpoint lacks.
func (s *Server) lacking(req ChatRequest) (Capability, bool) {
	for _, c := range s.opts.Lacks {
		switch {
		case c == CapTools && len(req.Tools) > 0,
			req.ResponseFormat != nil && req.ResponseFormat.Type == string(c):
			return c, true
		}
	}
	return "", false
}

func (c Capability) param() string {
	if c == CapTools {
		return "tools"
	}
	return "response_format"
}

func (s *Server) keep(body []byte) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if len(s.bodies) == keptBodies {
		s.bodies = s.bodies[1:]
	}
	s.bodies = append(s.bodies, body)
}

// Bodies returns the latest request bodies as sent, oldest first.
func (s *Server) Bodies() [][]byte {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([][]byte(nil), s.bodies...)
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
	var param any
	if f.Param != "" {
		param = f.Param
	}
	writeJSON(w, f.Status, map[string]any{"error": map[string]any{"message": msg, "type": kind, "param": param, "code": code}})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}
