package store

import (
	"context"
	"encoding/json"

	"github.com/jmoiron/sqlx"
)

// audit records who did what to which record. detail must hold ids and enums only, never personal
// data. An audit write that fails inside a transaction fails the transaction; outside one it is
// best-effort (the action itself already happened).
func (s *Store) audit(ctx context.Context, ex sqlx.ExecerContext, actor, action, kind, id string, detail map[string]any) error {
	if detail == nil {
		detail = map[string]any{}
	}
	b, err := json.Marshal(detail)
	if err != nil {
		return err
	}
	_, err = ex.ExecContext(ctx, `INSERT INTO audit_log (actor, action, subject_kind, subject_id, detail) VALUES ($1, $2, $3, $4, $5)`,
		actor, action, kind, id, string(b))
	return mapErr(err)
}
