package main

import (
	"context"
	"crypto/sha256"
	"sync"
	"time"

	"github.com/leadflow/leadflow/internal/store"
)

// keyCacheTTL is how long a valid key is trusted without asking Postgres again: a revoked key
// keeps working for at most this long. Looking every key up was five of the pipeline's 44
// statements per lead (docs/performance.md).
const keyCacheTTL = 30 * time.Second

// keyCacheMax bounds the cache; when full it starts over (a flood of distinct valid keys is not a
// pattern worth more code).
const keyCacheMax = 10000

// keyCache remembers valid keys by the hash of the presented secret. Unknown keys are not cached:
// they always reach Postgres, so a key created a moment ago works at once.
type keyCache struct {
	lookup func(ctx context.Context, plain string) (store.APIKey, error)
	now    func() time.Time

	mu   sync.Mutex
	keys map[[sha256.Size]byte]cachedKey
}

type cachedKey struct {
	key     store.APIKey
	expires time.Time
}

func newKeyCache(lookup func(context.Context, string) (store.APIKey, error)) *keyCache {
	return &keyCache{lookup: lookup, now: time.Now, keys: map[[sha256.Size]byte]cachedKey{}}
}

func (k *keyCache) get(ctx context.Context, plain string) (store.APIKey, error) {
	h := sha256.Sum256([]byte(plain))
	now := k.now()
	k.mu.Lock()
	c, ok := k.keys[h]
	k.mu.Unlock()
	if ok && now.Before(c.expires) {
		return c.key, nil
	}
	key, err := k.lookup(ctx, plain)
	if err != nil {
		return store.APIKey{}, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if len(k.keys) >= keyCacheMax {
		k.keys = map[[sha256.Size]byte]cachedKey{}
	}
	k.keys[h] = cachedKey{key: key, expires: now.Add(keyCacheTTL)}
	return key, nil
}
