package routing

import (
	"database/sql/driver"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // reps' timezones must resolve on a machine without a zoneinfo database
)

// Hours are a rep's working hours by weekday in their own timezone: {"mon": ["09:00-17:00"]}.
// A range that ends before it starts runs past midnight ("22:00-06:00"). No hours at all means the
// rep keeps no fixed hours: always inside.
type Hours map[string][]string

var weekdays = [...]string{"sun", "mon", "tue", "wed", "thu", "fri", "sat"}

// Validate checks the days and ranges as an admin wrote them; the error names the day.
func (h Hours) Validate() error {
	for day, ranges := range h {
		if dayIndex(day) < 0 {
			return fmt.Errorf("working_hours.%s: days are mon, tue, wed, thu, fri, sat, sun", day)
		}
		for _, r := range ranges {
			from, to, err := parseRange(r)
			if err != nil || from == to {
				return fmt.Errorf("working_hours.%s: %q is not a range such as 09:00-17:00", day, r)
			}
		}
	}
	return nil
}

// Inside reports whether t falls in the working hours, read in the timezone tz (UTC when it
// does not resolve).
func (h Hours) Inside(t time.Time, tz string) bool {
	if len(h) == 0 {
		return true
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	local := t.In(loc)
	minute := local.Hour()*60 + local.Minute()
	today := int(local.Weekday())
	yesterday := (today + 6) % 7
	for _, r := range h[weekdays[today]] {
		from, to, err := parseRange(r)
		if err != nil {
			continue
		}
		if (from < to && minute >= from && minute < to) || (from > to && minute >= from) {
			return true
		}
	}
	for _, r := range h[weekdays[yesterday]] { // yesterday's overnight range reaching into today
		if from, to, err := parseRange(r); err == nil && from > to && minute < to {
			return true
		}
	}
	return false
}

// Value stores the hours as jsonb.
func (h Hours) Value() (driver.Value, error) {
	if h == nil {
		h = Hours{}
	}
	return jsonValue(h)
}

// Scan reads the jsonb column.
func (h *Hours) Scan(src any) error { return scanJSON(src, h) }

func dayIndex(day string) int {
	for i, d := range weekdays {
		if d == day {
			return i
		}
	}
	return -1
}

// parseRange reads "09:00-17:00" as minutes of the day; "24:00" is the end of the day.
func parseRange(r string) (from, to int, err error) {
	a, b, ok := strings.Cut(r, "-")
	if !ok {
		return 0, 0, fmt.Errorf("no dash")
	}
	if from, err = parseClock(a, false); err != nil {
		return 0, 0, err
	}
	if to, err = parseClock(b, true); err != nil {
		return 0, 0, err
	}
	return from, to, nil
}

func parseClock(s string, end bool) (int, error) {
	hh, mm, ok := strings.Cut(strings.TrimSpace(s), ":")
	if !ok || len(hh) != 2 || len(mm) != 2 {
		return 0, fmt.Errorf("not HH:MM")
	}
	h, err1 := strconv.Atoi(hh)
	m, err2 := strconv.Atoi(mm)
	switch {
	case err1 != nil || err2 != nil || h < 0 || m < 0 || m > 59:
		return 0, fmt.Errorf("not HH:MM")
	case h == 24 && m == 0 && end:
		return 24 * 60, nil
	case h > 23:
		return 0, fmt.Errorf("not HH:MM")
	}
	return h*60 + m, nil
}

// Holidays are a rep's whole days off, "YYYY-MM-DD", read as calendar dates in the rep's own
// timezone. They exist so that SLA clocks stop on public holidays as well as outside the weekly
// hours: a lead that arrives before a long weekend must not breach its SLA while nobody works.
type Holidays []string

// dateLayout is how a holiday is written; time.Parse with it rejects days a month does not have.
const dateLayout = "2006-01-02"

// Validate checks the dates as an admin wrote them, so that a typo is refused when saved rather
// than silently ignored (AddWorking skips entries it cannot read); the error names the entry.
func (h Holidays) Validate() error {
	for i, s := range h {
		d, err := time.Parse(dateLayout, s)
		if err != nil || d.Format(dateLayout) != s {
			return fmt.Errorf("holidays[%d]: %q is not a date such as 2026-12-25", i, s)
		}
	}
	return nil
}

type civilDate struct {
	year  int
	month time.Month
	day   int
}

// set reads the holidays it can; an entry Validate would reject is skipped.
func (h Holidays) set() map[civilDate]bool {
	days := make(map[civilDate]bool, len(h))
	for _, s := range h {
		if d, err := time.Parse(dateLayout, s); err == nil && d.Format(dateLayout) == s {
			days[civilDate{d.Year(), d.Month(), d.Day()}] = true
		}
	}
	return days
}

// span is a working stretch [from, to) in minutes of one local calendar day.
type span struct{ from, to int }

// week lists, for each weekday (time.Weekday order), the minutes of a local day that Inside
// counts as working: the day's own ranges up to midnight plus the previous day's overnight
// ranges after midnight, sorted and merged.
func (h Hours) week() [7][]span {
	var w [7][]span
	if len(h) == 0 {
		for i := range w {
			w[i] = []span{{0, 24 * 60}}
		}
		return w
	}
	for day, ranges := range h {
		i := dayIndex(day)
		if i < 0 {
			continue
		}
		for _, r := range ranges {
			from, to, err := parseRange(r)
			switch {
			case err != nil || from == to: // Inside never matches these
			case from < to:
				w[i] = append(w[i], span{from, to})
			default: // overnight: the rest of today, then the start of tomorrow
				w[i] = append(w[i], span{from, 24 * 60})
				next := (i + 1) % 7
				w[next] = append(w[next], span{0, to})
			}
		}
	}
	for i, spans := range w {
		slices.SortFunc(spans, func(a, b span) int { return a.from - b.from })
		merged := spans[:0]
		for _, s := range spans {
			if n := len(merged); n > 0 && s.from <= merged[n-1].to {
				merged[n-1].to = max(merged[n-1].to, s.to)
				continue
			}
			merged = append(merged, s)
		}
		w[i] = merged
	}
	return w
}

// noWorkHorizon is how long AddWorking walks without meeting any working time before it gives up:
// two years, long enough for any real calendar of hours and holidays.
const noWorkHorizon = 2 * 366 * 24 * time.Hour

// AddWorking returns the moment at which d of working time has passed since start, so that SLA
// deadlines count only the time a rep is actually working. A moment is working time when Inside
// reports it for tz (UTC when tz does not resolve) and its local calendar date is not one of the
// holidays. That rule also settles overnight ranges: Monday's "22:00-06:00" after midnight is
// Tuesday's date, so a holiday on Tuesday stops it at midnight and a holiday on Monday does not.
// Empty hours mean every minute works, holidays excepted. d <= 0 returns start. Should the walk
// meet no working time for two years (every range unreadable, or every day a holiday) it returns
// start.Add(d) rather than search forever.
//
// The result is exact to the nanosecond and correct across DST: the walk goes one span of
// constant UTC offset at a time, where the wall clock runs evenly, and within it day by day and
// range by range. A repeated autumn hour therefore counts twice and a skipped spring hour not at
// all, as a wall clock read by Inside would. The result is in start's location.
func (h Hours) AddWorking(start time.Time, d time.Duration, tz string, holidays Holidays) time.Time {
	if d <= 0 {
		return start
	}
	loc, err := time.LoadLocation(tz)
	if err != nil {
		loc = time.UTC
	}
	week, off := h.week(), holidays.set()
	rem := d
	t, lastWork := start, start
	for {
		limit := lastWork.Add(noWorkHorizon)
		if !t.Before(limit) {
			return start.Add(d)
		}
		local := t.In(loc)
		_, offset := local.Zone()
		shift := time.Duration(offset) * time.Second
		segEnd := limit
		if _, end := local.ZoneBounds(); !end.IsZero() && end.Before(limit) {
			segEnd = end
		}
		// Within [t, segEnd) the wall clock is the UTC clock moved by shift: walk it there.
		wall, wallEnd := t.UTC().Add(shift), segEnd.UTC().Add(shift)
		for day := time.Date(wall.Year(), wall.Month(), wall.Day(), 0, 0, 0, 0, time.UTC); day.Before(wallEnd); day = time.Date(day.Year(), day.Month(), day.Day()+1, 0, 0, 0, 0, time.UTC) {
			if off[civilDate{day.Year(), day.Month(), day.Day()}] {
				continue
			}
			for _, s := range week[day.Weekday()] {
				a, b := day.Add(time.Duration(s.from)*time.Minute), day.Add(time.Duration(s.to)*time.Minute)
				if a.Before(wall) {
					a = wall
				}
				if b.After(wallEnd) {
					b = wallEnd
				}
				if !a.Before(b) {
					continue
				}
				if n := b.Sub(a); n < rem {
					rem -= n
					lastWork = b.Add(-shift)
					continue
				}
				return a.Add(rem).Add(-shift).In(start.Location())
			}
		}
		t = segEnd
	}
}
