package extract

import (
	"regexp"
	"strings"

	"github.com/leadflow/leadflow/internal/lead"
)

// emailMatch is an address found in a message, already decoded and lower-cased.
type emailMatch struct {
	start, end int // folded offsets of what the customer wrote
	addr       string
}

var (
	// plainEmail is an address as usually written (full-width ＠ is folded to @ before).
	plainEmail = regexp.MustCompile(`(?i)[a-z0-9][a-z0-9._%+-]*@[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*\.[a-z]{2,24}\b`)
	// guardedEmail is an address hidden from scrapers with an unmistakable "at": "name [at] domain
	// [dot] com", "name (@) domain.com", "name собака domain точка ru".
	guardedEmail = regexp.MustCompile(`(?i)([a-z0-9][a-z0-9._%+-]*(?:` + emailDot + `[a-z0-9][a-z0-9_%+-]*)*)(?:\s*[\[({<]\s*(?:at|@|собака)\s*[\])}>]\s*|\s+собака\s+|\s+@\s*|\s*@\s+)([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:` + emailDot + `[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)` + emailDot + `([a-z]{2,24})\b`)
	// spelledEmail is "name at domain dot com": a plain "at" is only trusted when a dot is spelled
	// out too, so "I work at acme.io" is not an address.
	spelledEmail = regexp.MustCompile(`(?i)([a-z0-9][a-z0-9._%+-]*(?:\s+(?:dot|точка)\s+[a-z0-9][a-z0-9_%+-]*)*)\s+at\s+([a-z0-9](?:[a-z0-9.-]*[a-z0-9])?(?:\s+(?:dot|точка|punkt|nokta)\s+[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*)\s+(?:dot|точка|punkt|nokta)\s+([a-z]{2,24})\b`)
	// spacedEmail is an address typed with spaces around "@" and the dots ("dana.kim @ gmail . com").
	// Loose spacing could join an address to the next sentence ("… @ acme . In"), so it is tried
	// last, and only with a top-level domain people commonly use.
	spacedEmail = regexp.MustCompile(`(?i)([a-z0-9][a-z0-9._%+-]*)[ \t]*@[ \t]*([a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:[ \t]*\.[ \t]*[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*?)[ \t]*\.[ \t]*(com|net|org|info|biz|io|co|me|ir|ru|by|kz|ua|de|at|ch|tr|cn|hk|tw|ae|sa|eg|qa|kw|om|jo|uk|us|ca|au|in|sg|edu|gov)\b`)
	// spelledDot finds the spelled-out dots of a decoded domain.
	spelledDot = regexp.MustCompile(`(?i)` + emailDot)
	// emailCue says an address is the customer's.
	emailCue = words(`email`, `e-mail`, `mail\b`, `write to`, `send`, `ایمیل`, `ایمیلم`, `پست الکترونیک`, `بفرستید`,
		`إيميل`, `ايميل`, `الإيميل`, `البريد`, `ابعت`, `أرسل`, `ارسل`, `почт`, `пишите`, `пришлите`, `отправ`,
		`邮箱`, `郵箱`, `电邮`, `電郵`, `邮件`, `郵件`, `发给`, `發給`, `e-posta`, `posta`, `schreiben`, `senden`)
)

// emailDot is one dot of an address, written or spelled out: ".", " dot ", "[dot]", "(.)", " точка ".
const emailDot = `(?:\s*[\[({<]\s*(?:dot|\.|точка|نقطه|نقطة|点|點)\s*[\])}>]\s*|\s+(?:dot|точка|punkt|nokta)\s+|\.)`

// findEmails returns the addresses written in folded text, in order, without overlaps.
func findEmails(s string) []emailMatch {
	var out []emailMatch
	taken := func(a, b int) bool {
		for _, e := range out {
			if a < e.end && b > e.start {
				return true
			}
		}
		return false
	}
	// The patterns are costly on long texts; most texts rule them out with a substring test.
	lower := lowerSameLength(s)
	hasAt := strings.Contains(s, "@")
	guarded := hasAt || strings.Contains(lower, "собака") || strings.Contains(lower, "at]") ||
		strings.Contains(lower, "at)") || strings.Contains(lower, "at}") || strings.Contains(lower, "at>")
	spelled := strings.Contains(lower, " at ") && (strings.Contains(lower, " dot ") ||
		strings.Contains(lower, "точка") || strings.Contains(lower, " punkt ") || strings.Contains(lower, " nokta "))
	for _, re := range []*regexp.Regexp{guardedEmail, spelledEmail} {
		if (re == guardedEmail && !guarded) || (re == spelledEmail && !spelled) {
			continue
		}
		for _, m := range re.FindAllStringSubmatchIndex(s, -1) {
			local := spelledDot.ReplaceAllString(s[m[2]:m[3]], ".")
			domain := spelledDot.ReplaceAllString(s[m[4]:m[5]], ".") + "." + s[m[6]:m[7]]
			addr := strings.ToLower(local + "@" + domain)
			if validEmail(addr) && !taken(m[0], m[1]) {
				out = append(out, emailMatch{start: m[0], end: m[1], addr: addr})
			}
		}
	}
	if !hasAt {
		return out
	}
	for _, m := range plainEmail.FindAllStringIndex(s, -1) {
		addr := strings.ToLower(s[m[0]:m[1]])
		if validEmail(addr) && !taken(m[0], m[1]) {
			out = append(out, emailMatch{start: m[0], end: m[1], addr: addr})
		}
	}
	for _, m := range spacedEmail.FindAllStringSubmatchIndex(s, -1) {
		domain := strings.Join(strings.FieldsFunc(s[m[4]:m[5]], func(r rune) bool { return r == ' ' || r == '\t' }), "")
		addr := strings.ToLower(s[m[2]:m[3]] + "@" + domain + "." + s[m[6]:m[7]])
		if validEmail(addr) && !taken(m[0], m[1]) {
			out = append(out, emailMatch{start: m[0], end: m[1], addr: addr})
		}
	}
	// Arrival order matters for corrections.
	for i := 1; i < len(out); i++ {
		for j := i; j > 0 && out[j].start < out[j-1].start; j-- {
			out[j], out[j-1] = out[j-1], out[j]
		}
	}
	return out
}

// validEmail checks the syntax of a lower-case address closely enough for a CRM to accept it.
func validEmail(addr string) bool {
	at := strings.IndexByte(addr, '@')
	if at <= 0 || at != strings.LastIndexByte(addr, '@') || len(addr) > 254 {
		return false
	}
	local, domain := addr[:at], addr[at+1:]
	if len(local) > 64 || local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for i := 0; i < len(local); i++ {
		c := local[i]
		if !(isDigit(c) || (c >= 'a' && c <= 'z') || strings.IndexByte("._%+-", c) >= 0) {
			return false
		}
	}
	labels := strings.Split(domain, ".")
	if len(labels) < 2 {
		return false
	}
	for _, l := range labels {
		if l == "" || len(l) > 63 || l[0] == '-' || l[len(l)-1] == '-' {
			return false
		}
		for i := 0; i < len(l); i++ {
			c := l[i]
			if !(isDigit(c) || (c >= 'a' && c <= 'z') || c == '-') {
				return false
			}
		}
	}
	tld := labels[len(labels)-1]
	for i := 0; i < len(tld); i++ {
		if tld[i] < 'a' || tld[i] > 'z' {
			return false
		}
	}
	return len(tld) >= 2
}

func (c *conversation) email() lead.Field[string] {
	business := c.businessEmails()
	type candidate struct {
		addr     string
		score    float64
		evidence string
	}
	var best *candidate
	seen := 0
	for _, m := range c.msgs {
		for _, e := range m.emails {
			if e.start >= m.trusted {
				break // an address inside an attempt to instruct the bot is not evidence
			}
			if at, ok := business.addrs[e.addr]; ok && at < m.at {
				continue // the business's own address, repeated by the customer
			}
			s := 0.85
			before := lastRunes(m.text[clauseStart(m.text, e.start):e.start], 40)
			after := firstRunes(m.text[e.end:clauseEnd(m.text, e.end)], 40)
			if emailCue.MatchString(before) || emailCue.MatchString(after) ||
				(m.ask.email && len(m.emails) == 1 && len(strings.TrimSpace(m.text)) < 120) {
				s += 0.05
			}
			if staleCue.MatchString(before) || staleCue.MatchString(after) {
				s -= 0.35
			}
			if thirdPartyCue.MatchString(before) || thirdPartyCue.MatchString(after) {
				s -= 0.3 // "… is my colleague who handles procurement": someone else's
			}
			if seen > 0 && correctionCue.MatchString(m.text) {
				s += 0.1 // "sorry, typo, it's…"
			}
			if at, ok := business.domains[domainOf(e.addr)]; ok && at < m.at {
				s -= 0.4 // someone else at the business: "I wrote to sales@…"
			}
			seen++
			if best == nil || s > best.score {
				ev := m.evidence(e.start-len(before), e.end, true)
				best = &candidate{addr: e.addr, score: s, evidence: ev}
			}
		}
	}
	if best != nil && best.score >= 0.5 {
		return lead.Set(best.addr, clamp(min(best.score, 0.97)), best.evidence, lead.SourceRules)
	}
	if s := c.in.Sender; s != nil && s.Email != nil {
		addr := strings.ToLower(strings.TrimSpace(fold(*s.Email).s))
		if validEmail(addr) {
			return lead.Set(addr, 0.9, strings.TrimSpace(*s.Email), lead.SourceChannel)
		}
	}
	if best != nil {
		return lead.Set(best.addr, clamp(best.score), best.evidence, lead.SourceRules)
	}
	return lead.Field[string]{}
}

// businessAddresses are the addresses and domains the bot or agents wrote, with the index of the
// message that first did: written before the customer wrote them, they are the business's; after,
// the bot is repeating the customer's ("we'll send it to …").
type businessAddresses struct {
	addrs   map[string]int
	domains map[string]int
}

// freeMail domains are shared by everyone, so a bot writing one says nothing about the customer's.
var freeMail = map[string]struct{}{
	"gmail.com": {}, "googlemail.com": {}, "yahoo.com": {}, "hotmail.com": {}, "outlook.com": {}, "live.com": {},
	"icloud.com": {}, "mail.ru": {}, "yandex.ru": {}, "qq.com": {}, "163.com": {}, "126.com": {}, "gmx.de": {},
	"web.de": {}, "proton.me": {}, "protonmail.com": {}, "aol.com": {}, "msn.com": {}, "example.com": {},
}

func (c *conversation) businessEmails() businessAddresses {
	b := businessAddresses{addrs: map[string]int{}, domains: map[string]int{}}
	for i, m := range c.in.Messages {
		if m.Role == lead.RoleCustomer {
			continue
		}
		for _, e := range findEmails(fold(m.Text).s) {
			if _, seen := b.addrs[e.addr]; !seen {
				b.addrs[e.addr] = i
			}
			if d := domainOf(e.addr); d != "" {
				if _, free := freeMail[d]; !free {
					if _, seen := b.domains[d]; !seen {
						b.domains[d] = i
					}
				}
			}
		}
	}
	return b
}

func domainOf(addr string) string {
	if at := strings.IndexByte(addr, '@'); at >= 0 {
		return addr[at+1:]
	}
	return ""
}
