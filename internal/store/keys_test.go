package store_test

import (
	"crypto/sha256"
	"strings"
	"testing"

	"github.com/lib/pq"
	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/store"
)

func TestAPIKeys(t *testing.T) {
	ctx, st := newStore(t)
	const plainRep = "lf_rep_0123456789abcdef0123456789abcdef"
	const plainIngest = "lf_ing_fedcba9876543210fedcba9876543210"
	require.NoError(t, st.CreateKey(ctx, store.APIKey{KeyID: "k-rep", Name: "crm sync", Scopes: pq.StringArray{"rep"}}, plainRep))
	require.NoError(t, st.CreateKey(ctx, store.APIKey{KeyID: "k-ing", Name: "chatbot", Scopes: pq.StringArray{"ingest", "rep"}}, plainIngest))

	t.Run("found with scopes", func(t *testing.T) {
		k, err := st.KeyByPlain(ctx, plainIngest)
		require.NoError(t, err)
		assert.Equal(t, "k-ing", k.KeyID)
		assert.Equal(t, "chatbot", k.Name)
		assert.Equal(t, pq.StringArray{"ingest", "rep"}, k.Scopes)
	})
	t.Run("unknown key", func(t *testing.T) {
		for _, plain := range []string{"", "nope", plainRep + "x", strings.ToUpper(plainRep)} {
			_, err := st.KeyByPlain(ctx, plain)
			assert.ErrorIs(t, err, store.ErrNotFound, "%q", plain)
		}
	})
	t.Run("duplicate id or key conflicts", func(t *testing.T) {
		err := st.CreateKey(ctx, store.APIKey{KeyID: "k-rep", Name: "again", Scopes: pq.StringArray{"admin"}}, "other-plain")
		assert.ErrorIs(t, err, store.ErrConflict)
		err = st.CreateKey(ctx, store.APIKey{KeyID: "k-new", Name: "same key", Scopes: pq.StringArray{"admin"}}, plainRep)
		assert.ErrorIs(t, err, store.ErrConflict)
	})
	t.Run("plain keys are stored nowhere", func(t *testing.T) {
		var rows []string
		require.NoError(t, st.DB().Select(&rows, `SELECT k::text FROM api_keys k UNION ALL SELECT a::text FROM audit_log a`))
		require.NotEmpty(t, rows)
		for _, r := range rows {
			for _, plain := range []string{plainRep, plainIngest} {
				assert.NotContains(t, r, plain)
			}
		}
		var hash []byte
		require.NoError(t, st.DB().Get(&hash, `SELECT key_hash FROM api_keys WHERE key_id = 'k-rep'`))
		want := sha256.Sum256([]byte(plainRep))
		assert.Equal(t, want[:], hash)
	})
}

func TestUpsertKeyReplacesBootstrapKey(t *testing.T) {
	ctx, st := newStore(t)
	admin := store.APIKey{KeyID: "bootstrap", Name: "LEADFLOW_ADMIN_KEY", Scopes: pq.StringArray{"admin", "ingest", "rep"}}
	require.NoError(t, st.UpsertKey(ctx, admin, "old-admin-key"))
	k, err := st.KeyByPlain(ctx, "old-admin-key")
	require.NoError(t, err)
	assert.Equal(t, admin.Scopes, k.Scopes)

	// Same key again (a restart with an unchanged env) is fine.
	require.NoError(t, st.UpsertKey(ctx, admin, "old-admin-key"))
	// The operator rotates LEADFLOW_ADMIN_KEY.
	require.NoError(t, st.UpsertKey(ctx, admin, "new-admin-key"))
	_, err = st.KeyByPlain(ctx, "old-admin-key")
	assert.ErrorIs(t, err, store.ErrNotFound, "the old bootstrap key must stop working")
	k, err = st.KeyByPlain(ctx, "new-admin-key")
	require.NoError(t, err)
	assert.Equal(t, "bootstrap", k.KeyID)
	assert.Equal(t, 1, count(t, st, `SELECT count(*) FROM api_keys`))
	assert.Zero(t, count(t, st, `SELECT count(*) FROM api_keys k WHERE k::text LIKE '%admin-key%'`))
}
