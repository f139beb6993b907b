package config

import (
	"strings"
	"testing"
	"time"
)

func TestLoadDefaults(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil {
		t.Fatal(err)
	}
	if c.HTTPAddr != "127.0.0.1:8080" || c.TemporalAddress != "127.0.0.1:7233" || c.QuietPeriod != 2*time.Minute || c.DataDir != ".data" {
		t.Fatalf("unexpected defaults: %+v", c)
	}
}

func TestLoadOverridesAndErrors(t *testing.T) {
	env := map[string]string{
		"LEADFLOW_TEMPORAL_PORT": "7300",
		"LEADFLOW_QUIET_PERIOD":  "30s",
	}
	c, err := load(func(k string) string { return env[k] })
	if err != nil {
		t.Fatal(err)
	}
	if c.TemporalAddress != "127.0.0.1:7300" || c.QuietPeriod != 30*time.Second {
		t.Fatalf("overrides not applied: %+v", c)
	}

	env = map[string]string{"LEADFLOW_QUIET_PERIOD": "soon", "LEADFLOW_PG_PORT": "-1"}
	_, err = load(func(k string) string { return env[k] })
	if err == nil || !strings.Contains(err.Error(), "LEADFLOW_QUIET_PERIOD") || !strings.Contains(err.Error(), "LEADFLOW_PG_PORT") {
		t.Fatalf("want both malformed values reported, got %v", err)
	}
}

func TestLoadLLM(t *testing.T) {
	c, err := load(func(string) string { return "" })
	if err != nil || c.LLMBaseURL != "" || c.LLMWait != 3*time.Second {
		t.Fatalf("no model by default, 3s wait: %+v, %v", c, err)
	}
	env := map[string]string{"LLM_BASE_URL": "http://localhost:11434/v1", "LLM_MODEL": "qwen2.5", "LLM_API_KEY": "k", "LLM_WAIT": "500ms"}
	if c, err = load(func(k string) string { return env[k] }); err != nil || c.LLMModel != "qwen2.5" || c.LLMWait != 500*time.Millisecond {
		t.Fatalf("model settings: %+v, %v", c, err)
	}
	env = map[string]string{"LLM_BASE_URL": "http://localhost:11434/v1"}
	if _, err = load(func(k string) string { return env[k] }); err == nil || !strings.Contains(err.Error(), "LLM_MODEL") {
		t.Fatalf("a base URL without a model must be refused, got %v", err)
	}
}
