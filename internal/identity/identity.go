// Package identity turns what people write about themselves into keys that compare equal when
// they name the same thing: phone numbers (E.164, with Brazil's eight-digit mobile form as a second
// key), e-mail addresses (with the Gmail aliases as a second key), personal names in any script
// and company names without their legal forms. It is pure, so the extractor, the matcher and the
// tests share it. (A Latin skeleton for comparing names across scripts is not built yet.)
package identity

import (
	"strconv"
	"strings"
	"unicode"

	"github.com/nyaruka/phonenumbers"
	"golang.org/x/text/unicode/norm"
)

// Fold is the comparison form of free text: NFKC, lower case, the Arabic-script letters that
// Arabic and Persian keyboards write differently made one (ي/ى→ی, ك→ک, ة→ه, أ/إ/آ/ٱ→ا, ؤ→و, ئ→ی),
// digits of every script as ASCII, diacritics (harakat, combining accents), tatweel and zero-width
// joiners dropped, everything that is not a letter or digit a single space.
func Fold(s string) string {
	s = norm.NFKD.String(norm.NFKC.String(s)) // NFKD after NFKC splits "é" so its accent can go
	var b strings.Builder
	b.Grow(len(s))
	space := true
	for _, r := range s {
		switch {
		case unicode.Is(unicode.Mn, r) || r == 'ـ' || r == '\u200c' || r == '\u200d' || r == '\u200b':
			continue
		case unicode.IsDigit(r):
			r = '0' + rune(digitValue(r))
		case unicode.IsLetter(r):
			r = unifyArabic(unicode.ToLower(r))
		default:
			if !space {
				b.WriteByte(' ')
				space = true
			}
			continue
		}
		b.WriteRune(r)
		space = false
	}
	return strings.TrimSpace(norm.NFC.String(b.String()))
}

// digitValue reads a decimal digit of any script.
func digitValue(r rune) int {
	for _, zero := range []rune{'0', '٠', '۰', '०', '০', '๐', '０'} {
		if r >= zero && r <= zero+9 {
			return int(r - zero)
		}
	}
	return 0
}

func unifyArabic(r rune) rune {
	switch r {
	case 'ي', 'ى', 'ئ':
		return 'ی'
	case 'ك':
		return 'ک'
	case 'ة':
		return 'ه'
	case 'أ', 'إ', 'آ', 'ٱ':
		return 'ا'
	case 'ؤ':
		return 'و'
	}
	return r
}

// honorifics are titles people put before or after their names; they say nothing about who.
var honorifics = foldedSet(
	`mr`, `mrs`, `ms`, `miss`, `dr`, `prof`, `sir`, `madam`, `herr`, `frau`, `bay`, `bayan`, `bey`,
	`hanım`, `hanim`, `آقای`, `آقا`, `خانم`, `جناب`, `سرکار`, `دکتر`, `مهندس`, `السید`, `السیده`,
	`سید`, `الاستاذ`, `استاذ`, `الدکتور`, `دکتور`, `المهندس`, `مهندسه`, `الشیخ`, `شیخ`, `господин`,
	`госпожа`, `г`, `гн`, `гжа`, `先生`, `女士`, `小姐`)

// foldedSet holds words in their Fold form, so that a list written the way people spell the
// words matches folded text ("آقای" is looked up as "اقای", "شركة" as "شرکه").
func foldedSet(words ...string) map[string]bool {
	set := make(map[string]bool, len(words))
	for _, w := range words {
		set[Fold(w)] = true
	}
	return set
}

// Name is the key of a personal name: Fold, honorifics dropped. "Dr. Sara  KIM" and "sara kim" are
// one key; "علي رضائي" and "علی رضایی" are one key.
func Name(s string) string {
	words := strings.Fields(Fold(s))
	out := words[:0]
	for _, w := range words {
		if !honorifics[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// legalForms are the words that say what kind of company, not which.
var legalForms = foldedSet(
	`ltd`, `limited`, `llc`, `inc`, `incorporated`, `corp`, `corporation`, `co`, `plc`, `llp`, `gmbh`,
	`ag`, `kg`, `ug`, `ohg`, `mbh`, `sa`, `sarl`, `sas`, `bv`, `nv`, `srl`, `spa`, `oy`, `ab`, `as`,
	`fze`, `fzco`, `fz`, `dmcc`, `wll`, `pjsc`, `psc`, `aş`, `şti`, `ооо`, `оао`, `зао`, `пао`, `ао`,
	`ип`, `شرکت`, `شركه`, `سهامی`, `خاص`, `عام`, `مسئولیت`, `محدود`, `有限公司`, `有限责任公司`, `股份有限公司`, `集团`,
	`公司`)

// Company is the key of a company name: Fold, legal forms dropped wherever they stand ("ООО
// Ромашка", "Brightwave Ltd.", "شرکت راهکار", "华为技术有限公司").
func Company(s string) string {
	f := Fold(s)
	for _, suffix := range []string{"股份有限公司", "有限责任公司", "有限公司", "公司"} {
		if strings.HasSuffix(f, suffix) && len(f) > len(suffix) {
			f = strings.TrimSuffix(f, suffix)
			break
		}
	}
	words := strings.Fields(f)
	out := words[:0]
	for _, w := range words {
		if !legalForms[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}

// Email returns the key of an address (lower case) and, for Gmail, the alias key too: Gmail
// ignores dots and "+tags" in the local part and treats googlemail.com as gmail.com, so
// "Sara.Kim+crm@googlemail.com" and "sarakim@gmail.com" reach one inbox. Other providers give dots
// meaning, so no alias is made for them. ok is false for something that is not an address.
func Email(s string) (key, alias string, ok bool) {
	key = strings.ToLower(strings.TrimSpace(s))
	at := strings.LastIndexByte(key, '@')
	if at <= 0 || at == len(key)-1 || strings.ContainsAny(key, " \t\n") {
		return "", "", false
	}
	local, domain := key[:at], key[at+1:]
	if domain != "gmail.com" && domain != "googlemail.com" {
		return key, "", true
	}
	if i := strings.IndexByte(local, '+'); i >= 0 {
		local = local[:i]
	}
	local = strings.ReplaceAll(local, ".", "")
	if local == "" {
		return key, "", true
	}
	return key, local + "@gmail.com", true
}

// Phone returns the E.164 key of a phone number, reading a national form with region (ISO 3166-1
// alpha-2, the conversation's country), and an alias key for a known quirk: Brazil added a ninth
// digit (a leading 9) to mobile numbers, and people and old CRMs still write the eight-digit form,
// so "+55 11 8765-4321" and "+55 11 98765-4321" are one line. ok is false for anything that is not
// a valid number.
func Phone(raw, region string) (key, alias string, ok bool) {
	num, err := phonenumbers.Parse(raw, strings.ToUpper(region))
	if err != nil {
		return "", "", false
	}
	if num.GetCountryCode() == 55 {
		if k, a, ok := brazilMobile(num); ok {
			return k, a, true
		}
	}
	if !phonenumbers.IsValidNumber(num) {
		return "", "", false
	}
	return phonenumbers.Format(num, phonenumbers.E164), "", true
}

// brazilMobile keys a Brazilian mobile number by its nine-digit form, the eight-digit form being
// the alias. A Brazilian national number is a two-digit area code and the subscriber number.
func brazilMobile(num *phonenumbers.PhoneNumber) (key, alias string, ok bool) {
	national := strconv.FormatUint(num.GetNationalNumber(), 10)
	if len(national) < 10 || len(national) > 11 {
		return "", "", false
	}
	area, sub := national[:2], national[2:]
	switch {
	case len(sub) == 9 && sub[0] == '9' && strings.IndexByte("6789", sub[1]) >= 0:
		// already the nine-digit mobile form
	case len(sub) == 8 && strings.IndexByte("6789", sub[0]) >= 0:
		sub = "9" + sub // the eight-digit form of a mobile number
	default:
		return "", "", false
	}
	key = "+55" + area + sub
	if n, err := phonenumbers.Parse(key, ""); err != nil || !phonenumbers.IsValidNumber(n) {
		return "", "", false
	}
	return key, "+55" + area + sub[1:], true
}
