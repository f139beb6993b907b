// Package extract holds the deterministic "rules" extractor: it reads a conversation and returns
// the lead fields it can justify from the customer's own words, each with a confidence and the
// words it came from. It is pure: no I/O, no logging, no mutable state, so the workflow may call
// it anywhere and get the same answer every time.
//
// The rules are multilingual (English, Persian, Arabic, Russian, Chinese, Turkish, German and
// Latin-script Persian/Arabic chat) and written for unseen conversations: they look for cue words
// and shapes, never for particular people or companies.
package extract

import (
	"strings"

	"golang.org/x/text/language"

	"github.com/leadflow/leadflow/internal/lead"
)

// Input is one conversation as the workflow holds it.
type Input struct {
	Messages []lead.Message // in arrival order; only Role==customer text is evidence about the customer
	Channel  lead.Channel
	Sender   *lead.Sender // identity the channel vouches for; may be nil
	Country  string       // ISO 3166-1 alpha-2 default region for phones written without country code; may be ""
	Locale   string       // e.g. "fa-IR"; may be ""
}

// Rules extracts lead fields with deterministic rules.
func Rules(in Input) lead.Fields { return newConversation(in).rules() }

func (c *conversation) rules() lead.Fields {
	var f lead.Fields
	f.Phone = c.phone()
	f.Email = c.email()
	f.Language = c.language()
	f.Intent = c.intent()
	if !f.IsSpam() {
		// A spammer's name, company, money or deadline is not a lead's: only contact data and the
		// verdict are kept.
		f.FullName = c.fullName()
		f.Company = c.company()
		f.Urgency = c.urgency(f.Intent)
		f.Budget = c.budget()
		f.CompanySize = c.companySize()
	}
	f.Country = c.country(f.Phone)
	return f
}

// customerMsg is one customer message prepared for the rules.
type customerMsg struct {
	orig string // the customer's words as sent
	f    folded // orig with digits and punctuation folded to ASCII
	// text is f.s with links and e-mail addresses blanked out (same offsets), so that their
	// digits and words are not read as phones, names or language.
	text  string
	lower string // lowerSameLength(text), for cue matching
	// trusted is the offset in text where an attempt to instruct the bot starts; from there on the
	// message is not evidence for anything but intent and language (len(text) when there is none).
	trusted int
	links   int          // links in the message
	emails  []emailMatch // addresses written in the message
	ask     askedFor     // what the bot or agent message this one answers asked for
	at      int          // index among all messages
}

// conversation is the customer's side of a conversation plus what the channel and locale say.
type conversation struct {
	in      Input
	msgs    []*customerMsg
	regions []string // default regions for national phone numbers, best first
	locLang string   // language of the locale ("" when unknown)
	region  string   // in.Country, upper-case, "" when not a region code
}

func newConversation(in Input) *conversation {
	c := &conversation{in: in}
	c.region = regionCode(in.Country)
	var locRegion string
	if in.Locale != "" {
		if tag, err := language.Parse(in.Locale); err == nil {
			if b, conf := tag.Base(); conf != language.No {
				c.locLang = b.String()
			}
			if r, conf := tag.Region(); conf != language.No {
				locRegion = r.String()
			}
		}
	}
	for _, r := range []string{c.region, locRegion} {
		if r != "" && r != "ZZ" && !contains(c.regions, r) {
			c.regions = append(c.regions, r)
		}
	}
	var lastOther string
	for i, m := range in.Messages {
		if m.Role != lead.RoleCustomer {
			lastOther = m.Text
			continue
		}
		cm := &customerMsg{orig: m.Text, f: fold(m.Text), at: i, ask: askedIn(fold(lastOther).s)}
		cm.emails = findEmails(cm.f.s)
		spans := make([][2]int, 0, len(cm.emails)+2)
		for _, e := range cm.emails {
			spans = append(spans, [2]int{e.start, e.end})
		}
		for _, u := range urlPattern.FindAllStringIndex(maskSpans(cm.f.s, spans), -1) {
			spans = append(spans, [2]int{u[0], u[1]})
			cm.links++
		}
		cm.text = maskSpans(cm.f.s, spans)
		cm.lower = lowerSameLength(cm.text)
		cm.trusted = injectionStart(cm.text, cm.lower)
		c.msgs = append(c.msgs, cm)
		lastOther = ""
	}
	return c
}

// regionCode returns s as an upper-case ISO 3166-1 alpha-2 code, or "".
func regionCode(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) != 2 || !isASCIILetter(s[0]) || !isASCIILetter(s[1]) {
		return ""
	}
	return s
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// evidence cuts the customer's original words behind folded bytes [i, j) of m.
func (m *customerMsg) evidence(i, j int, keepEnd bool) string {
	return clip(m.f.orig(m.orig, i, j), keepEnd)
}

// sentenceEvidence returns the sentence of m holding folded bytes [i, j).
func (m *customerMsg) sentenceEvidence(i, j int) string {
	a, b := sentenceAround(m.text, i, j)
	ev := m.evidence(a, b, false)
	if ev == "" {
		ev = m.evidence(i, j, false)
	}
	return ev
}

// trustedText is the part of the message that is evidence about the customer.
func (m *customerMsg) trustedText() string { return m.text[:m.trusted] }

// trustedLower is trustedText lower-cased, for cue matching.
func (m *customerMsg) trustedLower() string { return m.lower[:m.trusted] }

// askedFor is what a bot or agent message asked the customer to give: a bare answer right after
// such a question is strong evidence ("۰۹۱۲ ۰۰۰ ۴۵۶۷" after "your phone number, please").
type askedFor struct{ phone, email, name bool }

var (
	askPhone = words(`phone`, `number`, `call`, `mobile`, `whatsapp`, `contact`, `reach you`,
		`شماره`, `تلفن`, `موبایل`, `تماس`, `رقم`, `جوال`, `هاتف`, `تواصل`, `номер`, `телефон`, `контакт`,
		`电话`, `電話`, `手机`, `手機`, `联系方式`, `聯絡`, `联络`, `telefon`, `numara`, `nummer`)
	askEmail = words(`email`, `e-mail`, `ایمیل`, `إيميل`, `ايميل`, `الإيميل`, `البريد`, `почт`, `邮箱`, `郵箱`, `电邮`,
		`電郵`, `e-posta`)
	askName = words(`name\b`, `who am i speaking`, `نام شما`, `نامتون`, `اسمتون`, `اسم شما`, `نام و`, `نام خود`,
		`الاسم`, `اسمك`, `اسمكم`, `имя`, `обращаться`, `зовут`, `称呼`, `稱呼`, `姓名`, `贵姓`, `貴姓`, `adınız`,
		`isminiz`, `heißen sie`)
)

func askedIn(botText string) askedFor {
	if botText == "" {
		return askedFor{}
	}
	return askedFor{
		phone: askPhone.MatchString(botText),
		email: askEmail.MatchString(botText),
		name:  askName.MatchString(botText),
	}
}
