package localstack

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"testing"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"
)

func requireTemporalBinary(t *testing.T) {
	t.Helper()
	if _, err := findTemporalBinary(""); errors.Is(err, ErrTemporalNotFound) {
		t.Skip("temporal CLI not found (build it into <repo>/bin/temporal)")
	}
}

func startTemporal(t *testing.T, opts TemporalOptions) *Temporal {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	begin := time.Now()
	tp, err := StartTemporal(ctx, opts)
	if err != nil {
		t.Fatalf("StartTemporal: %v", err)
	}
	t.Logf("temporal ready on %s in %v (pid %d)", tp.HostPort(), time.Since(begin).Round(time.Millisecond), tp.PID())
	t.Cleanup(func() { _ = tp.Stop() })
	return tp
}

func listSearchAttributes(t *testing.T, tp *Temporal) map[string]enumspb.IndexedValueType {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := client.DialContext(ctx, client.Options{
		HostPort:  tp.HostPort(),
		Namespace: tp.Namespace(),
		Logger:    tlog.NewStructuredLogger(slog.New(slog.DiscardHandler)),
	})
	if err != nil {
		t.Fatalf("dial: %v", err)
	}
	defer c.Close()
	resp, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: tp.Namespace()})
	if err != nil {
		t.Fatalf("ListSearchAttributes: %v", err)
	}
	return resp.GetCustomAttributes()
}

func temporalPort(t *testing.T, tp *Temporal) int {
	t.Helper()
	_, p, err := net.SplitHostPort(tp.HostPort())
	if err != nil {
		t.Fatal(err)
	}
	n, _ := strconv.Atoi(p)
	return n
}

func TestTemporalHeadless(t *testing.T) {
	requireTemporalBinary(t)
	t.Parallel()
	tp := startTemporal(t, TemporalOptions{
		Headless:         true,
		SearchAttributes: map[string]string{"LeadStatus": "Keyword", "LeadScore": "int"},
		DynamicConfig:    map[string]string{"limit.maxIDLength": "1000"},
	})
	if tp.UIURL() != "" || tp.Namespace() != "default" {
		t.Errorf("UIURL=%q Namespace=%q", tp.UIURL(), tp.Namespace())
	}
	got := listSearchAttributes(t, tp)
	if got["LeadStatus"] != enumspb.INDEXED_VALUE_TYPE_KEYWORD || got["LeadScore"] != enumspb.INDEXED_VALUE_TYPE_INT {
		t.Errorf("custom search attributes = %v", got)
	}
	logFile, pid, port := tp.LogFile(), tp.PID(), temporalPort(t, tp)
	if err := stopTimed(t, tp.Stop); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	if err := tp.Stop(); err != nil {
		t.Fatalf("second Stop: %v", err)
	}
	assertGone(t, "temporal", pid, port)
	if _, err := os.Stat(logFile); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("temporary log %s not removed: %v", logFile, err)
	}
}

// TestTemporalPersistentRestart restarts a server on the same DB file with
// one more search attribute: the already registered ones must not make the
// start fail, and the new one must be added. The second start runs the UI.
func TestTemporalPersistentRestart(t *testing.T) {
	requireTemporalBinary(t)
	t.Parallel()
	dir := t.TempDir()
	opts := TemporalOptions{
		DBFile:           filepath.Join(dir, "temporal.db"),
		LogFile:          filepath.Join(dir, "temporal.log"),
		Headless:         true,
		Namespace:        "leadflow",
		SearchAttributes: map[string]string{"LeadStatus": "Keyword"},
	}
	tp := startTemporal(t, opts)
	if err := stopTimed(t, tp.Stop); err != nil {
		t.Fatalf("Stop: %v", err)
	}

	opts.Headless = false
	opts.SearchAttributes = map[string]string{"LeadStatus": "Keyword", "LeadOwner": "Text"}
	tp = startTemporal(t, opts)
	got := listSearchAttributes(t, tp)
	if got["LeadStatus"] != enumspb.INDEXED_VALUE_TYPE_KEYWORD || got["LeadOwner"] != enumspb.INDEXED_VALUE_TYPE_TEXT {
		t.Errorf("custom search attributes after restart = %v", got)
	}
	if tp.UIURL() == "" {
		t.Fatal("UIURL empty with Headless=false")
	}
	resp, err := http.Get(tp.UIURL())
	if err != nil {
		t.Fatalf("UI: %v", err)
	}
	_, _ = io.Copy(io.Discard, resp.Body)
	_ = resp.Body.Close()
	if resp.StatusCode >= 500 {
		t.Errorf("UI status %d", resp.StatusCode)
	}
	pid, port := tp.PID(), temporalPort(t, tp)
	if err := stopTimed(t, tp.Stop); err != nil {
		t.Fatalf("Stop: %v", err)
	}
	assertGone(t, "temporal", pid, port)
}
