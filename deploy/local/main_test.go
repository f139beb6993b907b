package main

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestAdminKeyIsCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), adminKeyFile)
	first, err := loadOrCreateAdminKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(first, "lf_") || len(first) < 40 {
		t.Errorf("generated key %q: want lf_ and 32 random bytes", first)
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("key file mode %v, want 0600", mode)
	}
	second, err := loadOrCreateAdminKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if second != first {
		t.Errorf("second run got %q, want the stored %q", second, first)
	}

	other, err := loadOrCreateAdminKey(filepath.Join(t.TempDir(), adminKeyFile))
	if err != nil {
		t.Fatal(err)
	}
	if other == first {
		t.Error("two data dirs got the same key")
	}
}

func TestAdminKeyEmptyFileIsReplaced(t *testing.T) {
	path := filepath.Join(t.TempDir(), adminKeyFile)
	if err := os.WriteFile(path, []byte("\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	key, err := loadOrCreateAdminKey(path)
	if err != nil {
		t.Fatal(err)
	}
	if key == "" {
		t.Fatal("empty key")
	}
	if fi, _ := os.Stat(path); fi.Mode().Perm() != 0o600 {
		t.Errorf("key file mode %v, want 0600", fi.Mode().Perm())
	}
}

func TestPostgresPortIsRememberedWhileFree(t *testing.T) {
	path := filepath.Join(t.TempDir(), pgPortFile)
	if got := rememberedPort(path); got != 0 {
		t.Errorf("no file: got %d, want 0 (pick a free port)", got)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	port := l.Addr().(*net.TCPAddr).Port
	if err := savePort(path, port); err != nil {
		t.Fatal(err)
	}
	if got := rememberedPort(path); got != 0 {
		t.Errorf("remembered port %d is taken: got %d, want 0", port, got)
	}
	_ = l.Close()
	if got := rememberedPort(path); got != port {
		t.Errorf("remembered port %d is free: got %d", port, got)
	}

	for _, junk := range []string{"", "x", "-1", "70000"} {
		if err := os.WriteFile(path, []byte(junk), 0o644); err != nil {
			t.Fatal(err)
		}
		if got := rememberedPort(path); got != 0 {
			t.Errorf("file %q: got %d, want 0", junk, got)
		}
	}
}

func TestDataDirLock(t *testing.T) {
	dir := t.TempDir()
	unlock, err := lockDataDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := lockDataDir(dir); err == nil || !strings.Contains(err.Error(), "in use") {
		t.Errorf("second lock: got %v, want an in-use error", err)
	}
	unlock()
	unlock2, err := lockDataDir(dir)
	if err != nil {
		t.Fatalf("lock after unlock: %v", err)
	}
	unlock2()
}

func TestLocalURL(t *testing.T) {
	for addr, want := range map[string]string{
		"127.0.0.1:8080":  "http://127.0.0.1:8080",
		":8080":           "http://127.0.0.1:8080",
		"0.0.0.0:9000":    "http://127.0.0.1:9000",
		"[::]:9000":       "http://127.0.0.1:9000",
		"localhost:18080": "http://localhost:18080",
	} {
		got, err := localURL(addr)
		if err != nil || got != want {
			t.Errorf("localURL(%q) = %q, %v; want %q", addr, got, err, want)
		}
	}
	for _, bad := range []string{"8080", "127.0.0.1:0"} {
		if _, err := localURL(bad); err == nil {
			t.Errorf("localURL(%q): want an error", bad)
		}
	}
}

func TestWebhookSecretIsCreatedOnceAndReused(t *testing.T) {
	path := filepath.Join(t.TempDir(), webhookSecretFile)
	first, err := loadOrCreateWebhookSecret(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(first) < 40 {
		t.Errorf("generated secret has %d bytes: want 32 random bytes, encoded", len(first))
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if mode := fi.Mode().Perm(); mode != 0o600 {
		t.Errorf("secret file mode %v, want 0600", mode)
	}
	second, err := loadOrCreateWebhookSecret(path)
	if err != nil || second != first {
		t.Errorf("second run got %v, want the stored secret", err)
	}

	// A secret too short to sign with is refused, not used.
	if err := os.WriteFile(path, []byte("short\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadOrCreateWebhookSecret(path); err == nil || !strings.Contains(err.Error(), "shorter") {
		t.Errorf("short secret: got %v, want an error", err)
	}
}
