package extract

import (
	"strings"
	"unicode"

	"golang.org/x/text/language"

	"github.com/leadflow/leadflow/internal/lead"
)

// language tells the language of the customer's messages.
//
// Scripts decide first: a non-Latin script that carries a real share of the words (Han counts per
// character) wins over Latin, because English product words and signatures are sprinkled into
// Russian, Chinese and Arabic chats, hardly ever the other way round. Within the Arabic script,
// letters only Persian has (پ چ ژ گ ک ی) tell Persian from Arabic; within Latin, common function
// words tell the languages apart, including Persian and Arabic typed in Latin letters. When the
// customer wrote too little to tell, the locale's language is used.
func (c *conversation) language() lead.Field[string] {
	var counts scriptCounts
	var latinWords []string
	var sample *customerMsg
	for _, m := range c.msgs {
		counts.add(m.text)
		latinWords = append(latinWords, latinTokens(m.text)...)
		if sample == nil || len(m.text) > len(sample.text) {
			sample = m
		}
	}
	var evidence string
	if sample != nil {
		evidence = sample.evidence(0, len(sample.text), false)
	}
	// The locale says what language the visitor's browser or app uses; without one, the main
	// language of the country is a weaker hint ("salam" from Iran is Persian).
	hint, hintConf := c.locLang, 0.4
	if hint == "" {
		hint, hintConf = regionLanguage(c.region), 0.3
	}
	lang, conf := counts.decide(latinWords, c.locLang, hint)
	if lang == "" {
		if hint == "" {
			return lead.Field[string]{}
		}
		// Nothing to read (a bare number, an emoji): the locale is the best guess.
		return lead.Set(hint, hintConf, "", lead.SourceRules)
	}
	return lead.Set(lang, conf, evidence, lead.SourceRules)
}

// regionLanguage is the most likely language of a region ("IR" → "fa"), or "".
func regionLanguage(region string) string {
	if region == "" {
		return ""
	}
	r, err := language.ParseRegion(region)
	if err != nil {
		return ""
	}
	tag, err := language.Compose(r)
	if err != nil {
		return ""
	}
	b, conf := tag.Base()
	if conf == language.No || b.String() == "und" {
		return ""
	}
	return b.String()
}

// scriptCounts counts words per script and the letters that tell Arabic-script languages apart.
type scriptCounts struct {
	words   map[string]float64 // script → words (Han and Kana: characters × 0.6)
	persian int                // letters only Persian uses: پ چ ژ گ (never in Arabic)
	faYehKe int                // Persian ی ک (Arabic keyboards type ي ك instead)
	arabic  int                // letters Persian does not use: ة ى أ إ ؤ ئ
	arYehKe int                // Arabic ي ك (also typed by Persians on Arabic keyboards)
	urdu    int                // letters of Urdu: ٹ ڈ ڑ ں ھ ے
	kana    int
	cyr     map[string]int // language-specific Cyrillic letters
	latin   map[string]int // language-specific Latin letters
	faWords int            // common Persian words in Arabic script
	arWords int            // common Arabic words
}

// Scripts the detector knows, with the language each one means on its own.
var scriptLanguage = map[string]string{
	"Cyrillic": "ru", "Han": "zh", "Hangul": "ko", "Hebrew": "he", "Greek": "el", "Thai": "th",
	"Devanagari": "hi", "Armenian": "hy", "Georgian": "ka", "Bengali": "bn", "Tamil": "ta", "Arabic": "ar",
	"Kana": "ja",
}

var scriptTables = []struct {
	name  string
	table *unicode.RangeTable
}{
	{"Latin", unicode.Latin}, {"Cyrillic", unicode.Cyrillic}, {"Arabic", unicode.Arabic},
	{"Han", unicode.Han}, {"Kana", unicode.Hiragana}, {"Kana", unicode.Katakana}, {"Hangul", unicode.Hangul},
	{"Hebrew", unicode.Hebrew}, {"Greek", unicode.Greek}, {"Thai", unicode.Thai},
	{"Devanagari", unicode.Devanagari}, {"Armenian", unicode.Armenian}, {"Georgian", unicode.Georgian},
	{"Bengali", unicode.Bengali}, {"Tamil", unicode.Tamil},
}

func scriptOf(r rune) string {
	for _, s := range scriptTables {
		if unicode.Is(s.table, r) {
			return s.name
		}
	}
	return ""
}

var (
	persianWordSet = map[string]bool{"است": true, "هست": true, "هستم": true, "هستیم": true, "این": true, "که": true,
		"را": true, "رو": true, "برای": true, "می": true, "من": true, "ما": true, "شما": true, "دارم": true,
		"داریم": true, "میخوام": true, "چطور": true, "ممنون": true, "خیلی": true, "لطفا": true, "لطفاً": true,
		"با": true, "یه": true, "یک": true, "چی": true, "چند": true, "بود": true, "نه": true, "بله": true,
		// Colloquial words and verbs with no Persian-only letter, which is how a Persian typing on an
		// Arabic keyboard is still told apart: "براي شركت ما يك نسخه آزمايشي ميخواستيم".
		"از": true, "در": true, "تا": true, "اگر": true, "اگه": true, "ولی": true, "باید": true, "نیست": true,
		"هستید": true, "هستن": true, "دارید": true, "دارین": true, "کنید": true, "کنین": true, "کنم": true,
		"کنیم": true, "بکنید": true, "بدید": true, "بدین": true, "بفرستید": true, "بگید": true, "بدونم": true,
		"ببخشید": true, "آره": true, "میخواستم": true, "میخواستیم": true, "میخوایم": true,
		"میشه": true, "نمیشه": true, "ممکنه": true, "میکنیم": true, "میکنم": true, "نمیکنه": true, "چیه": true,
		"اینو": true, "اونو": true, "همین": true, "همون": true, "خوبه": true, "شده": true, "الان": true,
		"البته": true, "الکترونیک": true, "الکترونیکی": true}
	arabicWordSet = map[string]bool{"في": true, "على": true, "هل": true, "أريد": true, "اريد": true, "عايز": true,
		"ممكن": true, "شكرا": true, "شكراً": true, "إلى": true, "الى": true, "التي": true, "الذي": true, "هذا": true,
		"هذه": true, "كيف": true, "وش": true, "أنا": true, "انا": true, "لو": true, "عن": true, "مع": true,
		"عندي": true, "عندنا": true, "نبي": true, "أبي": true, "ابغى": true, "أبغى": true, "بدي": true, "إن": true}
)

// persianLetters and arabicLetters write a word with one keyboard's yeh and kaf.
var (
	persianLetters = strings.NewReplacer("ي", "ی", "ى", "ی", "ك", "ک")
	arabicLetters  = strings.NewReplacer("ی", "ي", "ک", "ك")
)

// add counts the letters and words of one message.
func (sc *scriptCounts) add(s string) {
	if sc.words == nil {
		sc.words = map[string]float64{}
		sc.cyr = map[string]int{}
		sc.latin = map[string]int{}
	}
	inWord := ""
	var word strings.Builder
	flush := func() {
		if inWord == "Arabic" {
			w := word.String()
			// Words are looked up with Persian ی ک and with Arabic ي ك: people type either
			// language on either keyboard.
			fa, ar := persianLetters.Replace(w), arabicLetters.Replace(w)
			switch {
			case persianWordSet[fa] || strings.HasPrefix(fa, "می\u200c"):
				sc.faWords++
			case arabicWordSet[ar] || (strings.HasPrefix(w, "ال") && len([]rune(w)) > 3):
				sc.arWords++
			}
		}
		inWord = ""
		word.Reset()
	}
	for _, r := range s {
		if r == '\u200c' && inWord == "Arabic" { // zero-width non-joiner: inside Persian words
			word.WriteRune(r)
			continue
		}
		script := ""
		if unicode.IsLetter(r) {
			script = scriptOf(r)
		}
		switch script {
		case "Han", "Kana":
			flush()
			sc.words[script] += 0.6
			if script == "Kana" {
				sc.kana++
			}
			continue
		case "":
			flush()
			continue
		}
		if script != inWord {
			flush()
			inWord = script
			sc.words[script]++
		}
		word.WriteRune(r)
		switch r {
		case 'پ', 'چ', 'ژ', 'گ':
			sc.persian++
		case 'ک', 'ی':
			sc.faYehKe++
		case 'ة', 'ى', 'أ', 'إ', 'ؤ', 'ئ':
			sc.arabic++
		case 'ي', 'ك':
			sc.arYehKe++
		case 'ٹ', 'ڈ', 'ڑ', 'ں', 'ھ', 'ے':
			sc.urdu++
		case 'і', 'ї', 'є', 'ґ':
			sc.cyr["uk"]++
		case 'ў':
			sc.cyr["be"]++
		case 'ә', 'ғ', 'қ', 'ң', 'ө', 'ұ', 'ү', 'һ':
			sc.cyr["kk"]++
		case 'ğ', 'ş', 'ı', 'İ', 'Ş', 'Ğ':
			sc.latin["tr"]++
		case 'ß':
			sc.latin["de"]++
		case 'ñ', '¿', '¡':
			sc.latin["es"]++
		case 'ã', 'õ':
			sc.latin["pt"]++
		case 'ł', 'ś', 'ź', 'ż', 'ą', 'ę', 'ń':
			sc.latin["pl"]++
		case 'ơ', 'ư', 'đ', 'ạ', 'ả', 'ấ', 'ầ', 'ệ', 'ộ':
			sc.latin["vi"]++
		}
	}
	flush()
}

// decide picks the language and a confidence, or "" when the text is too thin. locale is the
// locale's language; hint is that or, without a locale, the country's language, which only breaks
// ties within a script (it must not turn Russian from Belarus into Belarusian).
func (sc *scriptCounts) decide(latinWords []string, locale, hint string) (string, float64) {
	total := 0.0
	best, bestN := "", 0.0
	for s, n := range sc.words {
		total += n
		if s != "Latin" && (n > bestN || (n == bestN && s < best)) {
			best, bestN = s, n
		}
	}
	if total < 1 {
		return "", 0
	}
	latin := sc.words["Latin"]
	if best != "" && bestN >= 1 && bestN >= 0.25*total {
		share := bestN / total
		conf := 0.6 + 0.35*share
		if total < 3 {
			conf -= 0.15
		}
		switch best {
		case "Arabic":
			return sc.arabicLanguage(hint), conf
		case "Cyrillic":
			for _, l := range []string{"uk", "kk", "be"} {
				if sc.cyr[l] >= 2 {
					return l, conf - 0.1
				}
			}
			if cyrillicLanguages[locale] {
				return locale, conf - 0.1 // no letter says otherwise: Bulgarian, Serbian… look like Russian
			}
			return "ru", conf
		case "Han":
			if sc.kana > 0 || locale == "ja" {
				return "ja", conf
			}
			return "zh", conf
		case "Kana":
			return "ja", conf
		}
		return scriptLanguage[best], conf
	}
	if latin == 0 {
		return "", 0
	}
	return latinLanguage(latinWords, sc.latin, hint)
}

// cyrillicLanguages are the locale languages written in Cyrillic.
var cyrillicLanguages = map[string]bool{"ru": true, "uk": true, "be": true, "kk": true, "bg": true, "sr": true,
	"mk": true, "ky": true, "tg": true, "mn": true}

// arabicLanguage tells Persian, Arabic and Urdu apart; with nothing to tell them by ("سلام") the
// locale decides.
func (sc *scriptCounts) arabicLanguage(locale string) string {
	fa := 5*sc.persian + 2*sc.faYehKe + 3*sc.faWords
	ar := 3*sc.arabic + sc.arYehKe + 3*sc.arWords
	if sc.urdu >= 2 && sc.urdu*3 > sc.persian {
		return "ur"
	}
	switch {
	case fa > ar:
		return "fa"
	case ar > fa:
		return "ar"
	case locale == "fa" || locale == "ur" || locale == "ps" || locale == "ku":
		return locale
	}
	return "ar"
}

// latinTokens returns the lower-case Latin words of s, keeping digits inside words (Arabizi
// writes ع as 3 and ح as 7: "3ayez", "m3akom").
func latinTokens(s string) []string {
	f := strings.FieldsFunc(strings.ToLower(s), func(r rune) bool {
		return !(unicode.Is(unicode.Latin, r) || unicode.IsDigit(r) || r == '\'')
	})
	out := f[:0]
	for _, w := range f {
		w = strings.Trim(w, "'")
		hasLetter := false
		for _, r := range w {
			if unicode.IsLetter(r) {
				hasLetter = true
				break
			}
		}
		if hasLetter {
			out = append(out, w)
		}
	}
	return out
}

// Function words of Latin-script languages. Persian and Arabic typed in Latin letters ("Finglish",
// "Arabizi") are common in chat and get their own lists.
var latinFunctionWords = map[string][]string{
	"en": {"the", "and", "is", "are", "to", "of", "for", "we", "you", "i", "i'm", "it", "it's", "this", "that",
		"with", "my", "our", "your", "please", "hi", "hello", "thanks", "thank", "can", "would", "how", "what",
		"need", "want", "have", "has", "be", "on", "in", "a", "an", "not", "do", "does", "will", "just", "me",
		"looking", "would", "could", "about", "from", "us", "there", "here", "if", "yes", "no", "much", "any",
		"we're", "don't", "at", "or", "but", "so", "get", "also", "best", "regards"},
	"de": {"der", "die", "das", "und", "ist", "ich", "wir", "sie", "nicht", "mit", "für", "ein", "eine", "auf",
		"zu", "den", "dem", "des", "bitte", "danke", "hallo", "guten", "haben", "möchte", "möchten", "brauchen",
		"wie", "was", "können", "kann", "unser", "unsere", "ihr", "ihre", "auch", "oder", "aber", "sehr", "gerne",
		"viele", "grüße", "tag", "uns", "mein", "meine", "wäre", "würde", "es", "ja", "nein", "kostet", "preis"},
	"tr": {"ve", "bir", "bu", "için", "ile", "merhaba", "teşekkür", "teşekkürler", "ederim", "fiyat", "nedir",
		"ne", "kadar", "var", "mı", "mi", "mu", "mü", "ben", "biz", "siz", "istiyorum", "lütfen", "değil", "çok",
		"olarak", "sadece", "nasıl", "hakkında", "bilgi", "selam", "iyi", "günler", "adım", "benim", "bizim",
		"sizin", "acil", "almak", "istiyoruz", "hocam", "tamam", "evet", "hayır", "fiyatı"},
	"fr": {"le", "la", "les", "et", "est", "je", "nous", "vous", "pour", "avec", "des", "une", "un", "du", "de",
		"bonjour", "merci", "pas", "que", "qui", "sur", "dans", "mon", "notre", "votre", "s'il", "plaît",
		"voudrais", "besoin", "prix", "combien", "c'est", "suis", "j'ai", "au", "aux", "cordialement"},
	"es": {"el", "la", "los", "las", "y", "es", "yo", "para", "con", "una", "un", "de", "del", "hola", "gracias",
		"por", "favor", "que", "quiero", "necesito", "precio", "cuánto", "cuanto", "mi", "nuestro", "está",
		"son", "somos", "tengo", "tenemos", "buenos", "días", "saludos", "me", "llamo"},
	"it": {"il", "lo", "gli", "e", "è", "sono", "per", "con", "una", "di", "ciao", "buongiorno", "grazie",
		"vorrei", "prezzo", "quanto", "costa", "della", "nostro", "nostra", "abbiamo", "siamo", "che", "non"},
	"pt": {"o", "os", "as", "e", "é", "eu", "nós", "para", "com", "uma", "um", "do", "da", "olá", "obrigado",
		"obrigada", "por", "favor", "quero", "preço", "quanto", "custa", "não", "você", "gostaria", "somos"},
	"nl": {"de", "het", "een", "en", "is", "ik", "wij", "we", "voor", "met", "niet", "hallo", "bedankt", "graag",
		"prijs", "hoeveel", "kost", "onze", "jullie", "zijn", "hebben", "ook", "wat", "dank"},
	"id": {"saya", "kami", "anda", "dan", "yang", "untuk", "dengan", "ini", "itu", "tidak", "ada", "berapa",
		"harga", "terima", "kasih", "mau", "ingin", "bisa", "apa", "halo", "selamat", "pagi"},
	"fa": {"salam", "merci", "mersi", "mamnoon", "mamnun", "mamnoonam", "hastam", "hastim", "hast", "mikham",
		"mikhastam", "mikhaym", "mikhaim", "mikhay", "mikhastim", "baraye", "bara", "ro", "chand", "chande",
		"chetor", "chera", "lotfan", "mishe", "mitoonam", "mitunam", "mitoonid", "bedunam", "bedoonam", "gheymat",
		"ghimat", "ghimatetoon", "kharid", "sherkat", "vaght", "vaghtetoon", "bekheir", "bekhair", "kheili",
		"khyli", "hamin", "inja", "farda", "emrooz", "dige", "shoma", "ast", "nist", "daram", "darim", "konam",
		"konim", "kardim", "bezarim", "befrestid", "shomare", "tamas", "hodoode", "hodud", "khanoom", "agha",
		"jan", "sobh", "saat", "ba", "az", "va", "ke", "ye", "yek", "ham", "faghat", "khob", "moshkel", "hafte",
		"hafteye", "pish", "sohbat", "khodam", "khodemoon", "dare", "mikonim", "mikonam", "chi", "chie", "aya",
		"man", "dashtam", "dashtim", "darbare", "darbareye", "lazem", "bayad", "chetori", "khoobi", "kheyli",
		"khaili", "vali", "age", "agar", "chon", "koja", "kodoom", "alan", "begid", "begin", "bedid", "bedin",
		"konid", "konin", "nemishe", "mikone", "nemikone", "mikonid", "hastid", "hastin", "zood", "khahesh",
		"baram", "barat", "behem", "behetoon", "zang", "bezanid", "bezanin", "begirid", "begirin", "ettelaat",
		"moshakhasat", "sabt", "sefaresh", "forosh", "foroosh", "dorost", "dirooz", "diruz", "emshab",
		"alaghemand", "motshakeram", "tashakor", "dorood", "nabashid", "mikhastim", "mikhastam", "ghesti",
		"tamasi", "shomaram", "shomarei", "esmam", "esme", "hastesh", "mishavad", "shode", "nashode", "kardam"},
	"ar": {"ana", "enta", "enty", "inta", "3ayez", "3ayza", "3awez", "3awz", "3an", "ezay", "ezzay", "izzay",
		"shokran", "shukran", "ahlan", "marhaba", "yalla", "keda", "kda", "mesh", "msh", "fel", "fi", "el",
		"elly", "illi", "beta3", "bta3", "7aga", "habibi", "inshallah", "wallah", "walla", "kont", "m3akom",
		"ma3a", "3ala", "3shan", "3alashan", "leh", "aywa", "la2", "ba3d", "a3mel", "adfa3", "momken", "3ndna",
		"3andi", "3ndi", "ya", "bas", "salam", "alaikum", "alaykom", "ezayak", "3amel", "7elw", "sa3a"},
}

// latinStopIndex is latinFunctionWords turned around: word → languages.
var latinStopIndex = func() map[string][]string {
	idx := map[string][]string{}
	for lang, ws := range latinFunctionWords {
		for _, w := range ws {
			if !contains(idx[w], lang) {
				idx[w] = append(idx[w], lang)
			}
		}
	}
	return idx
}()

// latinLanguage picks a Latin-script language from function words and special letters.
func latinLanguage(tokens []string, letters map[string]int, locale string) (string, float64) {
	score := map[string]float64{}
	for _, w := range tokens {
		langs := latinStopIndex[w]
		for _, l := range langs {
			score[l] += 1 / float64(len(langs)) // shared words count for less
		}
		if arabizi(w) {
			score["ar"] += 1
		}
	}
	for l, n := range letters {
		score[l] += 1.5 * float64(n)
	}
	best, second := "", ""
	for l, s := range score {
		if best == "" || s > score[best] || (s == score[best] && (l == locale || (best != locale && l < best))) {
			best, second = l, best
		} else if second == "" || s > score[second] {
			second = l
		}
	}
	if best == "" || score[best] < 1 {
		if locale != "" && len(tokens) > 0 {
			return locale, 0.4
		}
		return "", 0
	}
	margin := score[best] - score[second]
	conf := 0.5 + 0.05*min(margin, 8)
	if score[best] < 2.5 && locale != "" && locale != best && score[locale] > 0 {
		return locale, 0.45 // thin evidence: agree with the locale when it is in the running
	}
	return best, clamp(min(conf, 0.92))
}

// arabizi reports whether w is Arabic typed in Latin letters with digits for Arabic sounds
// ("3ayez", "m3akom", "7abibi").
func arabizi(w string) bool {
	letters, digits := 0, 0
	for _, r := range w {
		switch {
		case r == '2' || r == '3' || r == '5' || r == '7' || r == '9':
			digits++
		case unicode.IsDigit(r):
			return false
		case unicode.IsLetter(r):
			letters++
		}
	}
	return digits > 0 && letters >= 2 && digits <= 2
}
