package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/leadflow/leadflow/internal/lead"
)

// casedOrg is a company name in a cased script: capitalised words, digits, "&" and short
// connectors ("Bank of Cyprus", "Smith & Sons").
// Dots only inside a word ("Booking.com"): a word ending a sentence ends the name.
const casedOrg = `[\p{Lu}0-9][\p{L}\p{M}0-9&'-]*(?:\.[\p{L}\p{M}0-9&'-]+)*(?:[ \t]+(?:(?:&|and|of|for|the|und|de)[ \t]+)?[\p{Lu}0-9][\p{L}\p{M}0-9&'-]*(?:\.[\p{L}\p{M}0-9&'-]+)*){0,4}`

// legalForm are the legal-form words dropped from company names (api-v1: "Acme", not "Acme Ltd").
const legalForm = `(?:Co\.,?[ \t]*Ltd\.?|Ltd\.?[ \t]*Şti\.?|Ltd\.?|Limited|LLC|L\.L\.C\.?|Inc\.?|Incorporated|Corp\.?|Corporation|GmbH|AG|FZE|FZ-LLC|FZ[ \t]LLC|FZCO|DMCC|PLC|LLP|S\.A\.?|SAS|SARL|B\.?V\.?|Pty\.?|Pvt\.?|A\.Ş\.?|Şti\.?|s\.r\.o\.|Sp\.[ \t]z[ \t]o\.o\.|OÜ|ApS|Oy)`

// companyRule is one way a company is named, and how sure it makes us.
type companyRule struct {
	re    *regexp.Regexp // group 1 is the company region
	score float64
	mode  nameMode // head: cut at the first stop word; tail: keep what follows the last one
	need  *cueSet  // words the rule cannot match without: a cheap test before the regexp
}

var companyRules = []companyRule{
	// A legal form is the surest sign: "Carver Plastics Inc.", "ООО «Вектор»", "…有限公司", "… ش.ذ.م.م".
	{regexp.MustCompile(`(?:^|[^\p{L}])(` + casedOrg + `)[ \t]*,?[ \t]+` + legalForm + `(?:[^\p{L}]|$)`), 0.8, whole, words(`ltd`, `limited`, `llc`, `l.l.c`, `inc`, `corp`, `gmbh`, `ag\b`, `fze`, `fz`, `dmcc`, `plc`, `llp`, `s.a`, `sas\b`, `sarl`, `b.v`, `bv\b`, `pty`, `pvt`, `a.ş`, `şti`, `s.r.o`, `sp. z`, `oü`, `aps\b`, `oy\b`, `co.`)},
	{regexp.MustCompile(`(?:ООО|ОАО|ЗАО|ПАО|АО|ИП|ТОО|ОДО|ЧП)[ \t]*["«]([^"»\n]{2,40})["»]`), 0.8, whole, words(`ооо`, `оао`, `зао`, `пао`, `ао`, `ип`, `тоо`, `одо`, `чп`)},
	{regexp.MustCompile(`(?:ООО|ОАО|ЗАО|ПАО|ТОО)[ \t]+(\p{Lu}[\p{L}-]*(?:[ \t]+\p{Lu}[\p{L}-]*)?)`), 0.75, whole, words(`ооо`, `оао`, `зао`, `пао`, `тоо`)},
	{regexp.MustCompile(`(` + arabicPhrase + `)[ \t]+(?:ش\.ذ\.م\.م|ذ\.م\.م|ش\.م\.م|ش\.م\.ع|ش\.م\.ب|ش\.م\.ل)`), 0.8, tail, words(`ذ.م.م`, `ش.م`)},
	{regexp.MustCompile(`(\p{Han}{2,20})(?:股份有限公司|有限责任公司|有限責任公司|有限公司)`), 0.8, tail, words(`有限`)},
	// A company word in front: "از شرکت راهکار", "من شركة النخبة للمقاولات", "sherkat Tarava".
	{regexp.MustCompile(`(?:^|[^\p{L}])(?:شرکت|شركة|مؤسسة|موسسه|مؤسسه)[ \t]+(` + arabicPhrase + `)`), 0.75, head, words(`شرکت`, `شركة`, `مؤسس`, `موسسه`)},
	// A quoted name after the word for company keeps every word: «Северный ветер», "Blue Ocean".
	{regexp.MustCompile(`(?i:company|компания|компании|фирма|фирмы|firma|şirketi?)[ \t]+[«"“]([^»"”\n]{2,40})[»"”]`), 0.75, whole, words(`company`, `компани`, `фирм`, `firma`, `şirket`)},
	{regexp.MustCompile(`(?i:sherkat(?:e)?|sherkate|company(?:[ \t]+name)?(?:[ \t]+is|[ \t]*:)?|компания:?|компании|фирма|firma(?:[ \t]+adı)?:?|firmenname:?|unternehmen:?)[ \t]+["«]?(` + casedOrg + `)`), 0.7, whole, words(`sherkat`, `company`, `компани`, `фирма`, `firma`, `firmenname`, `unternehmen`)},
	// Turkish names the company before the word for it, with a case ending: "Demir Lojistik
	// firmasından yazıyorum", "Atlas şirketi adına".
	{regexp.MustCompile(`(?:^|[^\p{L}])(` + casedOrg + `)[ \t]+(?:firması|firmasından|firmasindan|firmasının|şirketi|şirketinden|şirketinin|firmamız|şirketimiz)(?:[^\p{L}]|$)`), 0.7, whole, words(`firma`, `şirket`)},
	// "I work at Initech", "I'm with Globex".
	{regexp.MustCompile(`(?i:i work at|i work for|i'm with|i am with|working at|working for)[ \t]+(` + casedOrg + `)`), 0.6, whole, words(`work at`, `work for`, `with`, `working`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(?:из|от)[ \t]+[«"]([^»"\n]{2,40})[»"]`), 0.7, genitive, words(`«`, `"`)},
	// After a self-introduction: "it's John Miller from Carver Plastics", "علی رضایی هستم از راهکار".
	{regexp.MustCompile(`(?i:i'm|i am|this is|it's|it is|here|name is)[^.!?\n]{0,40}?[ \t](?:from|at|with)[ \t]+(` + casedOrg + `)`), 0.7, whole, words(`from`, `at\b`, `with`)},
	{regexp.MustCompile(`(?i:hastam|hastim)[ \t]+az[ \t]+(` + casedOrg + `)`), 0.7, whole, words(`hastam`, `hastim`)},
	{regexp.MustCompile(`هستم[ \t]+از[ \t]+(` + arabicPhrase + `|` + casedOrg + `)`), 0.7, head, words(`هستم`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])از[ \t]+(` + arabicPhrase + `)[ \t]+هستم(?:[^\p{L}]|$)`), 0.7, tail, words(`هستم`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(?:أنا|انا|معك|معاك|معكم)[ \t]+[\p{Arabic}]+(?:[ \t]+[\p{Arabic}]+){0,2}[ \t]+من[ \t]+(` + arabicPhrase + `)`), 0.6, head, words(`أنا`, `انا`, `معك`, `معاك`, `معكم`)},
	{regexp.MustCompile(`^[ \t]*(?:السلام عليكم|مرحبا|مرحباً|أهلا|أهلاً|اهلا|هلا)[^،,.!\n]*[،,.!][ \t]*[\p{Arabic}]+(?:[ \t]+[\p{Arabic}]+){1,2}[ \t]+من[ \t]+(` + arabicPhrase + `)`), 0.6, head, words(`السلام`, `مرحب`, `أهلا`, `اهلا`, `هلا`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(?i:we're|we are|we're from|we are from)[ \t]+(` + casedOrg + `)[ \t]*(?:[,.;!]|$)`), 0.65, whole, words(`we're`, `we are`)},
	// Signatures: "– Dana, Greenleaf Dental"; "Procurement – Al Nukhba Contracting" under the name.
	{regexp.MustCompile(`(?m)(?:^|[ \t])-[ \t]*` + casedName + `[ \t]*,[ \t]*(` + casedOrg + `)[ \t]*$`), 0.6, whole, words(`-`)},
	{regexp.MustCompile(`(?im)^[ \t]*` + valediction + `[ \t]*[,，،!.]?[ \t]*\n+[ \t]*(?:` + casedName + `|` + arabicWords + `)[ \t]*\n[ \t]*[^\n]*?(?:,|[ \t]-|\||@|[ \t]at)[ \t]*(` + casedOrg + `)[ \t]*$`), 0.6, whole, valedictionCue},
}

// genitive marks a Russian company name after "из"/"от", which is inflected: «Вектора» → Вектор.
const genitive nameMode = 10

// companyStop are words that end a company name in scripts without case, or are not one.
var companyStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		هستم هستیم هست هستش داریم دارد در که برای با از و است را رو هم ما من شما ایم بودجه می‌خوام میخوام
		مدیر کارشناس دنبال یه یک این اون
		في من على مع و التي الذي عن إلى الى نحن عندنا وعندنا ولدينا لدينا نبي نبغى ودنا أنا انا هذا هذه
		مدير وش شو
		our the a an we my your this that it company`) {
		m[w] = true
	}
	return m
}()

// companyStopWord reports whether t ends a company name read in head mode. In Arabic script the
// conjunction و is written onto the next word ("… شركة سياحة وعايز أعرف"), so a stop word behind
// it counts, and so do the verbs and fillers of nameStop, which are never part of a company name.
func companyStopWord(t string) bool {
	l := strings.ToLower(t)
	if companyStop[l] {
		return true
	}
	r, _ := utf8.DecodeRuneInString(l)
	if !unicode.Is(unicode.Arabic, r) {
		return false
	}
	if nameStop[l] {
		return true
	}
	if rest, ok := strings.CutPrefix(l, "و"); ok && rest != "" {
		return companyStop[rest] || nameStop[rest]
	}
	return false
}

// notCompanies are values the rules can reach that are places or generic words, not companies.
var notCompanies = map[string]bool{
	"مصر": true, "السعودية": true, "الإمارات": true, "دبي": true, "الرياض": true, "جدة": true, "القاهرة": true,
	"الكويت": true, "قطر": true, "عمان": true, "البحرين": true, "الأردن": true, "لبنان": true, "العراق": true,
	"ایران": true, "تهران": true, "مشهد": true, "اصفهان": true, "شیراز": true, "تبریز": true, "کرج": true,
	"طرف": true, "جانب": true, "خصوصی": true, "دولتی": true, "ناشئة": true, "صغيرة": true, "كبيرة": true,
	"We": true, "I": true, "Hi": true, "Hello": true, "The": true, "A": true, "Looking": true, "Interested": true,
}

// places are countries and large cities people say they write "from": "Anna from Berlin" is not a
// company.
var places = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Split(`usa|us|uk|united states|united kingdom|england|scotland|wales|ireland|canada|australia|
		new zealand|india|pakistan|bangladesh|china|hong kong|taiwan|japan|korea|singapore|malaysia|indonesia|
		philippines|vietnam|thailand|iran|iraq|turkey|türkiye|egypt|saudi arabia|ksa|uae|dubai|abu dhabi|qatar|
		kuwait|oman|bahrain|jordan|lebanon|syria|israel|morocco|algeria|tunisia|nigeria|kenya|south africa|
		germany|france|spain|italy|portugal|netherlands|belgium|switzerland|austria|sweden|norway|denmark|
		finland|poland|russia|ukraine|belarus|kazakhstan|uzbekistan|georgia|armenia|azerbaijan|cyprus|greece|
		brazil|mexico|argentina|chile|colombia|peru|london|manchester|paris|berlin|munich|hamburg|vienna|zurich|
		madrid|barcelona|rome|milan|amsterdam|brussels|stockholm|moscow|saint petersburg|kyiv|kiev|minsk|almaty|
		istanbul|ankara|tehran|cairo|riyadh|jeddah|doha|muscat|amman|beirut|new york|los angeles|chicago|
		houston|san francisco|seattle|boston|miami|toronto|vancouver|sydney|melbourne|mumbai|delhi|new delhi|
		bangalore|bengaluru|karachi|lahore|beijing|shanghai|shenzhen|guangzhou|tokyo|seoul|home|work|the office`, "|") {
		m[strings.TrimSpace(w)] = true
	}
	return m
}()

func (c *conversation) company() lead.Field[string] {
	var best *nameMatch
	for _, m := range c.msgs {
		text := m.trustedText()
		for _, rule := range companyRules {
			if !rule.need.Match(text, m.trustedLower()) {
				continue
			}
			for _, loc := range rule.re.FindAllStringSubmatchIndex(text, -1) {
				v, ok := cleanCompany(text[loc[2]:loc[3]], rule.mode)
				if !ok {
					continue
				}
				if best == nil || rule.score > best.score {
					best = &nameMatch{value: v, score: rule.score, evidence: m.evidence(loc[0], loc[1], false)}
				}
			}
		}
		if v, ev, ok := chineseOrgBeforeName(m, text); ok && (best == nil || best.score < 0.7) {
			best = &nameMatch{value: v, score: 0.7, evidence: ev}
		}
	}
	if best == nil {
		return lead.Field[string]{}
	}
	return lead.Set(best.value, best.score, best.evidence, lead.SourceRules)
}

// chineseOrgBeforeName reads "我是杭州云帆的王伟": the organisation before 的 when a name follows.
func chineseOrgBeforeName(m *customerMsg, text string) (string, string, bool) {
	for _, loc := range chineseSelf.FindAllStringSubmatchIndex(text, -1) {
		if loc[2] < 0 {
			continue
		}
		org := strings.TrimRight(text[loc[2]:loc[3]], "的嘅")
		name := text[loc[4]:loc[5]]
		first, _ := utf8.DecodeRuneInString(name)
		if !strings.ContainsRune(commonSurnames, first) || strings.Contains(org, "公司") {
			continue
		}
		if v, ok := cleanCompany(org, whole); ok && isHan(v) {
			return v, m.evidence(loc[0], loc[1], false), true
		}
	}
	return "", "", false
}

var (
	legalSuffix  = regexp.MustCompile(`(?:[ \t,]+` + legalForm + `|股份有限公司|有限责任公司|有限責任公司|有限公司|[ \t]+(?:ش\.ذ\.م\.م|ذ\.م\.م|ش\.م\.م|ش\.م\.ع))[ \t.]*$`)
	legalPrefix  = regexp.MustCompile(`^(?:شرکت|شركة|ООО|ОАО|ЗАО|ПАО|АО|ТОО|ИП|(?i:company|компания))[ \t]+`)
	hanOrgBreaks = "是係在从從于於的嘅我们們你，。、：:叫"
)

// cleanCompany turns a matched region into a company name, or reports that it is none.
func cleanCompany(raw string, mode nameMode) (string, bool) {
	raw = strings.TrimSpace(strings.Trim(raw, " \t\"'«»“”,،.:;!?()[]{}"))
	if isHan(raw) {
		// Keep the Han run after the last break: "…，是杭州云帆电子商务" → 杭州云帆电子商务.
		if i := strings.LastIndexAny(raw, hanOrgBreaks); i >= 0 {
			_, w := utf8.DecodeRuneInString(raw[i:])
			raw = raw[i+w:]
		}
	}
	for {
		next := legalPrefix.ReplaceAllString(legalSuffix.ReplaceAllString(raw, ""), "")
		next = strings.TrimSpace(strings.Trim(next, " \t\"'«»“”,،.:;"))
		if next == raw {
			break
		}
		raw = next
	}
	tokens := strings.Fields(raw)
	for len(tokens) > 1 && greetingWords[strings.ToLower(strings.Trim(tokens[0], ",.!"))] {
		tokens = tokens[1:] // "Merhaba Demir Lojistik firmasından": the greeting is not the company
	}
	switch mode {
	case head:
		var out []string
		for _, t := range tokens {
			t = strings.Trim(t, ".,،:;!?\"'«»()")
			if t == "" || companyStopWord(t) {
				break
			}
			out = append(out, t)
		}
		tokens = out
	case tail:
		last := -1
		for i, t := range tokens {
			if companyStop[strings.ToLower(t)] {
				last = i
			}
		}
		tokens = tokens[last+1:]
	case genitive:
		if len(tokens) == 1 {
			tokens[0] = nominative(tokens[0])
		}
	}
	if len(tokens) == 0 || len(tokens) > 6 {
		return "", false
	}
	v := strings.Join(tokens, " ")
	if notCompanies[v] || nameStop[strings.ToLower(v)] || places[strings.ToLower(v)] || utf8.RuneCountInString(v) < 2 || utf8.RuneCountInString(v) > 60 {
		return "", false
	}
	if !hasLetters(v) {
		return "", false
	}
	return v, true
}

// nominative undoes the genitive "-а" of a masculine Russian company name after "из"/"от":
// «Вектора» → Вектор, «Газпрома» → Газпром. Feminine names end in -ы/-и there and are left alone.
func nominative(w string) string {
	r := []rune(w)
	n := len(r)
	if n < 4 || r[n-1] != 'а' || !unicode.Is(unicode.Cyrillic, r[n-2]) || strings.ContainsRune("аеёиоуыэюяйь", r[n-2]) {
		return w
	}
	return string(r[:n-1])
}
