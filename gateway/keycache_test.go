package main

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/leadflow/leadflow/internal/store"
)

func TestKeyCacheTrustsAValidKeyForTheTTLOnly(t *testing.T) {
	lookups := 0
	valid := map[string]store.APIKey{"good": {KeyID: "k1"}}
	c := newKeyCache(func(_ context.Context, plain string) (store.APIKey, error) {
		lookups++
		if k, ok := valid[plain]; ok {
			return k, nil
		}
		return store.APIKey{}, store.ErrNotFound
	})
	clock := time.Date(2026, 11, 21, 9, 0, 0, 0, time.UTC)
	c.now = func() time.Time { return clock }
	ctx := context.Background()

	for range 3 {
		if k, err := c.get(ctx, "good"); err != nil || k.KeyID != "k1" {
			t.Fatalf("good key: %+v %v", k, err)
		}
	}
	if lookups != 1 {
		t.Errorf("%d lookups for three uses inside the TTL, want 1", lookups)
	}
	for range 2 {
		if _, err := c.get(ctx, "bad"); !errors.Is(err, store.ErrNotFound) {
			t.Fatalf("bad key: %v", err)
		}
	}
	if lookups != 3 {
		t.Errorf("unknown keys must always be looked up (a new key works at once): %d lookups", lookups)
	}

	delete(valid, "good") // revoked
	clock = clock.Add(keyCacheTTL + time.Second)
	if _, err := c.get(ctx, "good"); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("revoked key after the TTL: %v, want not found", err)
	}
}

func TestKeyCacheStaysBounded(t *testing.T) {
	c := newKeyCache(func(_ context.Context, plain string) (store.APIKey, error) { return store.APIKey{KeyID: plain}, nil })
	for i := range keyCacheMax + 10 {
		if _, err := c.get(context.Background(), string(rune(i))); err != nil {
			t.Fatal(err)
		}
	}
	if n := len(c.keys); n > keyCacheMax {
		t.Errorf("%d cached keys, want at most %d", n, keyCacheMax)
	}
}
