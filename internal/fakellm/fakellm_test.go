package fakellm

import (
	"encoding/json"
	"net/http"
	"strings"
	"testing"
	"time"
)

func post(t *testing.T, s *Server, key, body string) (*http.Response, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(http.MethodPost, s.BaseURL()+"/chat/completions", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if key != "" {
		req.Header.Set("Authorization", "Bearer "+key)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil {
		t.Fatal(err)
	}
	return resp, out
}

func TestAnswersInOpenAIsShapeAfterTheLatency(t *testing.T) {
	s, err := Start(Options{Latency: 50 * time.Millisecond, APIKey: "k", Respond: func(r ChatRequest) (Reply, error) {
		return Reply{Content: `{"seen":"` + r.Messages[len(r.Messages)-1].Content + `"}`}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	begin := time.Now()
	resp, out := post(t, s, "k", `{"model":"m","messages":[{"role":"system","content":"x"},{"role":"user","content":"hi"}]}`)
	if resp.StatusCode != 200 {
		t.Fatalf("status %d: %v", resp.StatusCode, out)
	}
	if waited := time.Since(begin); waited < 50*time.Millisecond {
		t.Errorf("answered after %v, before the latency", waited)
	}
	choice := out["choices"].([]any)[0].(map[string]any)
	if got := choice["message"].(map[string]any)["content"]; got != `{"seen":"hi"}` {
		t.Errorf("content %v", got)
	}
	if out["model"] != "m" || out["usage"].(map[string]any)["total_tokens"].(float64) <= 0 {
		t.Errorf("model/usage: %v", out)
	}
	if s.Requests() != 1 || s.Tokens() <= 0 {
		t.Errorf("counters: %d requests, %d tokens", s.Requests(), s.Tokens())
	}
}

func TestErrorsAndFaults(t *testing.T) {
	s, err := Start(Options{APIKey: "k"})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	body := `{"messages":[{"role":"user","content":"hi"}]}`

	resp, out := post(t, s, "wrong", body)
	if resp.StatusCode != 401 || out["error"].(map[string]any)["code"] != "invalid_api_key" {
		t.Errorf("bad key: %d %v", resp.StatusCode, out)
	}
	resp, out = post(t, s, "k", `{"messages":[]}`)
	if resp.StatusCode != 400 || out["error"] == nil {
		t.Errorf("no messages: %d %v", resp.StatusCode, out)
	}

	s.FailNext(Fault{Status: 429, RetryAfter: 1500 * time.Millisecond}, Fault{Status: 503})
	resp, out = post(t, s, "k", body)
	if resp.StatusCode != 429 || resp.Header.Get("Retry-After") != "2" || out["error"].(map[string]any)["code"] != "rate_limit_exceeded" {
		t.Errorf("429: %d %q %v", resp.StatusCode, resp.Header.Get("Retry-After"), out)
	}
	if resp, out = post(t, s, "k", body); resp.StatusCode != 503 || out["error"].(map[string]any)["type"] != "server_error" {
		t.Errorf("503: %d %v", resp.StatusCode, out)
	}
	if resp, out = post(t, s, "k", body); resp.StatusCode != 200 {
		t.Errorf("after the faults: %d %v", resp.StatusCode, out)
	}
}

func TestLackingFeaturesAndToolCalls(t *testing.T) {
	s, err := Start(Options{Lacks: []Capability{CapJSONSchema}, Respond: func(ChatRequest) (Reply, error) {
		return Reply{Content: `{"a":1}`, FinishReason: "length"}, nil
	}})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()

	resp, out := post(t, s, "", `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_schema","json_schema":{"name":"x"}}}`)
	if resp.StatusCode != 400 || out["error"].(map[string]any)["param"] != "response_format" {
		t.Errorf("json_schema on a server without it: %d %v", resp.StatusCode, out)
	}
	resp, out = post(t, s, "", `{"messages":[{"role":"user","content":"hi"}],"response_format":{"type":"json_object"}}`)
	choice := out["choices"].([]any)[0].(map[string]any)
	if resp.StatusCode != 200 || choice["finish_reason"] != "length" {
		t.Errorf("json_object: %d %v", resp.StatusCode, out)
	}
	resp, out = post(t, s, "", `{"messages":[{"role":"user","content":"hi"}],"tools":[{"type":"function","function":{"name":"record_lead"}}]}`)
	call := out["choices"].([]any)[0].(map[string]any)["message"].(map[string]any)["tool_calls"].([]any)[0].(map[string]any)["function"].(map[string]any)
	if resp.StatusCode != 200 || call["name"] != "record_lead" || call["arguments"] != `{"a":1}` {
		t.Errorf("tool call: %d %v", resp.StatusCode, out)
	}
	if n := len(s.Bodies()); n != 3 {
		t.Errorf("kept %d bodies, want 3", n)
	}
}
