package identity

import (
	"math"
	"slices"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
)

// Key kinds: what a stored identity key is. Phone, e-mail, Gmail alias and the channel accounts
// identify; name, company and domain only describe, so they can block and weigh but never decide.
const (
	KindPhone       = "phone"        // E.164, Brazil's mobiles in their nine-digit form
	KindEmail       = "email"        // the address, lower case
	KindGmail       = "gmail"        // a Gmail address without dots and +tags
	KindWhatsApp    = "whatsapp"     // the wa_id Meta sends
	KindTelegram    = "telegram"     // the Telegram user id (or @username)
	KindWeb         = "web"          // the web chat's cookie or the site's own external id
	KindEmailSender = "email_sender" // the address an e-mail conversation came from
	KindAPI         = "api"          // an external id given by an API client
	KindName        = "name"         // Name key
	KindSkeleton    = "skeleton"     // in MatchedBy only: the names agreed across scripts
	KindCompany     = "company"      // Company key
	KindDomain      = "domain"       // e-mail domain, for company mail only (never gmail.com)
)

// Profile is what is known of one person, as comparison keys by kind. The matcher builds one for
// the person in a conversation and one for each stored candidate contact.
type Profile map[string][]string

// Add puts a key under kind once; empty keys are ignored.
func (p Profile) Add(kind, key string) {
	if key != "" && !slices.Contains(p[kind], key) {
		p[kind] = append(p[kind], key)
	}
}

// Keys lists the profile's keys of the given kinds.
func (p Profile) Keys(kinds ...string) [][2]string {
	var out [][2]string
	for _, k := range kinds {
		for _, v := range p[k] {
			out = append(out, [2]string{k, v})
		}
	}
	return out
}

// Person is what a conversation says about who wrote it, as extraction read it and the channel
// proved it.
type Person struct {
	Channel    string // web | whatsapp | telegram | email | api
	ExternalID string // sender.external_id: the channel's account id
	Country    string // default region for national phone numbers
	Name       string // the name the person gave, as extraction read it
	SenderName string // the channel's display name: only used where it completes Name
	Phone      string
	Email      string
	Company    string
}

// ProfileOf turns a conversation's person into comparison keys.
func ProfileOf(p Person) Profile {
	prof := Profile{}
	if key, _, ok := Phone(p.Phone, p.Country); ok { // the key is already the form every alias reads as
		prof.Add(KindPhone, key)
	}
	if key, gmail, ok := Email(p.Email); ok {
		prof.Add(KindEmail, key)
		prof.Add(KindGmail, gmail)
		if d := key[strings.LastIndexByte(key, '@')+1:]; !freeMail[d] {
			prof.Add(KindDomain, d)
		}
	}
	if kind, id := accountKind(p.Channel, p.ExternalID); kind != "" {
		prof.Add(kind, id)
		// A WhatsApp id is the person's number and an e-mail sender their address, whatever else
		// the conversation says: they compare with the phones and addresses of other channels.
		switch kind {
		case KindWhatsApp:
			if key, _, ok := Phone("+"+strings.TrimPrefix(id, "+"), ""); ok {
				prof.Add(KindPhone, key)
			}
		case KindEmailSender:
			if key, gmail, ok := Email(id); ok {
				prof.Add(KindEmail, key)
				prof.Add(KindGmail, gmail)
			}
		}
	}
	name := Name(p.Name)
	prof.Add(KindName, name)
	if display := Name(p.SenderName); display != "" && (name == "" || completes(display, name)) {
		prof.Add(KindName, display) // "رحیمی هستم" on an account named "احمد رحیمی"
	}
	prof.Add(KindCompany, Company(p.Company))
	return prof
}

// accountKind keys a channel account: the id as the channel gives it, without the "wa:"-style
// prefix chatbots put in front, so the webhook and the chatbot spelling of one account agree.
func accountKind(channel, externalID string) (kind, id string) {
	id = strings.TrimSpace(externalID)
	if id == "" || len(id) > 256 {
		return "", ""
	}
	kinds := map[string]string{"whatsapp": KindWhatsApp, "telegram": KindTelegram, "web": KindWeb,
		"email": KindEmailSender, "api": KindAPI}
	kind = kinds[channel]
	if kind == "" {
		return "", ""
	}
	if i := strings.IndexByte(id, ':'); i > 0 && i <= 8 {
		id = id[i+1:]
	}
	if kind == KindEmailSender {
		id = strings.ToLower(id)
	}
	return kind, id
}

// completes reports whether the display name is a fuller form of the stated one: it has every
// word of it and more.
func completes(display, stated string) bool {
	d, st := strings.Fields(display), strings.Fields(stated)
	if len(d) <= len(st) {
		return false
	}
	for _, w := range st {
		if !slices.Contains(d, w) {
			return false
		}
	}
	return true
}

// freeMail are mailbox providers anyone can use: sharing one says nothing about the company.
var freeMail = map[string]bool{
	"gmail.com": true, "googlemail.com": true, "yahoo.com": true, "hotmail.com": true, "outlook.com": true,
	"live.com": true, "icloud.com": true, "me.com": true, "aol.com": true, "proton.me": true,
	"protonmail.com": true, "gmx.de": true, "gmx.net": true, "web.de": true, "mail.ru": true,
	"yandex.ru": true, "ya.ru": true, "bk.ru": true, "list.ru": true, "inbox.ru": true, "qq.com": true,
	"163.com": true, "126.com": true, "sina.com": true, "yahoo.co.uk": true, "example.com": true,
}

// FreeMailDomain reports whether a mail domain is a provider anyone can use (gmail.com, mail.ru,
// qq.com …) rather than a company's own.
func FreeMailDomain(domain string) bool { return freeMail[strings.ToLower(domain)] }

// roleMailbox are local parts of addresses a team shares: a match on one is a match on an office,
// not on a person.
var roleMailbox = map[string]bool{
	"info": true, "sales": true, "office": true, "contact": true, "hello": true, "admin": true,
	"support": true, "team": true, "mail": true, "enquiries": true, "inquiries": true, "hr": true,
	"jobs": true, "accounts": true, "billing": true, "reception": true, "noreply": true,
}

func isRoleMailbox(address string) bool {
	local, _, _ := strings.Cut(address, "@")
	return roleMailbox[local]
}

// Weights, in bits: each is roughly log2 of how much likelier the observation is for two records
// of one person than for two different people who share a blocking key (Fellegi–Sunter). They
// add up; the sum decides. docs/matching.md explains each one.
const (
	WeightAccount       = 12.0 // the same WhatsApp, Telegram, e-mail sender or API account
	WeightWebCookie     = 8.0  // the same browser: a shared computer is possible
	WeightEmail         = 12.0 // the same personal address
	WeightGmailAlias    = 11.0 // the same Gmail inbox written with other dots or a +tag
	WeightRoleEmail     = 4.0  // the same info@/sales@ address: an office, not a person
	WeightEmailDiffers  = -3.0 // both have addresses and none agree: people have several
	WeightPhone         = 10.0 // the same mobile (or undecidable) number
	WeightSharedPhone   = 5.0  // the same landline, switchboard or toll-free number
	WeightPhoneDiffers  = -2.0 // both have numbers and none agree: people have several
	WeightName          = 5.0  // the same full name
	WeightNameAcross    = 4.0  // the same full name in two scripts
	WeightNamePartial   = 2.0  // compatible (a first name, an initial, a middle name, a typo)
	WeightNameDiffers   = -8.0 // two different full names: two people
	WeightNameUnlike    = -4.0 // a one-word name that is not in the other name
	WeightCompany       = 1.0  // the same company or company mail domain
	WeightCompanyDiffer = -1.0 // both name a company and they differ

	// MergeAt is the weight from which two records are one person, provided an identifying key
	// (account, e-mail or phone) agrees: a name and a company alone never merge.
	MergeAt = 9.0
	// ReviewAt is the weight from which a person is possibly the candidate: a human decides.
	ReviewAt = 3.0
)

// Verdict is the comparison of a conversation's person with one candidate contact.
type Verdict struct {
	Weight    float64  // sum of the evidence weights, in bits
	Score     float64  // Weight as a probability in [0, 1] (logistic, 0.5 at 6 bits)
	MatchedBy []string // the kinds that agreed: phone, email, whatsapp, name…
	Identify  bool     // an identifying key agreed (phone, e-mail, Gmail alias or an account)
}

// Decision of a verdict: "merged", "review" or "new".
func (v Verdict) Decision() string {
	switch {
	case v.Weight >= MergeAt && v.Identify:
		return "merged"
	case v.Weight >= ReviewAt:
		return "review"
	}
	return "new"
}

// Compare weighs the evidence that a and b are one person. Evidence that comes from one source is
// counted once: a WhatsApp account and its phone number are one line, an e-mail sender and the
// address it wrote are one mailbox, so each group adds its strongest agreement (or, with none, its
// disagreement).
func Compare(a, b Profile) Verdict {
	var v Verdict
	line := group{}
	if shared(a, b, KindWhatsApp) {
		line.agree(WeightAccount, KindWhatsApp)
	}
	switch p := sharedValue(a, b, KindPhone); {
	case p != "" && SharedLine(p):
		line.agree(WeightSharedPhone, KindPhone)
	case p != "":
		line.agree(WeightPhone, KindPhone)
	case len(a[KindPhone]) > 0 && len(b[KindPhone]) > 0:
		line.differ(WeightPhoneDiffers)
	}

	mailbox := group{}
	switch s := sharedValue(a, b, KindEmailSender); {
	case s != "" && isRoleMailbox(s):
		mailbox.agree(WeightRoleEmail, KindEmailSender)
	case s != "":
		mailbox.agree(WeightAccount, KindEmailSender)
	}
	switch e := sharedValue(a, b, KindEmail); {
	case e != "" && isRoleMailbox(e):
		mailbox.agree(WeightRoleEmail, KindEmail)
	case e != "":
		mailbox.agree(WeightEmail, KindEmail)
	case shared(a, b, KindGmail):
		mailbox.agree(WeightGmailAlias, KindGmail)
	case len(a[KindEmail]) > 0 && len(b[KindEmail]) > 0:
		mailbox.differ(WeightEmailDiffers)
	}

	accounts := group{}
	for _, k := range []string{KindTelegram, KindAPI} {
		if shared(a, b, k) {
			accounts.agree(WeightAccount, k)
		}
	}
	if shared(a, b, KindWeb) {
		accounts.agree(WeightWebCookie, KindWeb)
	}

	company := group{}
	switch {
	case shared(a, b, KindCompany):
		company.agree(WeightCompany, KindCompany)
	case shared(a, b, KindDomain):
		company.agree(WeightCompany, KindDomain)
	case len(a[KindCompany]) > 0 && len(b[KindCompany]) > 0 && !companiesAcross(a[KindCompany], b[KindCompany]):
		company.differ(WeightCompanyDiffer)
	}

	name := group{}
	if w, kind := compareNames(a, b); w > 0 {
		name.agree(w, kind)
	} else {
		name.differ(w)
	}

	for _, g := range []group{line, mailbox, accounts, company, name} {
		v.Weight += g.weight()
		v.MatchedBy = append(v.MatchedBy, g.kinds...)
	}
	v.Identify = line.best > 0 || mailbox.best > 0 || accounts.best > 0
	v.Score = math.Round(1/(1+math.Exp2(6-v.Weight))*1000) / 1000
	if v.MatchedBy == nil {
		v.MatchedBy = []string{}
	}
	return v
}

// group is one source of evidence: its strongest agreement counts, or else its disagreement.
type group struct {
	best, worst float64
	kinds       []string
}

func (g *group) agree(w float64, kind string) {
	g.best = max(g.best, w)
	g.kinds = append(g.kinds, kind)
}

func (g *group) differ(w float64) { g.worst = min(g.worst, w) }

func (g group) weight() float64 {
	if g.best > 0 {
		return g.best
	}
	return g.worst
}

func shared(a, b Profile, kind string) bool { return sharedValue(a, b, kind) != "" }

func sharedValue(a, b Profile, kind string) string {
	for _, x := range a[kind] {
		if slices.Contains(b[kind], x) {
			return x
		}
	}
	return ""
}

// companiesAcross reports whether two company names are in different scripts ("راهکار" and
// "Rahkar"): no evidence either way.
func companiesAcross(a, b []string) bool {
	return scriptOf(a[0]) != scriptOf(b[0])
}

// SharedLine reports whether an E.164 number is of a kind offices share (a landline, a
// switchboard, a toll-free or shared-cost number), where one number is several people.
func SharedLine(e164 string) bool {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return false
	}
	switch phonenumbers.GetNumberType(num) {
	case phonenumbers.FIXED_LINE, phonenumbers.TOLL_FREE, phonenumbers.SHARED_COST, phonenumbers.UAN,
		phonenumbers.PREMIUM_RATE, phonenumbers.VOICEMAIL:
		return true
	}
	return false
}

// compareNames weighs the names of a and b: the strongest agreement of any pair, or else the
// disagreement of a pair in one script. Within one script two full names with different surnames
// are two people; across scripts only the Latin skeletons compare, and a difference there proves
// nothing (transliteration is lossy), so it weighs zero.
func compareNames(a, b Profile) (float64, string) {
	agree, differ, kind := 0.0, 0.0, ""
	for _, x := range a[KindName] {
		for _, y := range b[KindName] {
			w, k := nameWeight(x, y), KindName
			if scriptOf(x) != scriptOf(y) {
				w, k = skeletonWeight(x, y), KindSkeleton
			}
			if w > agree {
				agree, kind = w, k
			}
			differ = min(differ, w)
		}
	}
	switch {
	case agree >= WeightNameAcross:
		return agree, kind
	case differ <= WeightNameDiffers:
		return differ, "" // a full contradiction outweighs a merely compatible pair
	case agree > 0:
		return agree, kind
	}
	return differ, ""
}

// skeletonWeight compares two names in different scripts by their Latin skeletons.
func skeletonWeight(x, y string) float64 {
	sx, okx := Skeleton(x)
	sy, oky := Skeleton(y)
	switch {
	case !okx || !oky:
		return 0
	case sx == sy && len(sx) >= 3:
		return WeightNameAcross
	case len(sx) >= 2 && len(sy) >= 2 && (strings.HasPrefix(sx, sy) || strings.HasPrefix(sy, sx)):
		return WeightNamePartial
	}
	return 0
}

// nameWeight compares two Name keys. Across scripts it answers 0 (the skeletons decide).
func nameWeight(x, y string) float64 {
	if scriptOf(x) != scriptOf(y) {
		return 0
	}
	if x == y {
		if len(strings.Fields(x)) >= 2 || (scriptOf(x) == unicode.Han && len([]rune(x)) >= 2) {
			return WeightName
		}
		return WeightNamePartial
	}
	xs, ys := nameTokens(x), nameTokens(y)
	if len(xs) > len(ys) {
		xs, ys = ys, xs
	}
	matched := 0
	for _, t := range xs {
		if slices.ContainsFunc(ys, func(u string) bool { return sameToken(t, u) }) {
			matched++
		}
	}
	switch {
	case matched == len(xs):
		return WeightNamePartial // "Sara" and "Sara Kim", "John M" and "John Miller", a typo
	case len(xs) == 1:
		return WeightNameUnlike
	case scriptOf(x) == unicode.Han && len(xs) >= 3 && matched == len(xs)-1:
		return WeightNamePartial // "陳嘉欣" and "陈嘉欣": a traditional and a simplified character
	}
	// Two full names that share a word but differ in another: one first name and two surnames,
	// or a father and a son.
	return WeightNameDiffers
}

// nameTokens splits a name key into words; a Han name has no spaces, so its characters are its
// tokens ("陳嘉欣" and "陈嘉欣" share two of three).
func nameTokens(s string) []string {
	if scriptOf(s) != unicode.Han {
		return strings.Fields(s)
	}
	var out []string
	for _, r := range strings.ReplaceAll(s, " ", "") {
		out = append(out, string(r))
	}
	return out
}

// sameToken: equal, an initial of the other ("m" and "miller"), or one typo apart in a word of
// five letters or more.
func sameToken(a, b string) bool {
	if a == b {
		return true
	}
	ra, rb := []rune(a), []rune(b)
	if len(ra) == 1 && len(rb) > 1 && rb[0] == ra[0] || len(rb) == 1 && len(ra) > 1 && ra[0] == rb[0] {
		return true
	}
	return min(len(ra), len(rb)) >= 5 && editDistanceAtMostOne(ra, rb)
}

func editDistanceAtMostOne(a, b []rune) bool {
	if len(a) > len(b) {
		a, b = b, a
	}
	if len(b)-len(a) > 1 {
		return false
	}
	i := 0
	for i < len(a) && a[i] == b[i] {
		i++
	}
	if len(a) == len(b) {
		return slices.Equal(a[i+1:], b[i+1:]) ||
			i+1 < len(a) && a[i] == b[i+1] && a[i+1] == b[i] && slices.Equal(a[i+2:], b[i+2:]) // a swap
	}
	return slices.Equal(a[i:], b[i+1:])
}

// scriptOf is the script of a key's first letter: Latin, Cyrillic, Arabic, Han, or another.
func scriptOf(s string) *unicode.RangeTable {
	for _, r := range s {
		for _, t := range []*unicode.RangeTable{unicode.Latin, unicode.Cyrillic, unicode.Arabic, unicode.Han,
			unicode.Hangul, unicode.Greek, unicode.Hebrew, unicode.Devanagari, unicode.Thai} {
			if unicode.Is(t, r) {
				return t
			}
		}
		if unicode.IsLetter(r) {
			return unicode.L
		}
	}
	return nil
}
