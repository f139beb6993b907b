package consent

import (
	"testing"
	"time"
)

func TestIsOptOut(t *testing.T) {
	for _, tc := range []struct {
		text string
		want bool
	}{
		{"STOP", true},
		{"Stop.", true},
		{"stop please!", true},
		{"Please unsubscribe me from these messages", true},
		{"don't contact me", true},
		{"لغو", true},
		{"لغو عضويت", true}, // Arabic yeh
		{"إلغاء الاشتراك", true},
		{"Отписаться", true},
		{"хочу отписаться от рассылки", true},
		{"退订", true},
		{"请帮我退订", true},
		{"Abmelden", true},
		{"stop by our office tomorrow at 10?", false},
		{"Can you stop the demo at 3 and call me?", false},
		{"what is the cancellation policy", false},
		{"", false},
		{"We would like to unsubscribe our old vendor and move all 40 agents to your platform next month, can you help with the migration plan", false},
	} {
		if got := IsOptOut(tc.text); got != tc.want {
			t.Errorf("IsOptOut(%q) = %v, want %v", tc.text, got, tc.want)
		}
	}
}

func FuzzIsOptOut(f *testing.F) {
	for _, s := range []string{"stop", "لغو", "退订", "stop by", "\u200c\u0640"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		_ = IsOptOut(s)
		if IsOptOut(s) != IsOptOut(s+" ") {
			t.Fatalf("trailing space changed the answer for %q", s)
		}
	})
}

func TestQuietNextSendable(t *testing.T) {
	tehran, err := time.LoadLocation("Asia/Tehran")
	if err != nil {
		t.Fatal(err)
	}
	q := Quiet{From: 21 * time.Hour, To: 9 * time.Hour, Location: tehran}
	at := func(s string) time.Time {
		v, err := time.ParseInLocation("2006-01-02 15:04", s, tehran)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct{ at, want string }{
		{"2026-11-23 10:00", "2026-11-23 10:00"}, // day: now
		{"2026-11-23 22:30", "2026-11-24 09:00"}, // evening: next morning
		{"2026-11-24 03:00", "2026-11-24 09:00"}, // night: this morning
		{"2026-11-24 09:00", "2026-11-24 09:00"},
		{"2026-11-24 21:00", "2026-11-25 09:00"},
	} {
		if got := q.NextSendable(at(tc.at)); !got.Equal(at(tc.want)) {
			t.Errorf("NextSendable(%s) = %s, want %s", tc.at, got.In(tehran), tc.want)
		}
	}
	lunch := Quiet{From: 12 * time.Hour, To: 13 * time.Hour}
	noon := time.Date(2026, 11, 23, 12, 30, 0, 0, time.UTC)
	if got := lunch.NextSendable(noon); !got.Equal(time.Date(2026, 11, 23, 13, 0, 0, 0, time.UTC)) {
		t.Errorf("lunch: %s", got)
	}
	if got := (Quiet{}).NextSendable(noon); !got.Equal(noon) {
		t.Errorf("no quiet hours: %s", got)
	}
}

func TestWhatsAppFreeForm(t *testing.T) {
	last := time.Date(2026, 11, 23, 10, 0, 0, 0, time.UTC)
	if !WhatsAppFreeForm(last, last.Add(23*time.Hour+59*time.Minute)) {
		t.Error("inside the window")
	}
	if WhatsAppFreeForm(last, last.Add(24*time.Hour)) || WhatsAppFreeForm(time.Time{}, last) {
		t.Error("outside the window, or never wrote: a template only")
	}
}
