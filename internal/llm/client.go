// Package llm asks an OpenAI-compatible chat model (OpenAI, Azure OpenAI, Ollama, vLLM, llama.cpp
// server) what a conversation says about the customer. It sends the transcript as data with its
// roles, under a versioned system prompt kept in this package, and asks for structured output
// with a strict JSON schema, falling back to JSON mode, then a forced tool call, then plain
// instructions on endpoints that lack them (found out once per client). It never retries by itself:
// Temporal does, and the errors it returns say whether that is worth it.
package llm

import (
	"context"
	_ "embed"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"net"
	"net/http"
	"net/url"
	"strings"
	"sync/atomic"
	"time"

	openai "github.com/sashabaranov/go-openai"

	"github.com/leadflow/leadflow/activities/extract"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/retryafter"
)

// PromptVersion names the system prompt below; it is recorded with every lead the model read, so
// a change of prompt is visible in the audit log and in eval runs.
const PromptVersion = "extract-v1"

//go:embed prompts/extract-v1.txt
var systemPrompt string

// Config says which endpoint and model to use.
type Config struct {
	BaseURL string // LLM_BASE_URL, e.g. https://api.openai.com/v1 or http://localhost:11434/v1
	APIKey  string // LLM_API_KEY; local servers often need none
	Model   string // LLM_MODEL; the deployment name on Azure
	// HTTP is the client used for requests; nil uses one with a 60 s timeout.
	HTTP *http.Client
}

// Mode is how structured output is asked for.
type Mode int32

// Modes, best first; a client moves down the list when the endpoint refuses one.
const (
	ModeJSONSchema Mode = iota // response_format json_schema, strict
	ModeJSONObject             // response_format json_object, the schema in the prompt
	ModeTool                   // a forced function call whose parameters are the schema
	ModePlain                  // the schema in the prompt and nothing else
)

func (m Mode) String() string {
	return [...]string{"json_schema", "json_object", "tool", "plain"}[m]
}

// Client is safe for concurrent use.
type Client struct {
	api   *openai.Client
	model string
	mode  atomic.Int32
}

// New builds a client. An Azure OpenAI endpoint (*.openai.azure.com) is addressed the Azure way.
func New(cfg Config) (*Client, error) {
	u, err := url.Parse(cfg.BaseURL)
	if err != nil || (u.Scheme != "http" && u.Scheme != "https") || u.Host == "" {
		return nil, fmt.Errorf("llm: LLM_BASE_URL %q is not an http(s) URL", cfg.BaseURL)
	}
	if cfg.Model == "" {
		return nil, errors.New("llm: LLM_MODEL is required with LLM_BASE_URL")
	}
	oc := openai.DefaultConfig(cfg.APIKey)
	if strings.HasSuffix(u.Hostname(), ".openai.azure.com") {
		oc = openai.DefaultAzureConfig(cfg.APIKey, cfg.BaseURL)
	}
	oc.BaseURL = strings.TrimRight(cfg.BaseURL, "/")
	httpClient := cfg.HTTP
	if httpClient == nil {
		httpClient = &http.Client{Timeout: 60 * time.Second}
	}
	hc := *httpClient
	hc.Transport = retryAfterRecorder{next: transport(httpClient)}
	oc.HTTPClient = &hc
	return &Client{api: openai.NewClientWithConfig(oc), model: cfg.Model}, nil
}

func transport(c *http.Client) http.RoundTripper {
	if c.Transport != nil {
		return c.Transport
	}
	return http.DefaultTransport
}

// Mode is the structured-output mode the client uses now.
func (c *Client) Mode() Mode { return Mode(c.mode.Load()) }

// Conversation is what the model reads: the messages with their roles, and the hints that help
// read phone numbers and languages. Channel identities and ids are not sent.
type Conversation struct {
	Channel  lead.Channel
	Country  string
	Locale   string
	Messages []lead.Message
}

// Usage is what one extraction cost.
type Usage struct {
	PromptTokens     int
	CompletionTokens int
	Mode             Mode
	Repaired         bool // the first answer was invalid and the model was asked once to fix it
	PromptVersion    string
}

// Kind says what a caller can do about an error.
type Kind int

// Kinds of error.
const (
	// Retryable: a rate limit, an overloaded or failing server, a timeout or a broken connection.
	Retryable Kind = iota
	// Rejected: the endpoint refused the request (400, 401, 403, 404, 422): a wrong key, model or
	// URL, which no retry fixes.
	Rejected
	// InvalidAnswer: the model answered twice with something that is not the schema's JSON.
	InvalidAnswer
)

// Error is a failed extraction.
type Error struct {
	Kind       Kind
	Status     int           // HTTP status, 0 when none came back
	RetryAfter time.Duration // what the server asked for, 0 when it did not say
	Err        error
}

func (e *Error) Error() string {
	if e.Status > 0 {
		return fmt.Sprintf("llm: status %d: %v", e.Status, e.Err)
	}
	return fmt.Sprintf("llm: %v", e.Err)
}

func (e *Error) Unwrap() error { return e.Err }

// maxAnswerTokens bounds what one answer may cost; a full answer needs about 400.
const maxAnswerTokens = 1200

// Extract asks the model for the lead fields of the conversation.
func (c *Client) Extract(ctx context.Context, conv Conversation) (extract.Claims, Usage, error) {
	data, err := transcript(conv)
	if err != nil {
		return extract.Claims{}, Usage{}, &Error{Kind: Rejected, Err: err}
	}
	msgs := []openai.ChatCompletionMessage{
		{Role: openai.ChatMessageRoleSystem, Content: systemPrompt},
		{Role: openai.ChatMessageRoleUser, Content: data},
	}
	ctx = withRetryAfter(ctx)
	usage := Usage{PromptVersion: PromptVersion}
	for attempt := 0; ; attempt++ {
		mode := c.Mode()
		content, finish, u, err := c.complete(ctx, mode, msgs)
		usage.PromptTokens += u.PromptTokens
		usage.CompletionTokens += u.CompletionTokens
		usage.Mode = mode
		if err != nil {
			if mode < ModePlain && unsupported(err, mode) {
				// The endpoint lacks this mode: step down once, for every later call too.
				c.mode.CompareAndSwap(int32(mode), int32(mode+1))
				continue
			}
			return extract.Claims{}, usage, classify(ctx, err)
		}
		claims, perr := parseAnswer(content)
		if perr == nil && finish == openai.FinishReasonLength {
			perr = fmt.Errorf("%w: the answer was cut off at the token limit", errInvalidAnswer)
		}
		if perr == nil {
			return claims, usage, nil
		}
		if usage.Repaired || attempt > 4 {
			return extract.Claims{}, usage, &Error{Kind: InvalidAnswer, Err: perr}
		}
		// Repair once: show the model its answer and what is wrong with it.
		usage.Repaired = true
		msgs = append(msgs,
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleAssistant, Content: clipRunes(content, 4000)},
			openai.ChatCompletionMessage{Role: openai.ChatMessageRoleUser, Content: "That answer cannot be used (" +
				clipRunes(perr.Error(), 300) + "). Answer again with only one compact JSON object that follows the schema, " +
				"with null for anything the conversation does not say."})
	}
}

// complete sends one chat-completion request in the given mode and returns the answer's JSON text.
func (c *Client) complete(ctx context.Context, mode Mode, msgs []openai.ChatCompletionMessage) (string, openai.FinishReason, openai.Usage, error) {
	req := openai.ChatCompletionRequest{
		Model:    c.model,
		Messages: msgs,
		// go-openai drops a zero temperature; the smallest float asks for the same: no sampling.
		Temperature: math.SmallestNonzeroFloat32,
		//lint:ignore SA1019 local servers (Ollama, llama.cpp, older vLLM) read max_tokens, not max_completion_tokens
		MaxTokens: maxAnswerTokens,
	}
	switch mode {
	case ModeJSONSchema:
		req.ResponseFormat = &openai.ChatCompletionResponseFormat{
			Type:       openai.ChatCompletionResponseFormatTypeJSONSchema,
			JSONSchema: &openai.ChatCompletionResponseFormatJSONSchema{Name: schemaName, Schema: answerSchema, Strict: true},
		}
	case ModeJSONObject, ModePlain:
		if mode == ModeJSONObject {
			req.ResponseFormat = &openai.ChatCompletionResponseFormat{Type: openai.ChatCompletionResponseFormatTypeJSONObject}
		}
		req.Messages = append([]openai.ChatCompletionMessage{{Role: openai.ChatMessageRoleSystem,
			Content: systemPrompt + "\nAnswer with only a JSON object that follows this JSON schema:\n" + string(answerSchema)}},
			msgs[1:]...)
	case ModeTool:
		req.Tools = []openai.Tool{{Type: openai.ToolTypeFunction, Function: &openai.FunctionDefinition{
			Name: schemaName, Description: "Record the lead fields read from the conversation.", Parameters: answerSchema}}}
		req.ToolChoice = openai.ToolChoice{Type: openai.ToolTypeFunction, Function: openai.ToolFunction{Name: schemaName}}
	}
	resp, err := c.api.CreateChatCompletion(ctx, req)
	if err != nil {
		return "", "", openai.Usage{}, err
	}
	if len(resp.Choices) == 0 {
		return "", "", resp.Usage, fmt.Errorf("%w: no choices", errInvalidAnswer)
	}
	ch := resp.Choices[0]
	content := ch.Message.Content
	if len(ch.Message.ToolCalls) > 0 {
		content = ch.Message.ToolCalls[0].Function.Arguments
	}
	return content, ch.FinishReason, resp.Usage, nil
}

// turn is one message as the model sees it.
type turn struct {
	Role string `json:"role"`
	Text string `json:"text"`
}

// maxTranscriptRunes bounds what one request sends; the start and the end of a long conversation
// are where people introduce themselves and leave their details.
const maxTranscriptRunes = 24000

// transcript is the user message: the conversation as a JSON document, so that nothing a customer
// writes can pass for the prompt's own words.
func transcript(conv Conversation) (string, error) {
	doc := struct {
		Channel  string `json:"channel"`
		Country  string `json:"country_hint,omitempty"`
		Locale   string `json:"locale,omitempty"`
		Messages []turn `json:"messages"`
	}{Channel: string(conv.Channel), Country: conv.Country, Locale: conv.Locale}
	total := 0
	for _, m := range conv.Messages {
		total += len([]rune(m.Text))
	}
	budget := maxTranscriptRunes
	for i, m := range conv.Messages {
		text := m.Text
		if total > maxTranscriptRunes {
			// Keep every message, each cut to its share, so roles and order stay intact.
			share := max(budget/(len(conv.Messages)-i), 200)
			text = clipRunes(text, share)
			budget -= len([]rune(text))
		}
		doc.Messages = append(doc.Messages, turn{Role: string(m.Role), Text: text})
	}
	if len(doc.Messages) == 0 {
		return "", errors.New("no messages to read")
	}
	b, err := json.Marshal(doc)
	return string(b), err
}

func clipRunes(s string, n int) string {
	if r := []rune(s); len(r) > n {
		return string(r[:n])
	}
	return s
}

// unsupported reports whether err is the endpoint refusing the structured-output mode itself.
func unsupported(err error, mode Mode) bool {
	var api *openai.APIError
	if !errors.As(err, &api) || (api.HTTPStatusCode != http.StatusBadRequest && api.HTTPStatusCode != http.StatusUnprocessableEntity &&
		api.HTTPStatusCode != http.StatusNotImplemented) {
		return false
	}
	about := strings.ToLower(api.Message)
	if api.Param != nil {
		about += " " + strings.ToLower(*api.Param)
	}
	switch mode {
	case ModeJSONSchema, ModeJSONObject:
		return strings.Contains(about, "response_format") || strings.Contains(about, "json_schema") ||
			strings.Contains(about, "json_object") || strings.Contains(about, "structured")
	case ModeTool:
		return strings.Contains(about, "tool") || strings.Contains(about, "function")
	}
	return false
}

// classify turns a transport or API error into an Error of the right kind.
func classify(ctx context.Context, err error) error {
	wait := retryAfterOf(ctx)
	var api *openai.APIError
	var req *openai.RequestError
	status := 0
	switch {
	case errors.As(err, &api):
		status = api.HTTPStatusCode
	case errors.As(err, &req):
		status = req.HTTPStatusCode
	}
	switch {
	case status == http.StatusTooManyRequests || status == http.StatusRequestTimeout || status >= 500:
		return &Error{Kind: Retryable, Status: status, RetryAfter: wait, Err: err}
	case status >= 400:
		return &Error{Kind: Rejected, Status: status, Err: err}
	case errors.Is(err, errInvalidAnswer):
		return &Error{Kind: InvalidAnswer, Err: err}
	}
	var netErr net.Error
	if errors.Is(err, context.DeadlineExceeded) || errors.As(err, &netErr) || status == 0 {
		return &Error{Kind: Retryable, Err: err} // slow, unreachable, or a connection cut mid-answer
	}
	return &Error{Kind: Retryable, Status: status, Err: err}
}

// retryAfterRecorder notes the Retry-After of an answer in the request's context: go-openai's
// errors do not carry headers.
type retryAfterRecorder struct{ next http.RoundTripper }

type retryAfterKey struct{}

func (r retryAfterRecorder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := r.next.RoundTrip(req)
	if resp != nil {
		if box, ok := req.Context().Value(retryAfterKey{}).(*atomic.Int64); ok {
			if d, ok := retryafter.Parse(resp.Header.Get("Retry-After"), time.Now()); ok {
				box.Store(int64(d))
			}
		}
	}
	return resp, err
}

// withRetryAfter prepares ctx to receive the server's Retry-After; classify reads it back.
func withRetryAfter(ctx context.Context) context.Context {
	return context.WithValue(ctx, retryAfterKey{}, new(atomic.Int64))
}

func retryAfterOf(ctx context.Context) time.Duration {
	if box, ok := ctx.Value(retryAfterKey{}).(*atomic.Int64); ok {
		return time.Duration(box.Load())
	}
	return 0
}
