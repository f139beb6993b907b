package routing

import (
	"database/sql/driver"
	"fmt"
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
