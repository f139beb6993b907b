package routing

import (
	"testing"
	"time"
)

func TestHoursInside(t *testing.T) {
	tehran := Hours{"sat": {"08:30-16:30"}, "mon": {"09:00-12:00", "13:00-17:00"}, "fri": {"22:00-02:00"}}
	at := func(s string) time.Time {
		v, err := time.Parse(time.RFC3339, s)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	for _, tc := range []struct {
		hours Hours
		tz    string
		at    string
		want  bool
	}{
		{nil, "UTC", "2026-11-23T03:00:00Z", true},                                         // no hours kept: always inside
		{tehran, "Asia/Tehran", "2026-11-23T06:00:00Z", true},                              // Monday 09:30 in Tehran
		{tehran, "Asia/Tehran", "2026-11-23T09:00:00Z", false},                             // Monday 12:30: lunch
		{tehran, "Asia/Tehran", "2026-11-23T13:30:00Z", false},                             // Monday 17:00: the end is outside
		{tehran, "Asia/Tehran", "2026-11-22T06:00:00Z", false},                             // Sunday: no hours
		{tehran, "Asia/Tehran", "2026-11-21T05:00:00Z", true},                              // Saturday 08:30
		{tehran, "Asia/Tehran", "2026-11-20T19:00:00Z", true},                              // Friday 22:30
		{tehran, "Asia/Tehran", "2026-11-20T22:00:00Z", true},                              // Saturday 01:30, Friday's night shift
		{tehran, "Asia/Tehran", "2026-11-20T23:00:00Z", false},                             // Saturday 02:30
		{Hours{"mon": {"00:00-24:00"}}, "America/New_York", "2026-11-23T04:59:00Z", false}, // Sunday 23:59 in New York
		{Hours{"mon": {"00:00-24:00"}}, "America/New_York", "2026-11-23T05:00:00Z", true},
		{Hours{"mon": {"09:00-17:00"}}, "Not/AZone", "2026-11-23T10:00:00Z", true}, // read as UTC
	} {
		if got := tc.hours.Inside(at(tc.at), tc.tz); got != tc.want {
			t.Errorf("%v in %s at %s: inside %v, want %v", tc.hours, tc.tz, tc.at, got, tc.want)
		}
	}
}

func TestHoursValidate(t *testing.T) {
	for _, tc := range []struct {
		hours Hours
		ok    bool
	}{
		{Hours{"mon": {"09:00-17:00"}, "sat": {"22:00-06:00"}}, true},
		{Hours{"mon": {"00:00-24:00"}}, true},
		{Hours{"monday": {"09:00-17:00"}}, false},
		{Hours{"mon": {"9-5"}}, false},
		{Hours{"mon": {"09:00-09:00"}}, false},
		{Hours{"mon": {"24:00-10:00"}}, false},
		{Hours{"mon": {"09:60-10:00"}}, false},
	} {
		if err := tc.hours.Validate(); (err == nil) != tc.ok {
			t.Errorf("%v: error %v, want ok=%v", tc.hours, err, tc.ok)
		}
	}
}

// Whatever an admin writes, checking hours never panics, and what Validate accepts is read the same
// way by Inside at every minute of the week.
func FuzzHours(f *testing.F) {
	for _, s := range []string{"09:00-17:00", "22:00-06:00", "00:00-24:00", "24:00-01:00", "9:00-17:00", "-", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, r string) {
		h := Hours{"mon": {r}}
		valid := h.Validate() == nil
		inside := 0
		for m := 0; m < 7*24*60; m++ {
			if h.Inside(monday10.Truncate(24*time.Hour).Add(time.Duration(m)*time.Minute), "UTC") {
				inside++
			}
		}
		if !valid && inside > 0 {
			t.Fatalf("%q is invalid but counts as working time", r)
		}
		if valid && inside == 0 {
			t.Fatalf("%q is valid but never inside", r)
		}
	})
}
