package crmadapters

import (
	"context"
	"errors"
)

// ErrUnknownRef is an id map asked about a CRM record it never saw.
var ErrUnknownRef = errors.New("crm: no Leadflow record for this CRM id")

// IDs is Leadflow's own map of which CRM record each of its keys became, per CRM and kind
// ("contact", "lead", "note", "task", "person", …). Adapters of CRMs without a native upsert use it
// to create each record once; webhooks use it to find the lead a CRM record belongs to.
type IDs interface {
	// Claim marks key as about to be created. It returns the CRM id already remembered for it, if
	// any, and whether an earlier attempt claimed the key without learning an id: that attempt may
	// have created the record and lost the answer.
	Claim(ctx context.Context, crm, kind, key string) (id string, claimedBefore bool, err error)
	// Remember records the CRM's id for key.
	Remember(ctx context.Context, crm, kind, key, id string) error
	// Lookup finds the CRM id remembered for key; "" when none is.
	Lookup(ctx context.Context, crm, kind, key string) (string, error)
	// Key finds the Leadflow key of a CRM record; ErrUnknownRef when there is none.
	Key(ctx context.Context, crm, kind, id string) (string, error)
}

// Once creates a record at most once per key on a CRM that cannot upsert it. A first attempt
// claims the key, creates, and remembers the id. An attempt that finds the claim without an id
// does not know whether the earlier create reached the CRM, so it asks the CRM first (find
// searches by the key the record carries) and creates only when nothing is there.
func Once(ctx context.Context, ids IDs, crm, kind, key string,
	find func(ctx context.Context) (id string, found bool, err error),
	create func(ctx context.Context) (id string, err error),
) (string, error) {
	id, claimed, err := ids.Claim(ctx, crm, kind, key)
	if err != nil || id != "" {
		return id, err
	}
	if claimed {
		found := false
		if id, found, err = find(ctx); err != nil {
			return "", err
		}
		if found {
			return id, ids.Remember(ctx, crm, kind, key, id)
		}
	}
	if id, err = create(ctx); err != nil {
		return "", err
	}
	return id, ids.Remember(ctx, crm, kind, key, id)
}
