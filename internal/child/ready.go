package child

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// WaitReady polls url until it answers 200, a child exits, ctx ends or timeout passes.
func WaitReady(ctx context.Context, url string, timeout time.Duration, children ...*Process) error {
	deadline := time.Now().Add(timeout)
	client := &http.Client{Timeout: 2 * time.Second}
	last := "no answer"
	for {
		for _, c := range children {
			if c.Exited() {
				return c.UnexpectedExit()
			}
		}
		if status, body, err := get(ctx, client, url); err != nil {
			last = err.Error()
		} else if status == http.StatusOK {
			return nil
		} else {
			last = fmt.Sprintf("%d %s", status, body)
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s did not answer 200 within %v (last: %s)", url, timeout, last)
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(250 * time.Millisecond):
		}
	}
}

func get(ctx context.Context, client *http.Client, url string) (int, string, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
	if err != nil {
		return 0, "", err
	}
	resp, err := client.Do(req)
	if err != nil {
		return 0, "", err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 512))
	return resp.StatusCode, strings.TrimSpace(string(body)), nil
}
