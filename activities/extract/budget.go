package extract

import (
	"math"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/currency"
	"golang.org/x/text/language"

	"github.com/leadflow/leadflow/internal/lead"
)

// budgetCue marks an amount the customer can spend. Only amounts next to such a cue count: the
// bot's prices and the prices a customer asks about are not a budget.
var budgetCue = words(`budget`, `to spend`, `can spend`, `can afford`, `spend up to`, `willing to pay`,
	`бюджет`, `بودجه`, `ميزاني`, `الميزانيه`, `预算`, `預算`, `bütçe`, `presupuesto`, `orçamento`,
	// Saying what one is ready to pay or invest, in each language.
	`willing to invest`, `invest up to`, `can invest`, `can pay up to`, `could pay up to`, `ready to pay`,
	`able to pay`, `prepared to pay`, `prepared to spend`, `ready to spend`, `set aside`,
	`می‌تونیم هزینه کنیم`, `میتونیم هزینه کنیم`, `می‌تونیم پرداخت کنیم`, `میتونیم پرداخت کنیم`,
	`می‌توانیم هزینه کنیم`, `تا سقف`, `نقدر ندفع`, `نقدر نصرف`, `أقدر أدفع`, `اقدر ادفع`, `نستطيع دفع`,
	`مستعدين ندفع`, `مستعدين لدفع`, `مستعد أدفع`, `готовы потратить`, `готовы заплатить`, `готовы вложить`,
	`готовы инвестировать`, `можем потратить`, `можем заплатить`, `можем выделить`, `рассчитываем на сумму`,
	`能接受`, `最多能出`, `可以花`, `愿意花`, `願意花`, `harcayabiliriz`, `ödeyebiliriz`, `ayırdık`,
	`ayırabiliriz`, `ausgeben`, `investieren`, `zahlen können`, `bezahlen können`)

// currencyToken is a currency written as a symbol, ISO code or word, in any of the product's languages.
const currencyToken = `HK\$|NT\$|US\$|A\$|C\$|S\$|\$|€|£|¥|￥|₽|₸|₴|₹|₩|₺|` +
	`港元|港币|港幣|新台币|新台幣|台币|台幣|人民币|人民幣|美元|美金|欧元|歐元|元|块|塊|円|원|` +
	`تومان|تومن|ریال|ريال|درهم|جنيه|دينار|ليرة|دلار|دولار|یورو|يورو|ر\.س|د\.إ|د\.ك|ج\.م|` +
	`руб(?:\.|лей|ля|ль)?|р\.|тенге|тг|сум|грн|гривен|доллар(?:ов|а)?|евро|фунт(?:ов|а)?|` +
	`(?i:\b(?:usd|eur|gbp|aed|sar|qar|omr|kwd|bhd|jod|irr|irt|rub|rur|byn|kzt|uah|uzs|cny|rmb|hkd|twd|jpy|krw|inr|egp|try|tl|chf|sek|nok|dkk|pln|czk|cad|aud|sgd|myr|idr|thb|php|pkr|ils|mad|tnd|dzd|iqd|lbp|toman|tomans|rials?|riyals?|dirhams?|dinars?|lira|dollars?|bucks|euros?|pounds?|rupees?|rs\.?|yuan|yen|tenge|r[o]?ubles?)\b)`

// multiplierToken is a word for thousand, million, billion… ("۵۰۰ میلیون", "300 тыс.", "20万").
const multiplierToken = `(?i:(?:thousand|millions?|billions?|milion|miliard|milliard|mln|mio|mrd|bn|mn|k|m|b|lakh|lac|crore|bin|milyon|milyar|tsd|tausend|milliarden?)\b)|` +
	`هزار|میلیون|ملیون|میلیارد|ملیارد|ألف|الف|آلاف|ألاف|مليون|ملايين|مليار|` +
	`тыс(?:яч[аи]?)?|млн|миллион(?:а|ов)?|млрд|миллиард(?:а|ов)?|к|百万|百萬|千|万|萬|亿|億`

var amountPattern = regexp.MustCompile(`(?:(` + currencyToken + `)[ \t]?)?(\d{1,3}(?:[, ]\d{3})+(?:\.\d+)?|\d+(?:[.,]\d+)?)[ \t]*(?:(` + multiplierToken + `)\.?)?[ \t]*(?:(` + currencyToken + `))?`)

// amount is one amount of money as written.
type amount struct {
	start, end int
	value      float64
	currency   string // ISO 4217, "" when not written
	toman      bool
}

// findAmounts returns the amounts written in s.
func findAmounts(s string) []amount {
	out := append(hanAmounts(s), wordAmounts(s)...)
	for _, m := range amountPattern.FindAllStringSubmatchIndex(s, -1) {
		num := s[m[4]:m[5]]
		if m[0] > 0 && (isDigit(s[m[0]-1]) || isASCIILetter(s[m[0]-1])) && m[2] < 0 {
			continue // the tail of a code or a longer number
		}
		if m[1] < len(s) && s[m[1]] == '%' {
			continue
		}
		mult := 1.0
		if m[6] >= 0 {
			mult = multiplier(s[m[6]:m[7]])
			if s[m[6]:m[7]] == "к" && m[7] < len(s) {
				// Russian "500к" is 500 000, but "500 км" and "500 кг" are not money.
				if r, _ := utf8.DecodeRuneInString(s[m[7]:]); unicode.IsLetter(r) {
					continue
				}
			}
		}
		v, ok := parseNumber10(num, mult != 1)
		if !ok {
			continue
		}
		a := amount{start: m[0], end: m[1], value: v * mult}
		for _, g := range [][2]int{{m[2], m[3]}, {m[8], m[9]}} {
			if g[0] >= 0 && a.currency == "" {
				a.currency, a.toman = currencyCode(s[g[0]:g[1]])
			}
		}
		out = append(out, a)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].start < out[j].start })
	return out
}

// wordAmountPattern is "a million" written without digits and followed by a currency: "مليون ريال",
// "a million dollars", "миллион рублей", "یک میلیارد تومان".
var wordAmountPattern = regexp.MustCompile(`(?:^|[^\p{L}\d])((?i:(?:a|one)[ \t]+(?:million|billion))|(?:یک[ \t]+)?(?:میلیون|میلیارد)|(?:مليون|مليار)|(?:один[ \t]+)?(?:миллион|миллиард))[ \t]+(` + currencyToken + `)`)

// wordAmounts returns the amounts of s written as a bare "million" or "billion".
func wordAmounts(s string) []amount {
	var out []amount
	for _, m := range wordAmountPattern.FindAllStringSubmatchIndex(s, -1) {
		if prev := strings.TrimRight(s[:m[2]], " \t"); prev != "" && isDigit(prev[len(prev)-1]) {
			continue // "۲ میلیون تومان": amountPattern reads it whole
		}
		w := strings.Fields(s[m[2]:m[3]])
		a := amount{start: m[2], end: m[1], value: multiplier(w[len(w)-1])}
		a.currency, a.toman = currencyCode(s[m[4]:m[5]])
		if a.value > 1 {
			out = append(out, a)
		}
	}
	return out
}

// hanAmountPattern is an amount written in Chinese numerals ("五万元", "十五万", "两千块"): it must carry
// a multiplier or a currency, or it is only a number word ("一套", "三个").
var hanAmountPattern = regexp.MustCompile(`([零〇一二两兩三四五六七八九十百千]+)(万|萬|亿|億)?[ \t]*(元|块|塊|人民币|人民幣|港元|港币|港幣|美元)?`)

// hanAmounts returns the amounts of s written in Chinese numerals.
func hanAmounts(s string) []amount {
	var out []amount
	for _, m := range hanAmountPattern.FindAllStringSubmatchIndex(s, -1) {
		if m[4] < 0 && m[6] < 0 {
			continue
		}
		v, ok := parseHanNumber(s[m[2]:m[3]])
		if !ok {
			continue
		}
		if m[4] >= 0 {
			v *= multiplier(s[m[4]:m[5]])
		}
		a := amount{start: m[0], end: m[1], value: v}
		if m[6] >= 0 {
			a.currency, a.toman = currencyCode(s[m[6]:m[7]])
		}
		out = append(out, a)
	}
	return out
}

// hanDigits are the Chinese digit characters, by value.
var hanDigits = map[rune]int{'零': 0, '〇': 0, '一': 1, '二': 2, '两': 2, '兩': 2, '三': 3, '四': 4, '五': 5,
	'六': 6, '七': 7, '八': 8, '九': 9}

// hanUnits are the Chinese place units below ten thousand.
var hanUnits = map[rune]int{'十': 10, '百': 100, '千': 1000}

// parseHanNumber reads a Chinese numeral below ten thousand: "三千五百" = 3500, "十五" = 15.
func parseHanNumber(s string) (float64, bool) {
	total, digit := 0, 0
	for _, r := range s {
		if d, ok := hanDigits[r]; ok {
			digit = d
			continue
		}
		unit, ok := hanUnits[r]
		if !ok {
			return 0, false
		}
		if digit == 0 && unit == 10 {
			digit = 1 // "十五" is fifteen
		}
		total += digit * unit
		digit = 0
	}
	n := total + digit
	return float64(n), n > 0
}

// parseNumber10 reads "20,000", "4.5", "12,5", "1.500.000" and "45 000".
func parseNumber10(s string, hasMultiplier bool) (float64, bool) {
	s = strings.ReplaceAll(s, " ", "")
	comma, dot := strings.LastIndexByte(s, ','), strings.LastIndexByte(s, '.')
	switch {
	case comma >= 0 && dot >= 0:
		if comma > dot {
			s = strings.ReplaceAll(strings.ReplaceAll(s, ".", ""), ",", ".")
		} else {
			s = strings.ReplaceAll(s, ",", "")
		}
	case comma >= 0:
		if thousands(s, ',') && !hasMultiplier {
			s = strings.ReplaceAll(s, ",", "")
		} else if thousands(s, ',') && len(s)-comma-1 == 3 && strings.Count(s, ",") > 1 {
			s = strings.ReplaceAll(s, ",", "")
		} else {
			s = strings.Replace(s, ",", ".", 1)
		}
	case dot >= 0:
		if thousands(s, '.') && (!hasMultiplier || strings.Count(s, ".") > 1) {
			s = strings.ReplaceAll(s, ".", "")
		}
	}
	v, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsInf(v, 0) || math.IsNaN(v) {
		return 0, false
	}
	return v, true
}

// thousands reports whether sep groups s in threes ("20,000", "1.500.000").
func thousands(s string, sep byte) bool {
	parts := strings.Split(s, string(sep))
	if len(parts) < 2 || len(parts[0]) == 0 || len(parts[0]) > 3 {
		return false
	}
	for _, p := range parts[1:] {
		if len(p) != 3 {
			return false
		}
	}
	return true
}

func multiplier(w string) float64 {
	l := strings.ToLower(strings.TrimSuffix(w, "."))
	switch {
	case l == "k" || l == "к" || l == "thousand" || l == "tsd" || l == "tausend" || l == "bin" || l == "هزار" ||
		l == "ألف" || l == "الف" || l == "آلاف" || l == "ألاف" || strings.HasPrefix(l, "тыс") || l == "千":
		return 1e3
	case l == "万" || l == "萬":
		return 1e4
	case l == "lakh" || l == "lac":
		return 1e5
	case l == "crore":
		return 1e7
	case l == "亿" || l == "億":
		return 1e8
	case l == "b" || l == "bn" || strings.HasPrefix(l, "billion") || l == "miliard" || strings.HasPrefix(l, "milliard") ||
		l == "milyar" || l == "mrd" || l == "میلیارد" || l == "ملیارد" || l == "مليار" || l == "млрд" ||
		strings.HasPrefix(l, "миллиард"):
		return 1e9
	case l == "m" || l == "mn" || l == "mln" || l == "mio" || strings.HasPrefix(l, "million") || l == "milion" ||
		l == "milyon" || l == "میلیون" || l == "ملیون" || l == "مليون" || l == "ملايين" || l == "млн" ||
		strings.HasPrefix(l, "миллион") || l == "百万" || l == "百萬":
		return 1e6
	}
	return 1
}

// currencyCode maps a written currency to ISO 4217. Words shared by several countries (rial,
// dinar, "元") come back as a placeholder that regionCurrency settles.
func currencyCode(tok string) (code string, toman bool) {
	l := strings.ToLower(strings.TrimSpace(tok))
	switch {
	case l == "hk$" || l == "港元" || l == "港币" || l == "港幣" || l == "hkd":
		return "HKD", false
	case l == "nt$" || l == "新台币" || l == "新台幣" || l == "台币" || l == "台幣" || l == "twd":
		return "TWD", false
	case l == "a$" || l == "aud":
		return "AUD", false
	case l == "c$" || l == "cad":
		return "CAD", false
	case l == "s$" || l == "sgd":
		return "SGD", false
	case l == "$" || l == "us$" || l == "usd" || strings.HasPrefix(l, "dollar") || l == "bucks" || l == "دلار" ||
		l == "دولار" || strings.HasPrefix(l, "доллар") || l == "美元" || l == "美金":
		return "USD", false
	case l == "€" || l == "eur" || strings.HasPrefix(l, "euro") || l == "евро" || l == "یورو" || l == "يورو" ||
		l == "欧元" || l == "歐元":
		return "EUR", false
	case l == "£" || l == "gbp" || strings.HasPrefix(l, "pound") || strings.HasPrefix(l, "фунт"):
		return "GBP", false
	case l == "₽" || strings.HasPrefix(l, "руб") || l == "р." || l == "rub" || l == "rur" || strings.HasPrefix(l, "ruble") ||
		strings.HasPrefix(l, "rouble"):
		return "RUB", false
	case l == "₸" || l == "тенге" || l == "тг" || l == "kzt" || l == "tenge":
		return "KZT", false
	case l == "грн" || l == "гривен" || l == "₴" || l == "uah":
		return "UAH", false
	case l == "сум" || l == "uzs":
		return "UZS", false
	case l == "تومان" || l == "تومن" || l == "toman" || l == "tomans" || l == "irt":
		return "IRR", true
	case l == "ریال" || l == "irr":
		return "IRR", false
	case l == "ريال" || strings.HasPrefix(l, "rial") || strings.HasPrefix(l, "riyal") || l == "ر.س":
		return "RIAL", false
	case l == "درهم" || strings.HasPrefix(l, "dirham") || l == "aed" || l == "د.إ":
		return "DIRHAM", false
	case l == "جنيه" || l == "ج.م" || l == "egp":
		return "POUND", false
	case l == "دينار" || strings.HasPrefix(l, "dinar") || l == "د.ك":
		return "DINAR", false
	case l == "ليرة" || l == "lira" || l == "₺" || l == "tl" || l == "try":
		return "LIRA", false
	case l == "元" || l == "块" || l == "塊" || l == "人民币" || l == "人民幣" || l == "rmb" || l == "cny" || l == "yuan":
		return "YUAN", false
	case l == "¥" || l == "￥":
		return "YEN_OR_YUAN", false
	case l == "円" || l == "yen" || l == "jpy":
		return "JPY", false
	case l == "₹" || l == "inr" || strings.HasPrefix(l, "rs") || strings.HasPrefix(l, "rupee"):
		return "INR", false
	case l == "₩" || l == "원" || l == "krw":
		return "KRW", false
	}
	if len(l) == 3 {
		return strings.ToUpper(l), false
	}
	return "", false
}

// regionCurrency settles a placeholder currency with the conversation's region.
func regionCurrency(code, region string) string {
	pick := func(def string, byRegion map[string]string) string {
		if c, ok := byRegion[region]; ok {
			return c
		}
		return def
	}
	switch code {
	case "RIAL":
		return pick("SAR", map[string]string{"IR": "IRR", "QA": "QAR", "OM": "OMR", "YE": "YER"})
	case "DIRHAM":
		return pick("AED", map[string]string{"MA": "MAD"})
	case "POUND":
		return pick("EGP", map[string]string{"SD": "SDG", "SS": "SSP", "LB": "LBP", "SY": "SYP"})
	case "DINAR":
		return pick("KWD", map[string]string{"BH": "BHD", "JO": "JOD", "IQ": "IQD", "LY": "LYD", "TN": "TND", "DZ": "DZD", "RS": "RSD"})
	case "LIRA":
		return pick("TRY", map[string]string{"LB": "LBP", "SY": "SYP"})
	case "YUAN":
		return pick("CNY", map[string]string{"HK": "HKD", "TW": "TWD", "MO": "MOP"})
	case "YEN_OR_YUAN":
		return pick("CNY", map[string]string{"JP": "JPY"})
	}
	return code
}

// localCurrency is the currency of a region, or "".
func localCurrency(region string) string {
	if region == "" {
		return ""
	}
	r, err := language.ParseRegion(region)
	if err != nil {
		return ""
	}
	u, ok := currency.FromRegion(r)
	if !ok {
		return ""
	}
	return u.String()
}

func (c *conversation) budget() lead.Field[lead.Money] {
	for _, m := range c.msgs {
		text := m.trustedText()
		for _, cue := range budgetCue.All(text, m.trustedLower()) {
			sa, sb := sentenceAround(text, cue[0], cue[1])
			a, ok := budgetAmount(text, cue, sa, sb)
			if !ok {
				continue
			}
			money, ok := c.money(a)
			if !ok {
				continue
			}
			conf := 0.75
			if a.currency == "" {
				conf = 0.5 // the currency is the country's, not the customer's word
			}
			ev := m.evidence(min(cue[0], a.start), max(cue[1], a.end), false)
			return lead.Set(money, conf, ev, lead.SourceRules)
		}
	}
	return lead.Field[lead.Money]{}
}

// money reads an amount as written into ISO 4217 money: an unwritten currency is the country's,
// a shared name ("rial", "元") is settled by the country, and toman (written, or an unwritten
// amount in Iran, where everyday prices are quoted in toman) becomes rials.
func (c *conversation) money(a amount) (lead.Money, bool) {
	region := c.region
	if region == "" && len(c.regions) > 0 {
		region = c.regions[0]
	}
	cur := a.currency
	if cur == "" {
		cur = localCurrency(region)
		if cur == "IRR" {
			a.toman = true
		}
	}
	cur = regionCurrency(cur, region)
	if len(cur) != 3 || a.value <= 0 {
		return lead.Money{}, false
	}
	v := a.value
	if a.toman {
		v *= 10
	}
	return lead.Money{Amount: v, Currency: cur}, true
}

// budgetAmount finds the amount a budget cue refers to: the first one after it in the sentence
// ("budget ~$5k"), else the last one before it ("$5k to spend").
func budgetAmount(text string, cue []int, sa, sb int) (amount, bool) {
	after := text[cue[1]:min(sb, cue[1]+160)]
	for _, a := range findAmounts(after) {
		if plausibleBudget(a) {
			a.start += cue[1]
			a.end += cue[1]
			return a, true
		}
	}
	from := max(sa, cue[0]-80)
	before := findAmounts(text[from:cue[0]])
	for i := len(before) - 1; i >= 0; i-- {
		if a := before[i]; plausibleBudget(a) {
			a.start += from
			a.end += from
			return a, true
		}
	}
	return amount{}, false
}

// plausibleBudget drops numbers near a budget cue that are not money: years, head counts.
func plausibleBudget(a amount) bool {
	if a.currency != "" {
		return true
	}
	if a.value >= 1900 && a.value <= 2100 && a.value == math.Trunc(a.value) {
		return false // "budget for 2025"
	}
	return a.value >= 1000
}
