package crmadapters

import (
	"context"
	"errors"
	"fmt"
	"io"
	"maps"
	"slices"
	"text/tabwriter"
	"time"

	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/store"
)

// NewLead reads a lead as every CRM receives it: the built-in CRM's document, its owner's e-mail,
// and the link to its conversation on the gateway (publicURL).
func NewLead(ctx context.Context, st *store.Store, leadID, publicURL string) (Lead, error) {
	doc, err := st.Lead(ctx, leadID)
	if err != nil {
		return Lead{}, err
	}
	l := Lead{Doc: doc, TranscriptURL: publicURL + "/v1/leads/" + doc.LeadID}
	if len(doc.ConversationIDs) > 0 {
		l.TranscriptURL = publicURL + "/v1/conversations/" + doc.ConversationIDs[0]
	}
	if doc.Assignment != nil {
		rep, err := st.RepByID(ctx, doc.Assignment.RepID)
		if err != nil && !errors.Is(err, store.ErrNotFound) {
			return Lead{}, err
		}
		if rep.Email != nil {
			l.OwnerEmail = *rep.Email
		}
	}
	return l, nil
}

// Drift is a lead whose record in an external CRM is not what the built-in CRM says it should be.
type Drift struct {
	LeadID string `json:"lead_id"`
	CRM    string `json:"crm"`
	// Kind is what differs: missing (the CRM has no record of the lead), stage (its stage is not the
	// lead's status), ref (the CRM's record is not the one Leadflow wrote).
	Kind     string `json:"kind"`
	Want     string `json:"want,omitempty"`
	Got      string `json:"got,omitempty"`
	Repaired bool   `json:"repaired"`
	Error    string `json:"error,omitempty"`
}

// Report is what a reconciliation found and did.
type Report struct {
	Leads    int     `json:"leads"`
	CRMs     int     `json:"crms"`
	Drifts   []Drift `json:"drifts"`
	Repaired int     `json:"repaired"`
	Failed   int     `json:"failed"`
}

// Reconciler compares leads in the built-in CRM with what each external CRM holds and, unless
// DryRun, repairs each drift by syncing the lead again (the same idempotent Sync the workflow runs).
type Reconciler struct {
	Store     *store.Store
	CRMs      map[string]Adapter
	IDs       IDs
	PublicURL string
	DryRun    bool
	Now       func() time.Time
}

// Run reconciles the leads by id.
func (r *Reconciler) Run(ctx context.Context, leadIDs []string) (Report, error) {
	rep := Report{Leads: len(leadIDs), CRMs: len(r.CRMs), Drifts: []Drift{}}
	statuses, err := r.Store.LeadStatuses(ctx, leadIDs)
	if err != nil {
		return rep, err
	}
	for _, name := range slices.Sorted(maps.Keys(r.CRMs)) {
		a := r.CRMs[name]
		remote, err := a.ReadLeads(ctx, leadIDs)
		if err != nil {
			return rep, fmt.Errorf("%s: read leads: %w", name, err)
		}
		for _, id := range leadIDs {
			status, ok := statuses[id]
			if !ok {
				continue
			}
			d, drifted, err := r.check(ctx, a, id, status, remote)
			if err != nil {
				return rep, err
			}
			if !drifted {
				continue
			}
			if !r.DryRun {
				if err := r.repair(ctx, a, id); err != nil {
					d.Error = err.Error()
					rep.Failed++
				} else {
					d.Repaired = true
					rep.Repaired++
				}
			}
			rep.Drifts = append(rep.Drifts, d)
		}
	}
	return rep, nil
}

func (r *Reconciler) check(ctx context.Context, a Adapter, leadID string, status lead.Status, remote map[string]RemoteLead) (Drift, bool, error) {
	d := Drift{LeadID: leadID, CRM: a.Name()}
	got, ok := remote[leadID]
	if !ok {
		d.Kind = "missing"
		return d, true, nil
	}
	known, err := r.IDs.Lookup(ctx, a.Name(), KindLead, leadID)
	if err != nil {
		return d, false, err
	}
	if known != "" && known != got.Ref {
		d.Kind, d.Want, d.Got = "ref", known, got.Ref
		return d, true, nil
	}
	if m, ok := a.(Mapped); ok {
		if want := m.Mapping().Stage(status); want != "" && want != got.Stage {
			d.Kind, d.Want, d.Got = "stage", want, got.Stage
			return d, true, nil
		}
	}
	return d, false, nil
}

// repair syncs the lead again and records where it now is.
func (r *Reconciler) repair(ctx context.Context, a Adapter, leadID string) error {
	l, err := NewLead(ctx, r.Store, leadID, r.PublicURL)
	if err != nil {
		return err
	}
	ref, err := Sync(ctx, a, r.IDs, l)
	if err != nil {
		return err
	}
	now := time.Now().UTC()
	if r.Now != nil {
		now = r.Now().UTC()
	}
	ref.SyncedAt = &now
	return r.Store.SaveCRMSync(ctx, store.CRMSync{LeadID: leadID, CRM: a.Name(), Ref: ref})
}

// Print writes the report as a table.
func (rep Report) Print(w io.Writer) {
	fmt.Fprintf(w, "%d leads checked in %d CRMs: %d drifted, %d repaired, %d failed\n", rep.Leads, rep.CRMs, len(rep.Drifts), rep.Repaired, rep.Failed)
	if len(rep.Drifts) == 0 {
		return
	}
	tw := tabwriter.NewWriter(w, 0, 4, 2, ' ', 0)
	fmt.Fprintln(tw, "CRM\tLEAD\tDRIFT\tWANT\tGOT\tREPAIRED\tERROR")
	for _, d := range rep.Drifts {
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\t%s\t%t\t%s\n", d.CRM, d.LeadID, d.Kind, d.Want, d.Got, d.Repaired, d.Error)
	}
	_ = tw.Flush()
}
