package store

import (
	"context"
	"crypto/sha256"
	"fmt"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
)

// APIKey is a caller's credential: its scopes, never the key itself.
type APIKey struct {
	KeyID  string         `db:"key_id"`
	Name   string         `db:"name"`
	Scopes pq.StringArray `db:"scopes"`
}

// HashKey is how keys are stored and looked up. Keys are long random strings, so a plain SHA-256
// is enough (no password-style stretching is needed for 256 bits of entropy).
func HashKey(plain string) []byte {
	h := sha256.Sum256([]byte(plain))
	return h[:]
}

// UpsertKey stores a key by its hash under keyID, replacing an earlier key with that id: the
// bootstrap admin key follows LEADFLOW_ADMIN_KEY across restarts.
func (s *Store) UpsertKey(ctx context.Context, k APIKey, plain string) error {
	_, err := s.db.ExecContext(ctx, `
		INSERT INTO api_keys (key_id, name, key_hash, scopes) VALUES ($1, $2, $3, $4)
		ON CONFLICT (key_id) DO UPDATE SET name = EXCLUDED.name, key_hash = EXCLUDED.key_hash,
		    scopes = EXCLUDED.scopes, revoked_at = NULL`,
		k.KeyID, k.Name, HashKey(plain), k.Scopes)
	if err != nil {
		return fmt.Errorf("upsert api key: %w", mapErr(err))
	}
	return nil
}

// CreateKey stores a new key; ErrConflict if the id or the key already exists.
func (s *Store) CreateKey(ctx context.Context, k APIKey, plain string) error {
	err := s.inTx(ctx, func(tx *sqlx.Tx) error {
		if _, err := tx.ExecContext(ctx, `INSERT INTO api_keys (key_id, name, key_hash, scopes) VALUES ($1, $2, $3, $4)`,
			k.KeyID, k.Name, HashKey(plain), k.Scopes); err != nil {
			return mapErr(err)
		}
		return s.audit(ctx, tx, "admin", "api_key.created", "api_key", k.KeyID, map[string]any{"scopes": k.Scopes})
	})
	if err != nil {
		return fmt.Errorf("create api key: %w", err)
	}
	return nil
}

// KeyByPlain finds the live key a caller presented; ErrNotFound when there is none.
func (s *Store) KeyByPlain(ctx context.Context, plain string) (APIKey, error) {
	var k APIKey
	err := s.db.GetContext(ctx, &k, `SELECT key_id, name, scopes FROM api_keys WHERE key_hash = $1 AND revoked_at IS NULL`, HashKey(plain))
	if err != nil {
		return APIKey{}, fmt.Errorf("api key: %w", mapErr(err))
	}
	return k, nil
}
