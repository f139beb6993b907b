package routing

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
	"time"
)

var weekdays9to5 = Hours{"mon": {"09:00-17:00"}, "tue": {"09:00-17:00"}, "wed": {"09:00-17:00"}, "thu": {"09:00-17:00"}, "fri": {"09:00-17:00"}}

// moment reads s as RFC 3339 or, without an offset, as a wall clock in tz (UTC when tz does not resolve).
func moment(t *testing.T, s, tz string) time.Time {
	t.Helper()
	if v, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return v
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	v, err := time.ParseInLocation("2006-01-02 15:04:05.999999999", s, loc)
	if err != nil {
		t.Fatal(err)
	}
	return v
}

func TestAddWorking(t *testing.T) {
	// 2026-11-20 is a Friday, 2026-11-23 a Monday. New York leaves DST on 2026-11-01 and enters it on 2026-03-08.
	type tc struct {
		name     string
		hours    Hours
		tz       string
		holidays Holidays
		start    string
		d        time.Duration
		want     string
	}
	var cases []tc
	for _, tz := range []string{"Asia/Tehran", "America/New_York"} {
		cases = append(cases,
			tc{"friday afternoon to monday", weekdays9to5, tz, nil, "2026-11-20 16:30:00", time.Hour, "2026-11-23 09:30:00"},
			tc{"monday holiday pushes to tuesday", weekdays9to5, tz, Holidays{"2026-11-23"}, "2026-11-20 16:30:00", time.Hour, "2026-11-24 09:30:00"},
			tc{"start before opening", weekdays9to5, tz, nil, "2026-11-23 07:15:00", 2 * time.Hour, "2026-11-23 11:00:00"},
			tc{"start after closing", weekdays9to5, tz, nil, "2026-11-23 18:00:00", time.Hour, "2026-11-24 10:00:00"},
			tc{"start on a weekend", weekdays9to5, tz, nil, "2026-11-21 12:00:00", 30 * time.Minute, "2026-11-23 09:30:00"},
			tc{"8h is one business day", weekdays9to5, tz, nil, "2026-11-23 10:00:00", 8 * time.Hour, "2026-11-24 10:00:00"},
			tc{"8h from opening ends at closing", weekdays9to5, tz, nil, "2026-11-23 09:00:00", 8 * time.Hour, "2026-11-23 17:00:00"},
			tc{"three weeks", weekdays9to5, tz, nil, "2026-11-23 09:00:00", 15 * 8 * time.Hour, "2026-12-11 17:00:00"},
			tc{"three weeks and an hour", weekdays9to5, tz, nil, "2026-11-23 09:00:00", 15*8*time.Hour + time.Hour, "2026-12-14 10:00:00"},
			tc{"three weeks around two holidays", weekdays9to5, tz, Holidays{"2026-11-26", "2026-12-25", "2026-11-27"}, "2026-11-23 09:00:00", 15 * 8 * time.Hour, "2026-12-15 17:00:00"},
			tc{"a year of weeks", weekdays9to5, tz, nil, "2026-11-23 09:00:00", 52 * 5 * 8 * time.Hour, "2027-11-19 17:00:00"},
			tc{"sub-minute", weekdays9to5, tz, nil, "2026-11-20 16:59:30.5", 45 * time.Second, "2026-11-23 09:00:15.5"},
		)
	}
	cases = append(cases,
		// America/New_York DST.
		tc{"weekend into DST", weekdays9to5, "America/New_York", nil, "2026-03-06 16:00:00", 2 * time.Hour, "2026-03-09T10:00:00-04:00"},
		tc{"weekend out of DST", weekdays9to5, "America/New_York", nil, "2026-10-30 16:00:00", 2 * time.Hour, "2026-11-02T10:00:00-05:00"},
		tc{"spring sunday has 23 hours", Hours{"sun": {"00:00-24:00"}}, "America/New_York", nil, "2026-03-08 00:00:00", 23 * time.Hour, "2026-03-09T00:00:00-04:00"},
		tc{"spring sunday 24h runs into the next", Hours{"sun": {"00:00-24:00"}}, "America/New_York", nil, "2026-03-08 00:00:00", 24 * time.Hour, "2026-03-15T01:00:00-04:00"},
		tc{"autumn sunday has 25 hours", Hours{"sun": {"00:00-24:00"}}, "America/New_York", nil, "2026-11-01 00:00:00", 25 * time.Hour, "2026-11-02T00:00:00-05:00"},
		tc{"autumn sunday 24h", Hours{"sun": {"00:00-24:00"}}, "America/New_York", nil, "2026-11-01 00:00:00", 24 * time.Hour, "2026-11-01T23:00:00-05:00"},
		tc{"skipped hour does not count", Hours{"sun": {"01:00-04:00"}}, "America/New_York", nil, "2026-03-08 01:00:00", 90 * time.Minute, "2026-03-08T03:30:00-04:00"},
		tc{"repeated hour counts twice", Hours{"sun": {"01:00-02:00"}}, "America/New_York", nil, "2026-11-01T00:30:00-04:00", 90 * time.Minute, "2026-11-01T01:30:00-05:00"},
		// Overnight ranges.
		tc{"overnight past midnight", Hours{"mon": {"22:00-06:00"}}, "UTC", nil, "2026-11-23 21:00:00", 3 * time.Hour, "2026-11-24 01:00:00"},
		tc{"overnight to its end", Hours{"mon": {"22:00-06:00"}}, "UTC", nil, "2026-11-23 21:00:00", 8 * time.Hour, "2026-11-24 06:00:00"},
		tc{"overnight into next week", Hours{"mon": {"22:00-06:00"}}, "UTC", nil, "2026-11-23 21:00:00", 9 * time.Hour, "2026-11-30 23:00:00"},
		tc{"overnight start inside tail", Hours{"mon": {"22:00-06:00"}}, "UTC", nil, "2026-11-24 05:00:00", 2 * time.Hour, "2026-11-30 23:00:00"},
		tc{"holiday after midnight stops the shift", Hours{"mon": {"22:00-06:00"}}, "UTC", Holidays{"2026-11-24"}, "2026-11-23 21:00:00", 3 * time.Hour, "2026-11-30 23:00:00"},
		tc{"holiday before midnight keeps the tail", Hours{"mon": {"22:00-06:00"}}, "UTC", Holidays{"2026-11-23"}, "2026-11-23 21:00:00", 3 * time.Hour, "2026-11-24 03:00:00"},
		tc{"tehran friday night shift", Hours{"fri": {"22:00-02:00"}}, "Asia/Tehran", nil, "2026-11-20 23:30:00", 2 * time.Hour, "2026-11-21 01:30:00"},
		// No hours: every minute works, holidays still do not.
		tc{"empty hours", nil, "UTC", nil, "2026-11-23 20:00:00", 6 * time.Hour, "2026-11-24 02:00:00"},
		tc{"empty hours skip a holiday", nil, "UTC", Holidays{"2026-11-24"}, "2026-11-23 20:00:00", 6 * time.Hour, "2026-11-25 02:00:00"},
		tc{"empty hours skip a holiday in tz", Hours{}, "America/New_York", Holidays{"2026-11-24"}, "2026-11-23 20:00:00", 6 * time.Hour, "2026-11-25 02:00:00"},
		tc{"unreadable holidays are ignored", nil, "UTC", Holidays{"2026-11-31", "x"}, "2026-11-23 20:00:00", 6 * time.Hour, "2026-11-24 02:00:00"},
		// Unresolvable timezone: read as UTC.
		tc{"bad tz is UTC", weekdays9to5, "Not/AZone", nil, "2026-11-20T16:30:00Z", time.Hour, "2026-11-23T09:30:00Z"},
		// d <= 0 and the fallback.
		tc{"zero d", weekdays9to5, "UTC", nil, "2026-11-21 12:00:00", 0, "2026-11-21 12:00:00"},
		tc{"negative d", weekdays9to5, "UTC", nil, "2026-11-21 12:00:00", -time.Hour, "2026-11-21 12:00:00"},
		tc{"no readable range falls back", Hours{"mon": {"nine to five"}, "monday": {"09:00-17:00"}}, "UTC", nil, "2026-11-21 12:00:00", time.Hour, "2026-11-21 13:00:00"},
		tc{"empty days fall back", Hours{"mon": {}}, "UTC", nil, "2026-11-21 12:00:00", 30 * time.Hour, "2026-11-22 18:00:00"},
	)
	var everyMonday Holidays // every working day for more than two years a holiday
	for day := time.Date(2026, 11, 23, 0, 0, 0, 0, time.UTC); day.Year() < 2029; day = day.AddDate(0, 0, 7) {
		everyMonday = append(everyMonday, day.Format("2006-01-02"))
	}
	fewer := everyMonday[:len(everyMonday)-20] // the first Monday off is the first one dropped
	cases = append(cases,
		tc{"every working day a holiday falls back", Hours{"mon": {"09:00-17:00"}}, "UTC", everyMonday, "2026-11-21 12:00:00", time.Hour, "2026-11-21 13:00:00"},
		tc{"first working day in two years", Hours{"mon": {"09:00-17:00"}}, "UTC", fewer, "2026-11-21 12:00:00", time.Hour, everyMonday[len(fewer)] + " 10:00:00"},
	)
	for _, c := range cases {
		t.Run(c.tz+"/"+c.name, func(t *testing.T) {
			start, want := moment(t, c.start, c.tz), moment(t, c.want, c.tz)
			got := c.hours.AddWorking(start, c.d, c.tz, c.holidays)
			if !got.Equal(want) {
				t.Errorf("%v + %v: got %v, want %v", start, c.d, got, want)
			}
		})
	}
}

func TestAddWorkingKeepsStartLocation(t *testing.T) {
	ny, _ := time.LoadLocation("America/New_York")
	start := time.Date(2026, 11, 20, 16, 30, 0, 0, ny)
	if got := weekdays9to5.AddWorking(start, time.Hour, "Asia/Tehran", nil); got.Location() != ny {
		t.Errorf("result in %v, want %v", got.Location(), ny)
	}
}

func TestHolidaysValidate(t *testing.T) {
	for _, tc := range []struct {
		days Holidays
		bad  string // the entry the error must name; "" when valid
	}{
		{nil, ""},
		{Holidays{"2026-12-25", "2028-02-29"}, ""},
		{Holidays{"2026-12-25", "2026-02-30"}, "2026-02-30"},
		{Holidays{"26-01-01"}, "26-01-01"},
		{Holidays{""}, `""`},
		{Holidays{"2026-1-01"}, "2026-1-01"},
		{Holidays{"2026-01-01 "}, "2026-01-01 "},
		{Holidays{"2027-02-29"}, "2027-02-29"},
		{Holidays{"2026-13-01"}, "2026-13-01"},
	} {
		err := tc.days.Validate()
		switch {
		case tc.bad == "" && err != nil:
			t.Errorf("%q: unexpected error %v", tc.days, err)
		case tc.bad != "" && (err == nil || !strings.Contains(err.Error(), tc.bad)):
			t.Errorf("%q: error %v, want one naming %q", tc.days, err, tc.bad)
		}
	}
}

// Zones with DST, half- and quarter-hour offsets, a half-hour DST shift and an unresolvable name.
var fuzzZones = []string{"UTC", "America/New_York", "Asia/Tehran", "Asia/Kathmandu", "Australia/Lord_Howe", "Europe/London", "America/Santiago", "Pacific/Chatham", "Not/AZone"}

type workCase struct {
	hours    Hours
	tz       string
	holidays Holidays
	start    time.Time
	loc      *time.Location // tz loaded once, UTC when it does not resolve
}

func randomClock(r *rand.Rand, end bool) string {
	if end && r.IntN(10) == 0 {
		return "24:00"
	}
	return fmt.Sprintf("%02d:%02d", r.IntN(24), []int{0, 15, 30, 45, r.IntN(60)}[r.IntN(5)])
}

func randomWorkCase(r *rand.Rand) workCase {
	var c workCase
	if r.IntN(8) != 0 {
		c.hours = Hours{}
		for _, day := range weekdays {
			if r.IntN(3) == 0 {
				continue
			}
			for n := 1 + r.IntN(3); n > 0; n-- {
				rng := randomClock(r, false) + "-" + randomClock(r, true)
				if r.IntN(30) == 0 {
					rng = "garbage"
				}
				c.hours[day] = append(c.hours[day], rng)
			}
		}
	}
	c.tz = fuzzZones[r.IntN(len(fuzzZones))]
	var err error
	if c.loc, err = time.LoadLocation(c.tz); err != nil {
		c.loc = time.UTC
	}
	// Starts cluster around DST changes in March/April and September-November of 2025-2027.
	base := time.Date(2025+r.IntN(3), []time.Month{3, 4, 9, 10, 11}[r.IntN(5)], 1, 0, 0, 0, 0, time.UTC)
	c.start = base.Add(time.Duration(r.Int64N(int64(40 * 24 * time.Hour)))).Truncate(time.Minute)
	for n := r.IntN(5); n > 0; n-- {
		c.holidays = append(c.holidays, c.start.AddDate(0, 0, r.IntN(20)-2).Format("2006-01-02"))
	}
	if r.IntN(10) == 0 {
		c.holidays = append(c.holidays, "2026-02-30")
	}
	return c
}

// working is the definition AddWorking must follow: Inside, and the local date not a holiday.
func (c workCase) working(t time.Time) bool {
	return c.hours.Inside(t, c.tz) && !c.holiday(t)
}

func (c workCase) holiday(t time.Time) bool {
	date := t.In(c.loc).Format("2006-01-02")
	for _, h := range c.holidays {
		if h == date {
			return true
		}
	}
	return false
}

// bruteForce counts working time minute by minute from a start on a whole minute. All fuzzZones
// offsets are whole minutes, so a UTC minute is all working or all not. Inside reads nothing but
// t's wall clock in tz, so it is asked about that same wall clock in UTC: the answer is the same,
// and UTC is not loaded from disk on every call as other zones are. Every 97th minute the answer
// is checked against Inside in tz itself. ok is false when the count gives up before reaching d.
func (c workCase) bruteForce(t *testing.T, d time.Duration, maxMinutes int) (time.Time, bool) {
	t.Helper()
	rem := d
	for m := 0; m < maxMinutes; m++ {
		at := c.start.Add(time.Duration(m) * time.Minute)
		l := at.In(c.loc)
		in := c.hours.Inside(time.Date(l.Year(), l.Month(), l.Day(), l.Hour(), l.Minute(), l.Second(), l.Nanosecond(), time.UTC), "UTC")
		if m%97 == 0 && in != c.hours.Inside(at, c.tz) {
			t.Fatalf("%+v: Inside at %v differs from Inside at its wall clock in UTC", c, at)
		}
		if !in || c.holiday(at) {
			continue
		}
		if rem <= time.Minute {
			return at.Add(rem), true
		}
		rem -= time.Minute
	}
	return time.Time{}, false
}

func checkProperties(t *testing.T, c workCase, r *rand.Rand) {
	t.Helper()
	start := c.start.Add(time.Duration(r.Int64N(int64(time.Minute)))) // with seconds and nanoseconds
	ds := []time.Duration{-time.Hour, 0, 1}
	for range 6 {
		ds = append(ds, time.Duration(r.Int64N(int64(6*7*24*time.Hour))))
	}
	ds = append(ds, ds[len(ds)-1]+time.Nanosecond)
	var prevD time.Duration
	var prevR time.Time
	slices.Sort(ds)
	for i, d := range ds {
		got := c.hours.AddWorking(start, d, c.tz, c.holidays)
		switch {
		case d <= 0 && !got.Equal(start):
			t.Fatalf("%+v d=%v: got %v, want start %v", c, d, got, start)
		case got.Before(start):
			t.Fatalf("%+v d=%v: %v is before start %v", c, d, got, start)
		case d > 0 && got.Sub(start) < d:
			t.Fatalf("%+v d=%v: %v counts more working time than wall time", c, d, got)
		case d > 0 && !got.Equal(start.Add(d)) && !c.working(got.Add(-time.Nanosecond)):
			t.Fatalf("%+v d=%v: the last nanosecond before %v is not working time", c, d, got)
		case i > 0 && d >= prevD && got.Before(prevR):
			t.Fatalf("%+v: d=%v gives %v, before %v for d=%v", c, d, got, prevR, prevD)
		}
		prevD, prevR = d, got
	}
}

// checkBruteForce reports whether the minute count reached d and so was compared.
func checkBruteForce(t *testing.T, c workCase, r *rand.Rand) bool {
	t.Helper()
	d := time.Duration(r.Int64N(int64(3 * 24 * time.Hour)))
	if r.IntN(2) == 0 {
		d = d.Truncate(time.Minute) + time.Minute
	}
	want, ok := c.bruteForce(t, d, 21*24*60)
	if !ok {
		return false // too little working time to count by hand
	}
	if got := c.hours.AddWorking(c.start, d, c.tz, c.holidays); !got.Equal(want) {
		t.Fatalf("%+v d=%v: got %v, counting minutes gives %v", c, d, got.In(time.UTC), want.In(time.UTC))
	}
	return true
}

func TestAddWorkingProperties(t *testing.T) {
	r := rand.New(rand.NewPCG(20261123, 1))
	for range 300 {
		checkProperties(t, randomWorkCase(r), r)
	}
}

func TestAddWorkingMatchesMinuteCount(t *testing.T) {
	r := rand.New(rand.NewPCG(20261123, 2))
	n, compared := 400, 0
	if testing.Short() {
		n = 40
	}
	for range n {
		if checkBruteForce(t, randomWorkCase(r), r) {
			compared++
		}
	}
	if compared < n/2 {
		t.Errorf("only %d of %d cases reached d within the count", compared, n)
	}
	t.Logf("%d of %d cases compared", compared, n)
}

// Any seed gives hours, a zone, holidays and a start for which AddWorking keeps its properties
// and agrees with counting working minutes one by one.
func FuzzAddWorking(f *testing.F) {
	for _, seed := range []uint64{0, 1, 2, 3, 42} {
		f.Add(seed)
	}
	f.Fuzz(func(t *testing.T, seed uint64) {
		r := rand.New(rand.NewPCG(seed, 3))
		c := randomWorkCase(r)
		checkProperties(t, c, r)
		checkBruteForce(t, c, r)
	})
}
