package extract

import (
	"regexp"
	"strings"
	"unicode/utf8"

	"github.com/nyaruka/phonenumbers"

	"github.com/leadflow/leadflow/internal/identity"
	"github.com/leadflow/leadflow/internal/lead"
)

// Cue words around a number. They are matched in the number's own clause: the words between the
// previous number (or the start of the clause) and this one, and after it up to the next number or
// the end of the clause, so that "office ... but call my cell instead: X" credits X, not the office.
var (
	// phoneCue says the number is a phone number.
	phoneCue = words(`phone`, `tel\b`, `tel\.`, `telephone`, `mobile`, `mob\b`, `mob\.`, `cell`, `whatsapp`, `whats app`,
		`call`, `ring\b`, `reach`, `contact`, `text me`, `sms\b`, `line\b`, `landline`, `switchboard`,
		`tamas`, `zang`, `mobil`,
		`موبایل`, `تلفن`, `تماس`, `همراه`, `واتس`, `زنگ`,
		`جوال`, `جوّال`, `موبايل`, `تليفون`, `تلفون`, `هاتف`, `اتصال`, `اتصل`, `تتصل`, `تواصل`,
		`<тел`, `<моб`, `звон`, `связ`, `вотсап`, `ватсап`,
		`电话`, `電話`, `手机`, `手機`, `手提`, `联系`, `聯絡`, `联络`, `聯繫`, `致电`, `致電`, `打我`, `微信`,
		`telefon`, `cep\b`, `gsm\b`, `ara\b`, `arayın`, `anruf`, `handy`, `rufnummer`, `erreichbar`)
	// numberWord is "number" itself: a phone cue, but also half of "order number", so it does not
	// overrule a reference label the way "phone" does.
	numberWord = words(`number`, `num\b`, `shomare`, `shomarm`, `شماره`, `شمارم`, `رقم`, `номер`, `号码`, `號碼`,
		`numara`, `nummer`)
	// preferCue says this is the number the customer wants to be called on.
	preferCue = words(`call me`, `call my`, `ring me`, `reach me`, `instead`, `prefer`, `best\b`, `better`,
		`directly`, `personal`, `private`, `new\b`, `updated`, `correct`, `right one`, `behtar`, `mostaghim`,
		`بهتر`, `ترجیح`, `مستقیم`, `شخصی`, `جدید`, `درستش`, `صحیح`, `با این`, `با همین`, `تماس بگیرید`,
		`زنگ بزنید`, `الأفضل`, `الافضل`, `يفضل`, `يُفضل`, `أفضل`, `افضل`, `مباشرة`, `اتصلوا`, `تتصلون`,
		`اتصل علي`, `الجديد`, `الصحيح`, `الخاص`, `<лучше`, `удобнее`, `предпочт`, `<звоните`, `<новый`,
		`<правильн`, `<личн`, `最好`, `直接`, `新号`, `新號`, `新的`, `私人`, `lieber`, `besser`, `direkt`,
		`neue`, `tercih`, `daha iyi`, `yeni\b`, `doğrudan`)
	// staleCue says the number is not the one to use.
	staleCue = words(`old\b`, `former`, `previous`, `no longer`, `not in use`, `rarely`, `never`, `don't call`,
		`do not call`, `not available`, `outdated`, `wrong`, `inactive`, `disconnected`, `fax`, `ghadimi`,
		`قدیمی`, `قبلی`, `جواب نمید`, `جواب نمی`, `کسی جواب`, `خاموش`, `زنگ نزنید`, `تماس نگیرید`, `اشتباه`,
		`فکس`, `القديم`, `السابق`, `لا يرد`, `ما يرد`, `محدش`, `مقفل`, `غلط`, `فاكس`, `<старый`, `<старого`,
		`прежн`, `не актуал`, `не звоните`, `неверн`, `ошибочн`, `<ошиб`, `факс`, `旧`, `舊`, `以前的`,
		`打不通`, `不要打`, `写错`, `寫錯`, `传真`, `傳真`, `eski\b`, `alt\b`, `alte\b`, `nicht mehr`, `faks`)
	// officeCue marks a shared line: fine when it is the only one, second to a personal number.
	officeCue = words(`office`, `switchboard`, `landline`, `company`, `work\b`, `desk\b`, `reception`, `hq\b`,
		`main line`, `general`, `front desk`,
		`دفتر`, `شرکت`, `محل کار`, `ثابت`, `المكتب`, `الشركة`, `مكتب`, `الثابت`, `أرضي`, `ارضي`,
		`<офис`, `рабоч`, `<общ`, `компани`, `городск`, `公司`, `办公`, `辦公`, `座机`, `座機`, `总机`, `總機`,
		`ofis`, `şirket`, `sabit`, `büro`, `zentrale`, `firma`, `festnetz`)
	// correctionCue marks a message that corrects something said before: its numbers and
	// addresses replace the earlier ones.
	correctionCue = words(`sorry`, `typo`, `correction`, `i meant`, `wrong`, `mistake`, `actually`, `update`,
		`new number`, `new email`, `forget the`, `forget that`, `ignore the`, `ignore that`, `disregard that`,
		`disregard the`, `right one`, `correct one`, `right number`, `correct number`, `correct email`,
		`ebakhshid`, `bebakhshid`, `eshtebah`,
		`ببخشید`, `اشتباه`, `درستش`, `صحیح`, `منظورم`, `اصلاح`, `غلط`, `الصح`, `الصحيح`, `آسف`, `اسف`,
		`عفوا`, `تصحيح`, `أقصد`, `اقصد`, `معلش`, `ошиб`, `поправк`, `правильн`, `точнее`, `извин`, `исправ`,
		`<новый`, `抱歉`, `不好意思`, `写错`, `寫錯`, `打错`, `打錯`, `应该是`, `應該是`, `更正`, `纠正`, `糾正`,
		`pardon`, `yanlış`, `düzelt`, `doğrusu`, `entschuldig`, `korrektur`, `falsch`, `korrigier`, `richtige`)
	// thirdPartyCue says a number or address belongs to someone else the customer mentions. Role
	// words a customer also uses of themself ("я руководитель", "من مدیرم") are not cues.
	thirdPartyCue = words(`colleague`, `coworker`, `co-worker`, `my boss`, `my manager`, `my assistant`,
		`my partner's`, `his number`, `her number`, `his email`, `her email`, `his phone`, `her phone`, `همکارم`,
		`زميلي`, `زميلتي`, `<коллег`, `同事`, `老板的`, `老闆的`, `kollege`, `kollegin`, `meslektaş`, `iş arkadaş`)
	// contrastWord starts a new thought: cue words across it are about another number.
	contrastWord = words(`but\b`, `however`, `although`, `though\b`, `ولی`, `<اما>`, `لكن`, `لاكن`, `<بس>`,
		`<но>`, `однако`, `但是`, `不過`, `不过`, `可是`, `aber\b`, `jedoch`, `ama\b`, `fakat`, `ancak`)
	// referenceLabel names numbers that are not phones: orders, invoices, accounts, postal codes.
	referenceLabel = words(`order`, `invoice`, `inv\b`, `po\b`, `p\.o\.`, `ticket`, `case\b`, `ref\b`, `ref\.`,
		`reference`, `id\b`, `account`, `acct`, `a/c`, `serial`, `s/n`, `tracking`, `track\b`, `receipt`,
		`zip`, `postal`, `postcode`, `post code`, `code\b`, `pin\b`, `otp\b`, `iban`, `card\b`, `sku\b`,
		`model`, `item\b`, `booking`, `reservation`, `confirmation`, `customer number`, `client number`,
		`membership`, `isbn`, `ip\b`, `version`, `#`, `№`,
		`سفارش`, `پیگیری`, `فاکتور`, `کد`, `پستی`, `حساب`, `شناسه`, `قبض`, `رسید`, `مرجع`, `کارت`, `شبا`,
		`ملی`, `پلاک`, `الطلب`, `الأوردر`, `أوردر`, `اوردر`, `الاوردر`, `المرجع`, `مرجع`, `الفاتورة`,
		`فاتورة`, `الحساب`, `البريدي`, `التتبع`, `تتبع`, `الشحنة`, `بوليصة`, `التذكرة`, `تذكرة`, `الهوية`,
		`بطاقة`, `заказ`, `<счёт`, `<счет`, `договор`, `индекс`, `артикул`, `накладн`, `трек`, `лицев`, `<карт`,
		`паспорт`, `<инн`, `тикет`, `заявк`, `订单`, `訂單`, `单号`, `單號`, `编号`, `編號`, `邮编`, `郵編`,
		`工单`, `工單`, `发票`, `發票`, `收据`, `收據`, `账号`, `賬號`, `帳號`, `快递`, `快遞`, `身份证`, `卡号`,
		`sipariş`, `fatura`, `posta kodu`, `hesap`, `bestell`, `rechnung`, `kundennummer`, `plz\b`, `auftrag`,
		`аккаунт`, `логин`, `<ид>`, `user id`, `username`, `login`,
		// Tax and company registration numbers.
		`tax id`, `tax number`, `vat\b`, `<кпп`, `<огрн`, `<бик`, `vergi`, `steuernummer`, `ust-id`,
		`handelsregister`, `کد اقتصادی`, `ثبت شرکت`, `الرقم الضريبي`, `ضريبي`, `السجل التجاري`, `税号`, `稅號`,
		`统一社会信用代码`)
	// quantityAfter: a unit or currency right after the digits makes them an amount, not a phone.
	quantityAfter = regexp.MustCompile(`(?i)^\s?(?:%|(?:k|m|b|mn|bn|tl|kg|mm|cm|sq|pcs|m2)\b|usd|eur|gbp|aed|sar|irr|irt|rub|cny|rmb|hkd|inr|egp|kwd|qar|omr|kzt|byn|uah|dollar|euro|toman|rial|riyal|dirham|pound|rupee|units|items|users|seats|licen|\$|€|£|¥|₹|₺|₽|₸|руб|р\.|тыс|млн|млрд|тенге|шт|кг|мм|см|тг|تومان|تومن|ریال|ريال|درهم|جنيه|دولار|دينار|ليرة|هزار|میلیون|میلیارد|ألف|الف|مليون|مليار|نفر|کاربر|عدد|دستگاه|متر|元|块|塊|万|萬|亿|億|千|港元|港币|港幣|美元|台|个|個|件|人|份|套|年|月|日|号|號)`)
	// quantityBefore: a currency or price word right before the digits.
	quantityBefore = regexp.MustCompile(`(?i)(?:\$|€|£|¥|₹|₺|₽|usd|eur|gbp|aed|sar|inr|rs\.?|rmb|cny|irr|rub|egp|kwd|qar|budget|price|cost|بودجه|قیمت|مبلغ|ميزانية|سعر|бюджет|цена|стоимость|预算|預算|价格|價格)\s*[:~≈-]?\s*$`)
	// notPhoneShape are digit shapes that are payment card numbers (four groups of four), dates
	// (Gregorian or Persian years), year ranges or IP addresses, not phones.
	notPhoneShape = regexp.MustCompile(`^(?:\d{4}[ -]\d{4}[ -]\d{4}[ -]\d{4}|\d{1,2}[./-]\d{1,2}[./-]\d{2,4}|(?:19|20|13|14)\d{2}[./-]\d{1,2}[./-]\d{1,4}|(?:19|20|13|14)\d{2}\s*-\s*(?:19|20|13|14)\d{2}|\d{1,3}(?:\.\d{1,3}){3})$`)
)

// extensionAfter is an extension glued to the number ("555-0187x42"): the number stays a phone and
// the extension is dropped.
var extensionAfter = regexp.MustCompile(`^(?i:x|ext|extn)\.?[ ]?\d{1,6}\b`)

// phoneCandidate is one valid number a customer wrote, with how much the context says it is the
// number to call.
type phoneCandidate struct {
	e164     string
	score    float64
	evidence string
}

// maxRunsPerMessage bounds the work on one message; maxRunDigits is more than two phone numbers
// written side by side can hold.
const (
	maxRunsPerMessage = 64
	maxRunDigits      = 32
)

// Minimum scores: a text number at least this good beats the channel's number; below minPhone
// it is not used at all.
const (
	minOverChannel = 0.35
	minPhone       = 0.2
)

func (c *conversation) phone() lead.Field[string] {
	var best *phoneCandidate
	for _, p := range c.phoneCandidates() {
		if best == nil || p.score > best.score {
			best = &p
		}
	}
	if best != nil && best.score >= minOverChannel {
		return lead.Set(best.e164, clamp(min(best.score, 0.97)), best.evidence, lead.SourceRules)
	}
	if e164, _, ok := c.senderPhone(); ok {
		// The channel vouches for this number (WhatsApp, a verified login).
		return lead.Set(e164, 0.9, strings.TrimSpace(*c.in.Sender.Phone), lead.SourceChannel)
	}
	if best != nil && best.score >= minPhone {
		return lead.Set(best.e164, clamp(best.score), best.evidence, lead.SourceRules)
	}
	return lead.Field[string]{}
}

// phoneCandidates returns every valid phone number in the customer's messages, in order.
func (c *conversation) phoneCandidates() []phoneCandidate {
	regions := c.phoneRegions()
	business := c.businessPhones(regions)
	var out []phoneCandidate
	for _, m := range c.msgs {
		runs := numberRuns(m.text)
		if len(runs) > maxRunsPerMessage {
			runs = runs[:maxRunsPerMessage] // a dump of numbers, not a conversation: read its start
		}
		for k, r := range runs {
			if r[0] >= m.trusted {
				break // numbers inside an attempt to instruct the bot are not evidence
			}
			prevEnd, nextStart := 0, len(m.text)
			if k > 0 {
				prevEnd = runs[k-1][1]
			}
			if k+1 < len(runs) {
				nextStart = runs[k+1][0]
			}
			// "X … but Y": a number offered after a contrast with an earlier one in the same message is
			// the one the customer means ("my number is X but my WhatsApp is Y, message me there").
			contrasted := k > 0 && contrastWord.MatchString(m.text[prevEnd:r[0]])
			before := m.text[max(clauseStart(m.text, r[0]), prevEnd):r[0]]
			if loc := lastMatch(contrastWord, before); loc != nil {
				before = before[loc[1]:] // "… but call my cell instead: X": only what follows "but" is about X
			}
			before = lastRunes(before, 40)
			after := m.text[r[1]:min(clauseEnd(m.text, r[1]), nextStart)]
			if loc := contrastWord.FindStringIndex(after); loc != nil {
				after = after[:loc[0]]
			}
			after = firstRunes(after, 30)
			if notAPhone(m.text, r[0], r[1], before) {
				continue
			}
			numbers, whole := parseRun(m.text[r[0]:r[1]], regions)
			if whole && quantityAfter.MatchString(m.text[r[1]:]) {
				continue // "1 500 000 руб": an amount, not a phone
			}
			for _, n := range numbers {
				if at, ok := business[n.e164]; ok && at < m.at {
					continue // the business's own number, repeated by the customer ("I called 020 …")
				}
				p := phoneCandidate{e164: n.e164}
				p.score = scorePhone(m, n, before, after, len(out) > 0, len(runs))
				if contrasted {
					p.score += 0.15
				}
				p.evidence = m.evidence(r[0]-len(before), r[1], true)
				out = append(out, p)
			}
		}
	}
	return out
}

// businessPhones are the numbers the bot or agents wrote, with the index of the message that
// first did. A number the bot wrote before the customer did is the business's; one it wrote after
// is the bot repeating the customer's ("we'll call you on …").
func (c *conversation) businessPhones(regions []string) map[string]int {
	out := map[string]int{}
	for i, m := range c.in.Messages {
		if m.Role == lead.RoleCustomer {
			continue
		}
		text := fold(m.Text).s
		for _, r := range numberRuns(text) {
			numbers, _ := parseRun(text[r[0]:r[1]], regions)
			for _, n := range numbers {
				if _, seen := out[n.e164]; !seen {
					out[n.e164] = i
				}
			}
		}
	}
	return out
}

// phoneRegions are the regions tried for numbers written without a country code, best first: the
// conversation's country, the locale's region, then the region of the channel's number.
func (c *conversation) phoneRegions() []string {
	regions := append([]string(nil), c.regions...)
	if _, r, ok := c.senderPhone(); ok && r != "" && !contains(regions, r) {
		regions = append(regions, r)
	}
	return regions
}

// senderPhone reads the number the channel vouches for. Channels send international digits,
// with or without "+" (WhatsApp: "447400123456"); a national form is read with the default regions.
func (c *conversation) senderPhone() (e164, region string, ok bool) {
	s := c.in.Sender
	if s == nil || s.Phone == nil {
		return "", "", false
	}
	raw := fold(*s.Phone).s
	if e164, region, ok := parseInternational(digitsOnly(raw)); ok && !strings.HasPrefix(digitsOnly(raw), "0") {
		return e164, region, true
	}
	if n, ok := parseNumber(raw, c.regions); ok {
		return n.e164, n.region, true
	}
	return "", "", false
}

// scorePhone weighs the context of one number.
func scorePhone(m *customerMsg, n parsedNumber, before, after string, earlier bool, numbersInMsg int) float64 {
	s := 0.45
	switch n.kind {
	case phonenumbers.MOBILE, phonenumbers.FIXED_LINE_OR_MOBILE:
		s += 0.1 // people are called on mobiles
	case phonenumbers.TOLL_FREE, phonenumbers.PREMIUM_RATE, phonenumbers.SHARED_COST, phonenumbers.UAN,
		phonenumbers.VOICEMAIL, phonenumbers.PAGER:
		s -= 0.2 // a business line, rarely a lead's own
	}
	bare := utf8.RuneCountInString(strings.TrimSpace(m.text)) <= 60 && numbersInMsg <= 2
	switch {
	case phoneCue.MatchString(before) || numberWord.MatchString(before):
		s += 0.2
	case phoneCue.MatchString(after) || numberWord.MatchString(after):
		s += 0.1
	case m.ask.phone && bare:
		s += 0.2 // a bare answer to "your number, please"
	}
	if preferCue.MatchString(before) || preferCue.MatchString(after) {
		s += 0.25
	}
	if staleCue.MatchString(before) || staleCue.MatchString(after) {
		s -= 0.35
	}
	if officeCue.MatchString(before) || officeCue.MatchString(after) {
		s -= 0.1
	}
	if thirdPartyCue.MatchString(before) || thirdPartyCue.MatchString(after) {
		s -= 0.3 // a colleague's or assistant's number, not the customer's own
	}
	if earlier && correctionCue.MatchString(m.text) {
		s += 0.3 // "sorry, it's…": a later correction wins
	}
	s -= n.penalty
	return s
}

// numberRuns finds runs of digits and phone separators ("+7 (916) 000-12-34") in s.
func numberRuns(s string) [][2]int {
	var runs [][2]int
	for i := 0; i < len(s); {
		c := s[i]
		startsRun := isDigit(c) || ((c == '+' || c == '(') && i+1 < len(s) && (isDigit(s[i+1]) || s[i+1] == '+'))
		if !startsRun {
			i++
			continue
		}
		start, last, seps := i, -1, 0
		j := i
		for ; j < len(s); j++ {
			ch := s[j]
			if isDigit(ch) {
				last, seps = j, 0
				continue
			}
			sep := ch == ' ' || ch == '-' || ch == '.' || ch == '(' || ch == ')' || (ch == '+' && j == start)
			if !sep || seps >= 3 || (ch == '.' && j > 0 && s[j-1] == '.') {
				break
			}
			seps++
		}
		if last >= start {
			runs = append(runs, [2]int{start, last + 1})
		}
		i = max(j, start+1)
	}
	return runs
}

// notAPhone rejects runs whose shape or label says they are something else: codes glued to letters
// (HX4500-22871, RC-2024…), dates, amounts, order and account numbers, postal codes.
func notAPhone(s string, start, end int, before string) bool {
	if start > 0 {
		p := s[start-1]
		if isASCIILetter(p) || p == '_' || p == '/' || p == '#' || p == '\\' || p == '=' || p == '&' {
			return true
		}
		if (p == '-' || p == '.') && start > 1 && (isASCIILetter(s[start-2]) || isDigit(s[start-2])) {
			return true
		}
	}
	if end < len(s) {
		n := s[end]
		if (isASCIILetter(n) && !extensionAfter.MatchString(s[end:])) || n == '_' || n == '/' || n == '%' || n == '\\' {
			return true
		}
		if (n == '-' || n == '.') && end+1 < len(s) && (isASCIILetter(s[end+1]) || isDigit(s[end+1])) {
			return true
		}
	}
	raw := strings.TrimSpace(s[start:end])
	if notPhoneShape.MatchString(raw) {
		return true
	}
	if quantityBefore.MatchString(before) {
		return true
	}
	if loc := lastMatch(referenceLabel, before); loc != nil {
		// "شماره سفارش: …" is an order number; "order 12, phone: …" is a phone.
		if cue := lastMatch(phoneCue, before); cue == nil || cue[1] <= loc[1] {
			return true
		}
	}
	return false
}

// lastMatch returns the last cue of re in s, or nil.
func lastMatch(re *cueSet, s string) []int {
	all := re.FindAllStringIndex(s, -1)
	if len(all) == 0 {
		return nil
	}
	return all[len(all)-1]
}

// parsedNumber is a valid phone number and how much its reading was a guess.
type parsedNumber struct {
	e164    string
	region  string
	kind    phonenumbers.PhoneNumberType
	penalty float64
}

// parseRun reads the phone numbers in one run. Usually the run is one number (whole); when it is
// not valid as a whole, it may be a number followed by other digits, or two numbers side by side.
func parseRun(raw string, regions []string) (numbers []parsedNumber, whole bool) {
	if len(digitsOnly(raw)) > maxRunDigits {
		return nil, false
	}
	if n, ok := parseNumber(raw, regions); ok {
		return []parsedNumber{n}, true
	}
	groups := digitGroups(raw)
	if len(groups) < 2 {
		return nil, false
	}
	// The longest valid prefix of whole groups, then whatever follows it.
	for k := len(groups) - 1; k >= 1; k-- {
		head := raw[:groups[k-1][1]]
		if len(digitsOnly(head)) < 7 {
			break
		}
		n, ok := parseNumber(head, regions)
		if !ok {
			continue
		}
		n.penalty += 0.1
		out := []parsedNumber{n}
		rest := raw[groups[k][0]:]
		if len(digitsOnly(rest)) >= 7 {
			if m, ok := parseNumber(rest, regions); ok {
				m.penalty += 0.1
				out = append(out, m)
			}
		}
		return out, false
	}
	return nil, false
}

// digitGroups returns the bounds of the digit groups of raw.
func digitGroups(raw string) [][2]int {
	var g [][2]int
	for i := 0; i < len(raw); {
		if !isDigit(raw[i]) {
			i++
			continue
		}
		j := i
		for j < len(raw) && isDigit(raw[j]) {
			j++
		}
		g = append(g, [2]int{i, j})
		i = j
	}
	return g
}

// parseNumber reads one phone number written in international or national form.
func parseNumber(raw string, regions []string) (parsedNumber, bool) {
	digits := digitsOnly(raw)
	trimmed := strings.TrimLeft(raw, "( ")
	international := strings.HasPrefix(trimmed, "+")
	if !international && strings.HasPrefix(digits, "00") {
		// 00 is the international prefix almost everywhere the product is used.
		digits, international = digits[2:], true
	}
	if len(digits) < 7 || len(digits) > 15 {
		return parsedNumber{}, false
	}
	if international {
		e164, region, ok := parseInternational(digits)
		if !ok {
			return parsedNumber{}, false
		}
		return parsedNumber{e164: e164, region: region, kind: numberType(e164)}, true
	}
	for i, r := range regions {
		e164, ok := canonicalPhone(digits, r)
		if !ok {
			continue
		}
		num, _ := phonenumbers.Parse(e164, "")
		p := parsedNumber{
			e164:   e164,
			region: phonenumbers.GetRegionCodeForNumber(num),
			kind:   phonenumbers.GetNumberType(num),
		}
		if i > 0 {
			p.penalty = 0.1 // read with a fallback region
		}
		return p, true
	}
	if len(digits) >= 11 {
		// A country code written without "+" ("989121234567"): a guess, so scored lower.
		if e164, region, ok := parseInternational(digits); ok {
			return parsedNumber{e164: e164, region: region, kind: numberType(e164), penalty: 0.15}, true
		}
	}
	return parsedNumber{}, false
}

// parseInternational reads digits that start with a country code.
func parseInternational(digits string) (e164, region string, ok bool) {
	if len(digits) < 7 || len(digits) > 15 {
		return "", "", false
	}
	e164, ok = canonicalPhone("+"+digits, "")
	if !ok {
		return "", "", false
	}
	num, _ := phonenumbers.Parse(e164, "")
	return e164, phonenumbers.GetRegionCodeForNumber(num), true
}

// canonicalPhone is the number's E.164 form as the matcher keys it (identity.Phone), so a lead
// and its contact agree: Brazil's mobiles written in the old eight-digit form (which
// libphonenumber rejects) are read in their nine-digit form.
func canonicalPhone(raw, region string) (string, bool) {
	key, _, ok := identity.Phone(raw, region)
	return key, ok
}

func numberType(e164 string) phonenumbers.PhoneNumberType {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return phonenumbers.UNKNOWN
	}
	return phonenumbers.GetNumberType(num)
}

// digitsOnly keeps the ASCII digits of s.
func digitsOnly(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if isDigit(s[i]) {
			b.WriteByte(s[i])
		}
	}
	return b.String()
}

// phoneRegion returns the region of an E.164 number, or "".
func phoneRegion(e164 string) string {
	num, err := phonenumbers.Parse(e164, "")
	if err != nil {
		return ""
	}
	r := phonenumbers.GetRegionCodeForNumber(num)
	if r == "ZZ" || r == "001" {
		return ""
	}
	return r
}
