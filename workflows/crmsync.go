package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"

	"github.com/leadflow/leadflow/activities"
)

// crmSyncs keeps the lead in step in each external CRM the worker is configured with. Each CRM
// syncs on its own coroutine and activity, so one CRM's outage holds back neither the lead nor the
// other CRMs; one sync runs at a time per CRM, and a change made while it ran starts another
// after it. The CRMs come from WriteCRM's recorded result: a run that wrote no external CRM
// schedules nothing, and its history is what it was before external CRMs existed.
type crmSyncs struct {
	names   []string // the CRMs this lead is written to, as WriteCRM named them; carried across runs
	dirty   map[string]bool
	running map[string]bool
}

// syncCRMs marks the lead changed in every named CRM and starts the syncs not running.
func (c *conversation) syncCRMs(ctx workflow.Context, names []string) {
	if c.leadID == "" || len(names) == 0 {
		return
	}
	if c.crm.dirty == nil {
		c.crm.dirty, c.crm.running = map[string]bool{}, map[string]bool{}
	}
	for _, name := range names {
		if !slices.Contains(c.crm.names, name) {
			c.crm.names = append(c.crm.names, name)
		}
		c.crm.dirty[name] = true
		if c.crm.running[name] {
			continue
		}
		c.crm.running[name] = true
		workflow.Go(ctx, func(ctx workflow.Context) {
			defer func() { c.crm.running[name] = false }()
			for c.crm.dirty[name] {
				c.crm.dirty[name] = false
				err := workflow.ExecuteActivity(withOptions(ctx, crmOptions()), a.SyncCRM,
					activities.SyncCRMInput{CRM: name, LeadID: c.leadID}).Get(ctx, nil)
				if err != nil {
					// Lead.crm and the audit log show why; `leadflow crm reconcile` repairs it later.
					c.logger.Warn("The lead was not written to an external CRM", "CRM", name, "Error", err)
				}
			}
		})
	}
}

// crmIdle reports whether no sync is running; a run continues as new or completes only then, so
// no write is abandoned.
func (c *conversation) crmIdle() bool {
	for _, name := range c.crm.names {
		if c.crm.running[name] {
			return false
		}
	}
	return true
}

// crmOptions: an external CRM may be down or throttling for hours. Its write is retried for a day
// at the pace its rate-limit answers ask; after that Lead.crm shows it, and reconciliation
// repairs it. Mapping errors, refusals and reviews are not retried: they need a person.
func crmOptions() workflow.ActivityOptions {
	p := retry(0)
	p.InitialInterval, p.MaximumInterval = 2*time.Second, 10*time.Minute
	p.NonRetryableErrorTypes = append(p.NonRetryableErrorTypes,
		activities.ErrTypeCRMMapping, activities.ErrTypeCRMRejected, activities.ErrTypeCRMReview)
	return workflow.ActivityOptions{
		StartToCloseTimeout:    2 * time.Minute,
		ScheduleToCloseTimeout: 24 * time.Hour,
		RetryPolicy:            p,
	}
}
