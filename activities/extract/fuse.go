package extract

import (
	"math"
	"slices"
	"strings"

	"github.com/nyaruka/phonenumbers"

	"github.com/leadflow/leadflow/internal/identity"
	"github.com/leadflow/leadflow/internal/lead"
)

// Claim is one value a language model says the conversation holds, with the model's own
// confidence and the words it quotes as evidence. Nothing in a claim is trusted until Fuse has
// found it in the customer's messages.
type Claim struct {
	Value      string
	Confidence float64
	Evidence   string
}

// BudgetClaim is the model's reading of the budget.
type BudgetClaim struct {
	Amount     float64
	Currency   string
	Confidence float64
	Evidence   string
}

// ListClaim is the model's list of products the person asked about.
type ListClaim struct {
	Values     []string
	Confidence float64
	Evidence   string
}

// Claims are a model's answer, field by field; nil is "not in the conversation".
type Claims struct {
	FullName, Phone, Email, Company, JobTitle, Country, Language, Intent, Urgency, CompanySize, Summary *Claim
	ProductInterest                                                                                     *ListClaim
	Budget                                                                                              *BudgetClaim
}

// How the model's own estimate counts: models state 0.9 and higher for most of what they say,
// right or wrong, so their number is discounted before it meets the rules.
const (
	modelDiscount = 0.8
	// disagreement scales the winner's confidence when the rules and the model read different
	// values; the loser is dropped.
	disagreement = 0.75
	// maxSummary bounds the model's summary (runes).
	maxSummary  = 300
	maxProducts = 5
)

// Fuse joins the rules' reading of a conversation with a model's claims, field by field. A value
// the model claims but the customer never wrote (after normalisation: a phone in any format or
// digit script, an e-mail however obfuscated, a name in its own script, an amount with its unit)
// is dropped, never written. When the rules and the model agree the confidence rises; when they
// disagree the stronger reading wins at a lower confidence. The channel's own proof (a WhatsApp
// sender number) makes a value certain. The confidences are raw: Read calibrates them. When the
// customer tried to instruct the bot, the model's intent, urgency and budget are
// ignored: the text that tried may have steered it.
func Fuse(in Input, rules lead.Fields, m Claims) lead.Fields {
	return newConversation(in).fuse(rules, m)
}

func (c *conversation) fuse(rules lead.Fields, m Claims) lead.Fields {
	g := c.grounds()
	steered := c.injected()
	out := rules

	out.Phone = fuseValue(rules.Phone, c.groundPhone(m.Phone, g), g.channelPhone)
	out.Email = fuseValue(rules.Email, groundEmail(m.Email, g), g.channelEmail)
	if !rules.IsSpam() {
		out.FullName = fuseValue(rules.FullName, g.groundText(m.FullName, 2, 80), "")
		out.Company = fuseValue(rules.Company, g.groundText(m.Company, 2, 120), "")
		out.JobTitle = fuseValue(rules.JobTitle, g.groundText(m.JobTitle, 2, 80), "")
		out.CompanySize = fuseValue(rules.CompanySize, enumClaim(m.CompanySize, companySizes), "")
		out.ProductInterest = fuseProducts(rules.ProductInterest, m.ProductInterest)
		if !steered {
			out.Budget = fuseBudget(rules.Budget, c.groundBudget(m.Budget, g))
			out.Urgency = fuseEnum(rules.Urgency, enumClaim(m.Urgency, urgencies))
		}
		out.Summary = summaryField(rules.Summary, m.Summary)
	}
	if !steered {
		out.Intent = fuseEnum(rules.Intent, enumClaim(m.Intent, intents))
	}
	out.Language = fuseValue(rules.Language, languageClaim(m.Language), "")
	out.Country = fuseValue(rules.Country, countryClaim(m.Country, out.Phone), "")
	if out.IsSpam() && !rules.IsSpam() {
		// The model alone calls it spam: keep contact data and the verdict, as the rules would.
		out = lead.Fields{Phone: out.Phone, Email: out.Email, Language: out.Language, Intent: out.Intent, Country: out.Country}
	}
	return out
}

// grounds is what the customer really wrote, normalised for comparison.
type grounds struct {
	phones       map[string]bool // E.164 numbers in the customer's trusted text or the channel's
	emails       map[string]bool // addresses, decoded, lower-case
	text         string          // the trusted customer text, folded for comparison (identity.Fold)
	channelPhone string
	channelEmail string
}

func (c *conversation) grounds() grounds {
	g := grounds{phones: map[string]bool{}, emails: map[string]bool{}}
	for _, p := range c.phoneCandidates() {
		g.phones[p.e164] = true
	}
	if e164, _, ok := c.senderPhone(); ok {
		g.phones[e164], g.channelPhone = true, e164
	}
	business := c.businessEmails()
	var b strings.Builder
	for _, m := range c.msgs {
		for _, e := range m.emails {
			if _, bot := business.addrs[e.addr]; e.start < m.trusted && !bot {
				g.emails[e.addr] = true
			}
		}
		b.WriteString(" ")
		b.WriteString(identity.Fold(m.f.orig(m.orig, 0, m.trusted)))
		b.WriteString(" ")
	}
	if s := c.in.Sender; s != nil && s.Email != nil {
		if addr := strings.ToLower(strings.TrimSpace(*s.Email)); validEmail(addr) {
			g.emails[addr], g.channelEmail = true, addr
		}
	}
	g.text = b.String()
	return g
}

// groundPhone normalises the model's phone with the conversation's regions and keeps it only
// when the customer (or the channel) gave that number; its validity for the region scales it.
func (c *conversation) groundPhone(cl *Claim, g grounds) *grounded[string] {
	if cl == nil || strings.TrimSpace(cl.Value) == "" {
		return nil
	}
	n, ok := parseNumber(fold(cl.Value).s, c.phoneRegions())
	if !ok || !g.phones[n.e164] {
		return nil
	}
	validity := 0.9 // a landline or a number of unknown type: fine, less likely to be the person's own
	switch n.kind {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		validity = 1
	}
	return &grounded[string]{value: n.e164, conf: modelConf(cl.Confidence) * validity, evidence: cl.Evidence}
}

func groundEmail(cl *Claim, g grounds) *grounded[string] {
	if cl == nil {
		return nil
	}
	addr := strings.ToLower(strings.TrimSpace(cl.Value))
	if !validEmail(addr) || !g.emails[addr] {
		return nil
	}
	return &grounded[string]{value: addr, conf: modelConf(cl.Confidence), evidence: cl.Evidence}
}

// groundText keeps a name, company or title only when the customer wrote it, in its own script:
// a transliteration or a guess is not the customer's word.
func (g grounds) groundText(cl *Claim, minRunes, maxRunes int) *grounded[string] {
	if cl == nil {
		return nil
	}
	v := strings.Join(strings.Fields(cl.Value), " ")
	n := identity.Fold(v)
	if r := len([]rune(v)); r < minRunes || r > maxRunes || n == "" || !g.said(n) {
		return nil
	}
	return &grounded[string]{value: v, conf: modelConf(cl.Confidence), evidence: cl.Evidence}
}

// said reports whether the customer wrote n (identity.Fold form): as whole words, or anywhere in
// scripts written without spaces.
func (g grounds) said(n string) bool {
	if isHan(n) {
		return strings.Contains(g.text, n)
	}
	return strings.Contains(g.text, " "+n+" ")
}

// groundBudget keeps the model's budget when an amount the customer wrote (outside any attempt to
// instruct the bot) reads as the same money, toman converted to rials as the rules do.
func (c *conversation) groundBudget(cl *BudgetClaim, g grounds) *grounded[lead.Money] {
	if cl == nil || cl.Amount <= 0 || math.IsInf(cl.Amount, 0) || math.IsNaN(cl.Amount) {
		return nil
	}
	cur := strings.ToUpper(strings.TrimSpace(cl.Currency))
	if len(cur) != 3 || !isASCIILetter(cur[0]) || !isASCIILetter(cur[1]) || !isASCIILetter(cur[2]) {
		return nil
	}
	for _, m := range c.msgs {
		for _, a := range findAmounts(m.trustedText()) {
			if written, ok := c.money(a); ok && written.Currency == cur && closeTo(written.Amount, cl.Amount) {
				return &grounded[lead.Money]{value: lead.Money{Amount: cl.Amount, Currency: cur}, conf: modelConf(cl.Confidence), evidence: cl.Evidence}
			}
		}
	}
	return nil
}

func closeTo(a, b float64) bool { return math.Abs(a-b) <= 0.01*math.Abs(b) }

// grounded is a model's value that survived grounding, with its discounted confidence.
type grounded[T any] struct {
	value    T
	conf     float64
	evidence string
}

func modelConf(c float64) float64 {
	if math.IsNaN(c) {
		return 0
	}
	return clamp(c) * modelDiscount
}

// fuseValue joins the rules' field and the model's grounded value. channel is the value the
// channel vouches for ("" when none): a fused value equal to it is certain.
func fuseValue[T comparable](rules lead.Field[T], m *grounded[T], channel T) lead.Field[T] {
	out := rules
	switch {
	case m == nil || m.conf <= 0: // nothing said, or said with no confidence at all
	case !rules.Known():
		out = lead.Set(m.value, m.conf, m.evidence, lead.SourceLLM)
	case *rules.Value == m.value:
		// Two independent readings of the same words: the chance both are wrong is the product.
		out.Confidence = 1 - (1-rules.Confidence)*(1-m.conf)
	case m.conf > rules.Confidence:
		out = lead.Set(m.value, m.conf*disagreement, m.evidence, lead.SourceLLM)
	default:
		out.Confidence = rules.Confidence * disagreement
	}
	var zero T
	if out.Known() && channel != zero && *out.Value == channel {
		out.Confidence = max(out.Confidence, channelProof)
	}
	return out
}

// channelProof is the confidence of a value the channel itself vouches for.
const channelProof = 0.99

func fuseEnum[T ~string](rules lead.Field[T], m *grounded[string]) lead.Field[T] {
	if m == nil {
		return rules
	}
	return fuseValue(rules, &grounded[T]{value: T(m.value), conf: m.conf, evidence: m.evidence}, "")
}

func fuseBudget(rules lead.Field[lead.Money], m *grounded[lead.Money]) lead.Field[lead.Money] {
	if m == nil {
		return rules
	}
	if rules.Known() && rules.Value.Currency == m.value.Currency && closeTo(rules.Value.Amount, m.value.Amount) {
		m.value = *rules.Value // the same money: keep the rules' exact figure
	}
	return fuseValue(rules, m, lead.Money{})
}

func fuseProducts(rules lead.Field[[]string], m *ListClaim) lead.Field[[]string] {
	if m == nil || rules.Known() {
		return rules
	}
	var vals []string
	for _, v := range m.Values {
		v = strings.ToLower(strings.Join(strings.Fields(v), " "))
		if v != "" && len([]rune(v)) <= 60 && !slices.Contains(vals, v) && len(vals) < maxProducts {
			vals = append(vals, v)
		}
	}
	if len(vals) == 0 {
		return rules
	}
	return lead.Set(vals, modelConf(m.Confidence), m.Evidence, lead.SourceLLM)
}

// summaryField keeps the model's summary: it is the model's own words by nature, shown to the rep
// and never used to score or route.
func summaryField(rules lead.Field[string], m *Claim) lead.Field[string] {
	if m == nil || strings.TrimSpace(m.Value) == "" {
		return rules
	}
	s := strings.Join(strings.Fields(m.Value), " ")
	if r := []rune(s); len(r) > maxSummary {
		s = string(r[:maxSummary-1]) + "…"
	}
	return lead.Set(s, modelConf(m.Confidence), "", lead.SourceLLM)
}

var (
	intents      = lead.Intents()
	urgencies    = lead.Urgencies()
	companySizes = lead.CompanySizes()
)

// enumClaim keeps a claim whose value is one of allowed.
func enumClaim(cl *Claim, allowed []string) *grounded[string] {
	if cl == nil {
		return nil
	}
	v := strings.ToLower(strings.TrimSpace(cl.Value))
	if !slices.Contains(allowed, v) {
		return nil
	}
	return &grounded[string]{value: v, conf: modelConf(cl.Confidence), evidence: cl.Evidence}
}

func languageClaim(cl *Claim) *grounded[string] {
	if cl == nil {
		return nil
	}
	v := strings.ToLower(strings.TrimSpace(cl.Value))
	if len(v) != 2 || !isASCIILetter(v[0]) || !isASCIILetter(v[1]) {
		return nil
	}
	return &grounded[string]{value: v, conf: modelConf(cl.Confidence), evidence: cl.Evidence}
}

// countryClaim keeps an ISO 3166-1 code the phone number does not contradict.
func countryClaim(cl *Claim, phone lead.Field[string]) *grounded[string] {
	if cl == nil {
		return nil
	}
	v := regionCode(cl.Value)
	if v == "" || !phonenumbers.GetSupportedRegions()[v] {
		return nil
	}
	if phone.Known() && phoneRegion(*phone.Value) != "" && phoneRegion(*phone.Value) != v {
		return nil
	}
	return &grounded[string]{value: v, conf: modelConf(cl.Confidence), evidence: cl.Evidence}
}
