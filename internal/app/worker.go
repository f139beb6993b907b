// Package app wires Leadflow's parts together the one way the worker binary, the local stack and
// the end-to-end tests all use.
package app

import (
	"net/http"
	"time"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/crmadapters"
	"github.com/leadflow/leadflow/internal/config"
	"github.com/leadflow/leadflow/internal/llm"
	"github.com/leadflow/leadflow/internal/store"
	"github.com/leadflow/leadflow/workflows"
)

// NewActivities builds the pipeline's activities over the store, with the language model when
// the configuration names one and the outbound channels (webhook secret, SMTP, Telegram) it
// configures; a channel configured wrongly is an error.
func NewActivities(st *store.Store, cfg config.Config) (*activities.Activities, error) {
	acts := &activities.Activities{
		Store:     st,
		CRM:       &crmadapters.Builtin{Store: st},
		CRMIDs:    st.CRMIDs(),
		PublicURL: cfg.PublicURL,
		HTTP:      &http.Client{Timeout: 10 * time.Second},
		LLMWait:   cfg.LLMWait,
		Policy:    cfg.Policy,
	}
	if cfg.LLMBaseURL != "" {
		c, err := llm.New(llm.Config{BaseURL: cfg.LLMBaseURL, APIKey: cfg.LLMAPIKey, Model: cfg.LLMModel})
		if err != nil {
			return nil, err
		}
		acts.LLM = c
	}
	external, err := ExternalCRMs(cfg, acts.CRMIDs)
	if err != nil {
		return nil, err
	}
	acts.External = external
	out, err := activities.NewOutbound(cfg.Outbound, acts.HTTP)
	if err != nil {
		return nil, err
	}
	acts.Outbound = out
	return acts, nil
}

// NewWorker registers the conversation workflow and its activities on the task queue.
func NewWorker(c client.Client, acts *activities.Activities) worker.Worker {
	w := worker.New(c, workflows.TaskQueue, WorkerOptions())
	w.RegisterWorkflow(workflows.Conversation)
	w.RegisterActivity(acts)
	return w
}

// WorkerOptions are the conversation worker's settings; the benchmark's baseline worker uses the
// same ones, so the two are compared on equal terms. docs/performance.md explains each value.
func WorkerOptions() worker.Options {
	return worker.Options{MaxConcurrentWorkflowTaskPollers: 8, MaxConcurrentActivityTaskPollers: 8}
}
