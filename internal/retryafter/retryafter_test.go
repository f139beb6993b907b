package retryafter

import (
	"testing"
	"time"
)

func TestParse(t *testing.T) {
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		name   string
		header string
		want   time.Duration
		ok     bool
	}{
		{"absent", "", 0, false},
		{"seconds", "7", 7 * time.Second, true},
		{"zero seconds", "0", 0, true},
		{"padded", " 30 ", 30 * time.Second, true},
		{"negative", "-5", 0, false},
		{"capped", "999999999", Max, true},
		{"http date", "Sat, 21 Nov 2026 12:01:30 GMT", 90 * time.Second, true},
		{"date in the past", "Sat, 21 Nov 2026 11:00:00 GMT", 0, true},
		{"date far ahead is capped", "Sun, 22 Nov 2026 12:00:00 GMT", Max, true},
		{"garbage", "soon", 0, false},
		{"fraction", "1.5", 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := Parse(tt.header, now)
			if got != tt.want || ok != tt.ok {
				t.Fatalf("Parse(%q) = %v, %v; want %v, %v", tt.header, got, ok, tt.want, tt.ok)
			}
		})
	}
}

func FuzzParse(f *testing.F) {
	for _, s := range []string{"", "1", "Sat, 21 Nov 2026 12:01:30 GMT", "-1", "9999999999999999999"} {
		f.Add(s)
	}
	now := time.Date(2026, 11, 21, 12, 0, 0, 0, time.UTC)
	f.Fuzz(func(t *testing.T, h string) {
		d, ok := Parse(h, now)
		if d < 0 || d > Max || (!ok && d != 0) {
			t.Fatalf("Parse(%q) = %v, %v", h, d, ok)
		}
	})
}
