// Package consent holds the rules every customer-facing send must respect: an opt-out said in the
// customer's own words ends all future messages for good, nothing is sent in the customer's quiet
// hours, and WhatsApp allows free-form messages only within 24 hours of the customer's last message.
// It is pure, so the workflow can decide deterministically and tests need no services.
package consent

import (
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"
)

// optOutPhrases are whole messages (after folding) that mean "stop messaging me", in the languages
// Leadflow's chatbots speak. A whole-message match keeps "stop by our office" from opting anyone out.
var optOutPhrases = foldAll(map[string]bool{
	// English
	"stop": true, "stop please": true, "please stop": true, "unsubscribe": true, "stop all": true, "cancel": true,
	"opt out": true, "optout": true, "end": true, "quit": true, "remove me": true, "stop messaging me": true,
	"stop texting me": true, "dont message me": true, "do not contact me": true, "dont contact me": true,
	// Persian
	"لغو": true, "توقف": true, "لغو عضویت": true, "دیگه پیام نده": true, "دیگر پیام ندهید": true, "پیام نده": true,
	"مزاحم نشید": true, "نمیخوام": true,
	// Arabic
	"الغاء": true, "إلغاء": true, "ايقاف": true, "إيقاف": true, "الغاء الاشتراك": true, "إلغاء الاشتراك": true,
	"لا ترسل": true, "لا تراسلني": true,
	// Russian
	"стоп": true, "отписаться": true, "отписка": true, "отпишите меня": true, "не пишите мне": true, "хватит": true,
	// Chinese
	"退订": true, "退訂": true, "取消订阅": true, "取消訂閱": true, "不要再发了": true, "停止": true, "td": true,
	// Turkish, German
	"iptal": true, "dur": true, "abmelden": true, "abbestellen": true,
})

// optOutWords are words that opt out wherever they stand in a short message ("please unsubscribe
// me from this", "хочу отписаться").
var optOutWords = []string{"unsubscribe", "opt out", "optout", "отписаться", "отпишите", "退订", "退訂", "取消订阅", "取消訂閱",
	"لغو عضویت", "الغاء الاشتراك", "إلغاء الاشتراك", "abmelden"} // folded like messages before use (see IsOptOut)

// foldAll folds the phrases as messages are folded, so a phrase written with other letter forms
// still matches.
func foldAll(m map[string]bool) map[string]bool {
	out := make(map[string]bool, len(m))
	for k := range m {
		out[fold(k)] = true
	}
	return out
}

// maxOptOutWords bounds the messages searched for optOutWords: a long message that mentions
// "unsubscribe" is usually about something else.
const maxOptOutWords = 12

// IsOptOut reports whether a customer's message asks to receive no more messages.
func IsOptOut(text string) bool {
	f := fold(text)
	if f == "" {
		return false
	}
	if optOutPhrases[f] {
		return true
	}
	if len(strings.Fields(f)) > maxOptOutWords {
		return false
	}
	for _, w := range optOutWords {
		if containsWord(f, fold(w)) {
			return true
		}
	}
	return false
}

// fold normalises a message for matching: NFKC, lower case, Arabic/Persian letter variants and
// digits unified, punctuation and emoji dropped, spaces collapsed.
func fold(s string) string {
	s = norm.NFKC.String(strings.ToLower(s))
	var b strings.Builder
	for _, r := range s {
		switch {
		case r == 'ي' || r == 'ى':
			r = 'ی'
		case r == 'ك':
			r = 'ک'
		case r == '\u200c' || r == '\u0640': // zero-width non-joiner, tatweel
			continue
		case r >= '۰' && r <= '۹':
			r = '0' + (r - '۰')
		case r >= '٠' && r <= '٩':
			r = '0' + (r - '٠')
		}
		switch {
		case unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r):
			b.WriteRune(r)
		case r == '\'' || r == '’':
			// "don't" → "dont"
		default:
			b.WriteRune(' ')
		}
	}
	return strings.Join(strings.Fields(b.String()), " ")
}

// containsWord reports whether w occurs in f on word boundaries (Han text has no spaces: there any
// occurrence counts).
func containsWord(f, w string) bool {
	for i := 0; ; {
		j := strings.Index(f[i:], w)
		if j < 0 {
			return false
		}
		start, end := i+j, i+j+len(w)
		if hanWord(w) || ((start == 0 || f[start-1] == ' ') && (end == len(f) || f[end] == ' ')) {
			return true
		}
		i = start + 1
	}
}

func hanWord(w string) bool {
	for _, r := range w {
		if !unicode.Is(unicode.Han, r) {
			return false
		}
	}
	return true
}

// Quiet is a customer's quiet hours in their timezone, e.g. 21:00 to 09:00.
type Quiet struct {
	From, To time.Duration // offsets from local midnight; From > To spans midnight
	Location *time.Location
}

// NextSendable is the earliest time at or after t outside the quiet hours.
func (q Quiet) NextSendable(t time.Time) time.Time {
	if q.From == q.To {
		return t
	}
	loc := q.Location
	if loc == nil {
		loc = time.UTC
	}
	local := t.In(loc)
	midnight := time.Date(local.Year(), local.Month(), local.Day(), 0, 0, 0, 0, loc)
	since := local.Sub(midnight)
	switch {
	case q.From < q.To && since >= q.From && since < q.To:
		return midnight.Add(q.To)
	case q.From > q.To && since >= q.From:
		next := midnight.AddDate(0, 0, 1)
		return next.Add(q.To)
	case q.From > q.To && since < q.To:
		return midnight.Add(q.To)
	}
	return t
}

// WhatsAppWindow is how long after the customer's last message a business may send free-form
// WhatsApp messages; outside it only an approved template may be sent.
const WhatsAppWindow = 24 * time.Hour

// WhatsAppFreeForm reports whether a free-form WhatsApp message may be sent at t, given the
// customer's last message.
func WhatsAppFreeForm(lastCustomerMessage, t time.Time) bool {
	return !lastCustomerMessage.IsZero() && t.Sub(lastCustomerMessage) < WhatsAppWindow
}

// countryZones is the timezone most of a country's people live in, for customers whose chatbot did
// not send their timezone. Countries spanning several zones get their most populous one; a wrong
// guess there moves quiet hours by an hour or three, which is why context.timezone wins when given.
var countryZones = map[string]string{
	"IR": "Asia/Tehran", "AE": "Asia/Dubai", "SA": "Asia/Riyadh", "QA": "Asia/Qatar", "KW": "Asia/Kuwait", "BH": "Asia/Bahrain",
	"OM": "Asia/Muscat", "IQ": "Asia/Baghdad", "JO": "Asia/Amman", "LB": "Asia/Beirut", "EG": "Africa/Cairo", "MA": "Africa/Casablanca",
	"TR": "Europe/Istanbul", "RU": "Europe/Moscow", "UA": "Europe/Kyiv", "BY": "Europe/Minsk", "KZ": "Asia/Almaty", "UZ": "Asia/Tashkent",
	"AF": "Asia/Kabul", "TJ": "Asia/Dushanbe", "CN": "Asia/Shanghai", "HK": "Asia/Hong_Kong", "TW": "Asia/Taipei", "SG": "Asia/Singapore",
	"MY": "Asia/Kuala_Lumpur", "JP": "Asia/Tokyo", "KR": "Asia/Seoul", "IN": "Asia/Kolkata", "PK": "Asia/Karachi",
	"GB": "Europe/London", "IE": "Europe/Dublin", "DE": "Europe/Berlin", "FR": "Europe/Paris", "NL": "Europe/Amsterdam",
	"ES": "Europe/Madrid", "IT": "Europe/Rome", "SE": "Europe/Stockholm", "PL": "Europe/Warsaw", "CH": "Europe/Zurich",
	"US": "America/New_York", "CA": "America/Toronto", "MX": "America/Mexico_City", "BR": "America/Sao_Paulo", "AU": "Australia/Sydney",
}

// Zone is the customer's timezone: the chatbot's IANA name when it resolves, else the main zone of
// their country, else UTC.
func Zone(timezone, country string) *time.Location {
	if timezone != "" {
		if loc, err := time.LoadLocation(timezone); err == nil {
			return loc
		}
	}
	if name, ok := countryZones[strings.ToUpper(country)]; ok {
		if loc, err := time.LoadLocation(name); err == nil {
			return loc
		}
	}
	return time.UTC
}
