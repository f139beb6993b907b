package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/leadflow/leadflow/internal/lead"
)

// Name shapes. Cased scripts (Latin, Cyrillic) write names with capitals, which is what keeps
// "I'm interested" from being read as a name; Arabic-script and Han names are cut at function
// words and checked against stop lists (and, for Han, against common surnames) instead.
const (
	// casedName is one to four capitalised words after an optional title, with the lower-case
	// particles of Arabic, Dutch, German and Romance surnames allowed inside. A word may be an
	// initial ("J."), but a word ending a sentence ("Айгерим.") ends the name.
	casedName = `(?:(?:Mr|Mrs|Ms|Miss|Dr|Prof|Eng|Sir|Herr|Frau)\.?[ \t]+)?\p{Lu}(?:\.|[\p{L}\p{M}'-]+)(?:[ \t]+(?:(?:de|van|von|der|den|bin|al|el|la|da|di|du|ibn|abu|dos)[ \t]+)?\p{Lu}(?:\.|[\p{L}\p{M}'-]+)){0,3}`
	// arabicWords is one to four Arabic-script words (Persian names keep their zero-width joiners).
	arabicWords = `[\p{Arabic}\x{200c}]+(?:[ \t]+[\p{Arabic}\x{200c}]+){0,3}`
	hanRun      = `\p{Han}{2,8}`
)

// nameRule is one way people state their name, and how sure it makes us.
type nameRule struct {
	re    *regexp.Regexp // group 1 is the name region
	score float64
	mode  nameMode
	need  *cueSet // words the rule cannot match without: a cheap test before the regexp
}

// nameMode says how a matched region is turned into a name.
type nameMode int

const (
	whole nameMode = iota // the region is the name (cased scripts stop at the first lower-case word)
	head                  // the name opens the region: cut at the first stop word ("أنا محمد حسن من …")
	tail                  // the name closes the region: keep what follows the last stop word ("سلام من سارا محمدی")
	// lowerHead is head for a name typed in lower case after an explicit "my name is": the words
	// are capitalised before they are checked, as a CRM shows them.
	lowerHead
)

var nameRules = []nameRule{
	// Explicit statements.
	{regexp.MustCompile(`(?i:my name is|my name's|name's|name is|name:|i am called|меня зовут|мо[её] имя|имя:|benim adım|adım|ismim|ich heiße|ich heisse|mein name ist|je m'appelle|mon nom est|me llamo|mi nombre es|mi chiamo|esmam|esme man|esmi|ismi)[ \t]+(` + casedName + `)`), 0.9, whole, words(`name`, `зовут`, `имя`, `adım`, `ismim`, `heiße`, `heisse`, `appelle`, `nom est`, `llamo`, `nombre`, `chiamo`, `esmam`, `esme`, `esmi`, `ismi`, `called`)},
	{regexp.MustCompile(`(?:^|[^\p{L}\x{200c}])(?:اسمم|اسم من|نام من|نامم|اسمي|إسمي|اسمى)[ \t]*[:：]?[ \t]*(` + arabicWords + `)`), 0.9, head, words(`اسم`, `نام`)},
	{regexp.MustCompile(`(?:我叫|我的名字是|我的名字叫|我名叫|本人|我姓\p{Han}[，,、 ]*(?:叫|名叫))[ \t]*(` + casedName + `|` + hanRun + `)`), 0.9, head, words(`我叫`, `名字`, `名叫`, `本人`, `我姓`)},
	// Introductions.
	{introduction, 0.8, whole, words(`i'm`, `i am`, `this is`, `it's`, `it is`, `ich bin`, `hier ist`, `hier spricht`, `je suis`, `soy\b`, `ana\b`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(` + casedName + `)[ \t]+(?:here\b|hastam\b|hastesham\b)`), 0.8, whole, words(`here\b`, `hastam`, `hastesham`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(?:ben|Ben)[ \t]+(` + casedName + `)`), 0.7, whole, words(`ben\b`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(?:Я|я|Это|это)[ \t]+(?:-[ \t]+)?(` + casedName + `)`), 0.8, whole, words(`я`, `это`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(?:من|اینجانب|بنده)[ \t]+(` + arabicWords + `)[ \t]+(?:هستم|هستش)(?:[^\p{L}]|$)`), 0.8, head, words(`هستم`, `هستش`)},
	{regexp.MustCompile(`(` + arabicPhrase + `)[ \t]+هستم(?:[^\p{L}]|$)`), 0.75, tail, words(`هستم`)},
	{regexp.MustCompile(`(?:^|[^\p{L}])(?:اینجانب|أنا|انا)[ \t]+(` + arabicWords + `)`), 0.8, head, words(`اینجانب`, `أنا`, `انا`)},
	// "معك أحمد" ("you are with Ahmed") introduces the writer only where a clause starts; inside
	// one, "معكم" is "with you" ("نرغب بالشراكة معكم لتوزيع…").
	{regexp.MustCompile(`(?:^|[،,.!؟?\n:][ \t]*|` + arabicGreeting + `[ \t،,!]*)(?:معك|معاك|معكم)[ \t]+(` + arabicWords + `)`), 0.8, head, words(`معك`, `معاك`, `معكم`)},
	{regexp.MustCompile(`(?:我是|我係|我系|我就是)[ \t]*(` + casedName + `)`), 0.8, whole, words(`我是`, `我係`, `我系`)},
	// Signatures: "Best regards,\nPriya Shah", "С уважением, Сергей Ковалёв", "– Dana, Greenleaf Dental".
	{regexp.MustCompile(`(?im)^[ \t]*` + valediction + `[ \t]*[,，،!.]?[ \t]*\n+[ \t]*(` + casedName + `|` + arabicWords + `|` + hanRun + `)[ \t]*$`), 0.8, whole, valedictionCue},
	{regexp.MustCompile(`(?i)` + signOff + `[ \t]*[,，،][ \t]*(` + casedName + `)`), 0.8, whole, valedictionCue},
	// Thanks and a full name closing the message are a signature too ("… Thanks, Laura Stein").
	{regexp.MustCompile(`(?i:thanks|thank you|many thanks|cheers|спасибо|teşekkürler|danke)[ \t]*[,，،][ \t]*(\p{Lu}[\p{L}\p{M}'-]+[ \t]+\p{Lu}[\p{L}\p{M}'-]+)[ \t]*\.?[ \t]*$`), 0.75, whole, valedictionCue},
	{regexp.MustCompile(`(?m)(?:^|[ \t])-[ \t]*(` + casedName + `)[ \t]*(?:,[^\n]*)?$`), 0.7, whole, words(`-`)},
	// A name typed in lower case after an explicit statement ("my name is john smith and …"): the
	// statement is clear enough to do without capitals, so it is cut at the first stop word instead.
	{regexp.MustCompile(`(?i:my name is|my name's|меня зовут|мо[её] имя|benim adım|ich heiße|ich heisse|mein name ist)[ \t]+(\p{Ll}[\p{L}\p{M}'-]+(?:[ \t]+\p{Ll}[\p{L}\p{M}'-]+){0,3})`), 0.7, lowerHead, words(`name`, `зовут`, `имя`, `adım`, `heiße`, `heisse`)},
}

// introduction is "I'm …", "ich bin …", "this is …". A single capitalised word after it may be a
// role, not a name (German capitalises every noun: "Ich bin Geschäftsführer einer Bäckerei"; "I'm
// Head of Sales"): roleFollower tells.
var introduction = regexp.MustCompile(`(?:^|[^\p{L}])(?:(?i:i'm|i am|this is|it's|it is|ich bin|hier ist|hier spricht|je suis|soy)|ana)[ \t]+(` + casedName + `)`)

// arabicGreeting opens an Arabic or Persian message.
const arabicGreeting = `(?:السلام عليكم|سلام|مرحبا|مرحباً|أهلا|أهلاً|اهلا|هلا والله|هلا|صباح الخير|مساء الخير|درود)`

// roleFollower follows a role, not a name: "Geschäftsführer einer …", "Head of …".
var roleFollower = regexp.MustCompile(`^[ \t]+(?:ein|eine|einer|eines|einem|der|des|dem|bei|beim|im|vom|für|of)\b`)

// arabicPhrase is up to six Arabic-script words: enough to hold "رضا احمدی از فولاد پارس" before
// "هستم", which tail mode then cuts at "از" ("from").
const arabicPhrase = `[\p{Arabic}\x{200c}]+(?:[ \t]+[\p{Arabic}\x{200c}]+){0,5}`

// valediction closes a letter; the line after it is the sender's name.
const valediction = `(?i:best regards|kind regards|warm regards|regards|best wishes|best|thanks|thank you|many thanks|cheers|sincerely|yours sincerely|yours truly|yours|br|с уважением|спасибо|всего доброго|با تشکر|با سپاس|با احترام|ارادتمند|مع خالص التحية|مع التحية|تحياتي|مع الشكر|mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|liebe grüße|herzliche grüße|grüße|grüsse|gruß|gruss|mfg|lg|vg|all the best|thx|всего хорошего|хорошего дня|iyi çalışmalar|teşekkürler|saygılarımla|saygılar|祝好|cordialement|atentamente|saludos|此致|谢谢|謝謝)`

// signOff is a valediction that signs a letter even on one line ("С уважением, Сергей Ковалёв").
// Thanks are left out: on one line, "Thanks, Anna!" thanks someone called Anna.
const signOff = `(?i:best regards|kind regards|warm regards|regards|best wishes|sincerely|yours sincerely|yours truly|с уважением|всего доброго|всего хорошего|با احترام|ارادتمند|مع خالص التحية|مع التحية|تحياتي|mit freundlichen grüßen|freundliche grüße|viele grüße|beste grüße|liebe grüße|herzliche grüße|saygılarımla|saygılar|cordialement|atentamente|此致)`

// valedictionCue finds the words of valediction, to skip the signature rules when there are none.
var valedictionCue = words(`regards`, `best`, `thanks`, `thank you`, `cheers`, `sincerely`, `yours`, `br\b`,
	`с уважением`, `спасибо`, `всего доброго`, `всего хорошего`, `хорошего дня`, `gruß`, `gruss`, `grüsse`,
	`mfg\b`, `lg\b`, `vg\b`, `all the best`, `thx\b`, `iyi çalışmalar`, `teşekkürler`, `祝好`, `با تشکر`,
	`با سپاس`, `با احترام`, `ارادتمند`, `مع خالص التحية`, `مع التحية`, `تحياتي`, `مع الشكر`, `mit freundlichen`,
	`grüße`, `saygılar`, `cordialement`, `atentamente`, `saludos`, `此致`, `谢谢`, `謝謝`)

// greeting opens a message; a name right after it ("Здравствуйте. Ольга Смирнова, отдел закупок")
// is how many people introduce themselves.
const greeting = `(?i:hi|hello|hey|dear|good morning|good afternoon|good evening|здравствуйте|добрый день|добрый вечер|доброе утро|привет|hallo|guten tag|merhaba|bonjour|hola|ahlan|salam|你好|您好)`

var (
	// leadingName is a name opening a message, after an optional greeting, followed by a comma:
	// "Rahul Verma, rahul@…", "Hi, Kelvin Ng, call me…".
	leadingName = regexp.MustCompile(`^[ \t]*(?:` + greeting + `[ \t,.!]*)?(` + casedName + `)[ \t]*,`)
	// greetedArabicName is "السلام عليكم، أحمد الشمري من …": a name after a greeting, before "from".
	greetedArabicName = regexp.MustCompile(`^[ \t]*` + arabicGreeting + `[^،,.!\n]*[،,.!][ \t]*(` + arabicWords + `)[ \t]+(?:من|از)[ \t]`)
	// nameClause is the first clause of a message answering "may I have your name?".
	nameClause = regexp.MustCompile(`^[ \t]*((?:(?:Mr|Mrs|Ms|Dr|Prof)\.[ \t]*)?[^,،.!?\n:;]+)`)
)

// nameStop are words that are never part of a name but follow the cues above: "I'm interested",
// "أنا مهتم", "من دانشجو هستم", "Я руководитель", and words of company names.
var nameStop = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		interested looking here from the a an not just very so happy glad sorry fine good great ok okay new back
		ready trying writing calling contacting reaching on in at with and or sales support team manager owner
		ceo cto cfo coo director head customer client student hello hi hey dear thanks thank regards best kind
		yes no please your our my we i it this that still also currently planning going wondering available
		sure busy urgent asap today tomorrow monday tuesday wednesday thursday friday saturday sunday january
		february march april may june july august september october november december admin user test company
		ltd inc llc gmbh group logistics solutions services systems technologies tech trading consulting partners
		holdings bank studio labs media realty agency store shop plastics international global the subject
		re fwd po invoice demo crm whatsapp telegram email kunde interessent auf neu hier froh
		хочу хотим интересуюсь из от по менеджер директор руководитель клиент здравствуйте добрый привет спасибо
		день вечер утро компания компании отдел отдела это ваш наш главный инженер тут здесь ооо оао зао пао ао ип
		хотел хотела пишу звоню представляю
		geschäftsführer geschäftsführerin inhaber inhaberin leiter leiterin mitarbeiter mitarbeiterin student
		studentin kundin eigentümer eigentümerin gründer gründerin einkäufer einkäuferin berater beraterin
		vertriebsleiter vertriebsleiterin marketingleiter projektleiter projektleiterin teamleiter teamleiterin
		abteilungsleiter assistent assistentin selbstständig selbständig interessiert zuständig verantwortlich
		ansprechpartner ansprechpartnerin founder co-founder cofounder president vp partner engineer developer
		consultant freelancer
		guten tag morgen abend servus moin grüezi merhaba selam günaydın
		هستم من ما از شرکت مدیر کارشناس دانشجو دانشجوی مشتری علاقه‌مند علاقمند دنبال یه یک خیلی الان فعلا فعلاً
		اینجا همون همین سلام وقت بخیر ممنون مدیرعامل مسئول کارمند نماینده تیم فروش خرید واحد بخش گروه با و در
		برای که این اون آن تو هم منتظر نگران خوشحال مطمئن بله نه تماس شماره ایمیل آقای خانم است هست هستش
		می‌باشد میباشد بود هستند
		مهتم مهتمة عايز عايزة أبي ابي ابغى أبغى أريد اريد بدي محتاج محتاجة أبحث ابحث بدور في مدير صاحب عميل مش
		لست جديد موجود هنا بخير تمام الحين شركة مؤسسة مسؤول مندوب فريق قسم إدارة السلام عليكم مرحبا أهلا اهلا هلا
		والله شكرا مع عن على حاب حابب ودي متجر عندي عندنا نبي نبغى ابغي ودنا قدمت رقم جوالي رقمي
		بشتغل اشتغل أشتغل شغال شغالة أعمل اعمل نعمل بعمل موظف موظفة طالب طالبة مهندسة محاسب محاسبة محامي
		مدرس مدرسة معلم معلمة صاحبة مديرة مسؤولة مندوبة بدور بحاول احاول أحاول بسأل أسأل اسأل استفسر أستفسر
		بستفسر حابة كنت كنا جاي جاية عايزه محتاجه مهتمه بفكر أفكر افكر ناوي ناوية متأكد بخصوص لسه قاعد بكلمك
		اكلمك أكلمك اتواصل أتواصل بتواصل أتكلم اتكلم بتكلم أرغب ارغب نرغب أود اود`) {
		m[w] = true
	}
	return m
}()

// nameTitles are honorifics dropped from the front of a name.
var nameTitles = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "miss": true, "dr": true, "prof": true, "eng": true, "sir": true,
	"madam": true, "herr": true, "frau": true, "bay": true, "bayan": true, "sayın": true, "m": true, "mme": true,
	"sr": true, "sra": true, "آقای": true, "آقا": true, "خانم": true, "دکتر": true, "مهندس": true, "استاد": true,
	"جناب": true, "سرکار": true, "السيد": true, "السيدة": true, "الأستاذ": true, "الاستاذ": true, "أستاذ": true,
	"استاذ": true, "الأستاذة": true, "دكتور": true, "الدكتور": true, "المهندس": true, "الشيخ": true, "د": true,
	"م": true, "господин": true, "госпожа": true, "г-н": true, "г-жа": true, "agha": true, "aghaye": true,
	"khanom": true, "khanoom": true,
}

// greetingWords may open a matched region before the name ("Hi Peter Novak here").
var greetingWords = map[string]bool{"hi": true, "hello": true, "hey": true, "dear": true, "salam": true,
	"ahlan": true, "marhaba": true, "hallo": true, "merhaba": true, "привет": true, "здравствуйте": true,
	"man": true, "ana": true}

// hanTitles are honorifics that follow a Chinese name.
var hanTitles = []string{"先生", "小姐", "女士", "太太", "经理", "經理", "老师", "老師", "总", "總"}

// commonSurnames are the most frequent Chinese surnames; a Han name after a weak cue ("我是…")
// must start with one.
const commonSurnames = "王李张張刘劉陈陳杨楊黄黃赵趙吴吳周徐孙孫马馬朱胡郭何高林罗羅郑鄭梁谢謝宋唐许許韩韓冯馮邓鄧曹彭曾肖田董袁潘于蒋蔣蔡余杜叶葉程苏蘇魏吕呂丁任沈姚卢盧姜崔钟鍾谭譚陆陸汪范金石廖贾賈夏韦韋付方白邹鄒孟熊秦邱江尹薛闫閆段雷侯龙龍史陶黎贺賀顾顧毛郝龚龔邵万萬钱錢严嚴覃武戴莫孔向汤湯欧歐区區麦麥温溫"

// hanNameStop are characters that end a Han name run ("我叫王伟想了解…", "我是…的刘洋。").
const hanNameStop = "是係想要在从從来來的嘅和与與了呢吗嗎啊呀吧我你他她们們，。、负負责責做"

type nameMatch struct {
	value    string
	score    float64
	evidence string
}

func (c *conversation) fullName() lead.Field[string] {
	var best *nameMatch
	botNames := c.botSelfNames()
	consider := func(m *customerMsg, region, whole []int, score float64, mode nameMode, minTokens int) {
		v, ok := cleanName(m.text[region[0]:region[1]], mode)
		if !ok || len(strings.Fields(v)) < minTokens || botNames[v] {
			return
		}
		if best == nil || score > best.score {
			best = &nameMatch{value: v, score: score, evidence: m.evidence(whole[0], whole[1], false)}
		}
	}
	for _, m := range c.msgs {
		text := m.trustedText()
		for _, rule := range nameRules {
			if !rule.need.Match(text, m.trustedLower()) {
				continue
			}
			for _, loc := range rule.re.FindAllStringSubmatchIndex(text, -1) {
				if rule.re == introduction && !strings.ContainsAny(strings.TrimSpace(text[loc[2]:loc[3]]), " \t") &&
					roleFollower.MatchString(text[loc[1]:]) {
					continue
				}
				consider(m, loc[2:4], loc[0:2], rule.score, rule.mode, 1)
			}
		}
		if loc := chineseSelfName(text); loc != nil {
			consider(m, loc[2:4], loc[0:2], 0.75, head, 1)
		}
		if loc := greetedArabicName.FindStringSubmatchIndex(text); loc != nil {
			consider(m, loc[2:4], loc[0:2], 0.6, whole, 2)
		}
		if loc := leadingName.FindStringSubmatchIndex(text); loc != nil {
			minTokens := 2
			if m.ask.name {
				minTokens = 1
			}
			consider(m, loc[2:4], loc[0:2], 0.6, whole, minTokens)
		}
		if loc := trailingName.FindStringSubmatchIndex(text); loc != nil && knownFirstName(text[loc[2]:loc[3]]) {
			// "… کمپین تخفیفمون امروزه. مهدی کریمی": a bare signature at the end of a message.
			consider(m, loc[2:4], loc[2:4], 0.55, whole, 2)
		}
		if m.ask.name {
			// The answer to "may I have your name?" starts with it: "خالد المنصوري. هذا رقمي…".
			if loc := nameClause.FindStringSubmatchIndex(text); loc != nil {
				minTokens := 2
				if strings.TrimSpace(text[loc[1]:]) == "" {
					minTokens = 1
				}
				consider(m, loc[2:4], loc[2:4], 0.7, whole, minTokens)
			}
		}
	}
	if best != nil {
		return lead.Set(best.value, best.score, best.evidence, lead.SourceRules)
	}
	if s := c.in.Sender; s != nil && s.Name != nil {
		// A display name the channel shows; people often use nicknames there.
		if v, ok := cleanName(fold(*s.Name).s, whole); ok {
			return lead.Set(v, 0.5, strings.TrimSpace(*s.Name), lead.SourceChannel)
		}
	}
	return lead.Field[string]{}
}

// botSelfNames are the names the bot or agents introduced themselves with ("Hi, I'm Anna, your
// assistant"): "Thanks, Anna" from the customer names the bot, not the customer.
func (c *conversation) botSelfNames() map[string]bool {
	out := map[string]bool{}
	for _, m := range c.in.Messages {
		if m.Role == lead.RoleCustomer {
			continue
		}
		text := fold(m.Text).s
		for _, rule := range nameRules[:4] { // the explicit statements and "I'm …"
			if !rule.need.MatchString(text) {
				continue
			}
			for _, loc := range rule.re.FindAllStringSubmatchIndex(text, -1) {
				if v, ok := cleanName(text[loc[2]:loc[3]], rule.mode); ok {
					out[v] = true
				}
			}
		}
	}
	return out
}

// trailingName is two or three words closing a message after a sentence break.
var trailingName = regexp.MustCompile(`(?:^|[.!؟?\n-])[ \t]*(` + arabicWords + `|` + casedName + `)[ \t]*$`)

// knownFirstName reports whether a bare trailing phrase opens with a common Persian or Arabic first
// name: without a cue word, that is what makes "مهدی کریمی" a signature and "بی‌صبرانه منتظرم" not.
func knownFirstName(phrase string) bool {
	f := strings.Fields(phrase)
	if len(f) < 2 || len(f) > 3 {
		return false
	}
	return commonFirstNames[f[0]]
}

var commonFirstNames = func() map[string]bool {
	m := map[string]bool{}
	for _, w := range strings.Fields(`
		علی محمد حسین حسن رضا مهدی امیر حمید سعید مجید احمد محمود مصطفی جواد هادی ابراهیم اسماعیل یوسف یعقوب
		عباس کریم نیما پیام سینا آرش بابک بهرام کامران کاوه فرهاد فرشید پویا پژمان مسعود ناصر منصور جعفر صادق
		کاظم مرتضی مجتبی محسن میلاد امید وحید سجاد حامد حمیدرضا علیرضا محمدرضا بهزاد شهرام داریوش کیوان
		سارا مریم زهرا فاطمه نرگس نازنین الهام لیلا نسرین شیرین مینا مهسا ندا نگار سمیرا سمانه پریسا آزاده
		شهرزاد هانیه الناز فرناز مهناز ژاله رویا یاسمن هستی آیدا آتنا ترانه سحر معصومه زینب طاهره
		محمد أحمد مصطفى علي حسين خالد عمر عمرو إبراهيم عبدالله عبد سعيد سعد فهد فيصل سلطان طارق وليد ماجد
		هشام ياسر سامي رامي زياد يوسف منى نور سارة ليلى هند رنا دينا ريم أمل هدى نادية سلمى فاطمة خديجة عائشة`) {
		m[w] = true
	}
	return m
}()

// chineseSelfName finds "我是<Han name>" and "我是<org>的<Han name>", where a common surname must
// open the name since 我是 also introduces roles ("我是一家公司的老板").
var chineseSelf = regexp.MustCompile(`(?:我是|我係|我系)([^，。！？,.!?\n]{1,40}?(?:的|嘅))?(\p{Han}{2,4})(?:[，。！？,.!?\s]|$)`)

func chineseSelfName(text string) []int {
	for _, loc := range chineseSelf.FindAllStringSubmatchIndex(text, -1) {
		name := text[loc[4]:loc[5]]
		first, _ := utf8.DecodeRuneInString(name)
		if strings.ContainsRune(commonSurnames, first) {
			return []int{loc[0], loc[1], loc[4], loc[5]}
		}
	}
	return nil
}

// cleanName turns a matched region into a name, or reports that it is none.
func cleanName(raw string, mode nameMode) (string, bool) {
	raw = strings.TrimSpace(strings.Trim(raw, " \t\"'«»“”.,،:;!?()[]{}"))
	if raw == "" {
		return "", false
	}
	if isHan(raw) {
		return cleanHanName(raw)
	}
	if mode == lowerHead {
		raw, mode = capitalizeWords(raw), head
	}
	var tokens []string
	for _, t := range strings.Fields(raw) {
		if t = strings.Trim(t, ".,،:;!?\"'«»()"); t != "" {
			tokens = append(tokens, t)
		}
	}
	stop := func(t string) bool { l := strings.ToLower(t); return nameStop[l] || !nameToken(t) || suffixed(t) }
	if mode == tail {
		if i := indexOf(tokens, "از"); i >= 0 {
			tokens = tokens[:i] // "رضا احمدی از فولاد پارس": the name comes before "from"
		}
		last := -1
		for i, t := range tokens {
			if stop(t) && !nameTitles[strings.ToLower(t)] {
				last = i
			}
		}
		tokens = tokens[last+1:]
	}
	for len(tokens) > 0 && (nameTitles[strings.ToLower(strings.TrimRight(tokens[0], "."))] ||
		(mode == whole && greetingWords[strings.ToLower(tokens[0])])) {
		tokens = tokens[1:] // "Dr. Jane Doe", "Hi Peter Novak here"
	}
	var out []string
	for _, t := range tokens {
		if stop(t) || nameTitles[strings.ToLower(t)] {
			if mode == head && len(out) > 0 {
				break
			}
			return "", false
		}
		out = append(out, t)
	}
	if len(out) == 0 || len(out) > 4 {
		return "", false
	}
	out[len(out)-1] = dropPersianCopula(out[len(out)-1], len(out))
	cased := 0
	for _, t := range out {
		if hasCase(t) {
			cased++
			if !isTitleCase(t) && !particle(t) {
				return "", false
			}
		}
	}
	if cased > 0 && cased < len(out) {
		return "", false // mixed scripts: not one name
	}
	return strings.Join(out, " "), true
}

// suffixed reports whether t ends in an apostrophe and a short lower-case ending: a possessive or
// a Turkish case ending on a proper noun ("John's", "İstanbul'dan"), which is not a name as written.
// Names with an inner apostrophe keep a capital after it (O'Brien, D'Angelo).
func suffixed(t string) bool {
	i := strings.LastIndexByte(t, '\'')
	if i < 0 || i == len(t)-1 {
		return false
	}
	rest := t[i+1:]
	if utf8.RuneCountInString(rest) > 4 {
		return false
	}
	for _, r := range rest {
		if !unicode.IsLower(r) {
			return false
		}
	}
	return true
}

// capitalizeWords upper-cases the first letter of every word.
func capitalizeWords(s string) string {
	words := strings.Fields(s)
	for i, w := range words {
		r, n := utf8.DecodeRuneInString(w)
		words[i] = string(unicode.ToUpper(r)) + w[n:]
	}
	return strings.Join(words, " ")
}

func indexOf(list []string, s string) int {
	for i, x := range list {
		if x == s {
			return i
		}
	}
	return -1
}

// nameToken reports whether t can be one word of a name: letters, marks, joiners and inner
// hyphens or apostrophes only.
func nameToken(t string) bool {
	letters := 0
	for _, r := range t {
		switch {
		case unicode.IsLetter(r):
			letters++
		case unicode.IsMark(r), r == '\u200c', r == '-', r == '\'', r == '.':
		default:
			return false
		}
	}
	return letters >= 1 && (letters >= 2 || strings.HasSuffix(t, "."))
}

func particle(t string) bool {
	switch t {
	case "de", "van", "von", "der", "den", "bin", "al", "el", "la", "da", "di", "du", "ibn", "abu", "dos":
		return true
	}
	return false
}

// dropPersianCopula removes the colloquial "is" glued to the end of a Persian name: "اسمم علی
// رضاییه" → "علی رضایی". Only surnames ending in -ییه/-یه of five letters or more are touched, so
// first names such as سمیه keep their ending.
func dropPersianCopula(last string, tokens int) string {
	if strings.HasSuffix(last, "\u200cام") {
		return strings.TrimSuffix(last, "\u200cام")
	}
	if tokens >= 2 && strings.HasSuffix(last, "یه") && utf8.RuneCountInString(last) >= 5 {
		return strings.TrimSuffix(last, "ه")
	}
	return last
}

// cleanHanName keeps a 2-4 character Han name, dropping trailing titles and anything after a
// function character.
func cleanHanName(raw string) (string, bool) {
	var b strings.Builder
	for _, r := range raw {
		if strings.ContainsRune(hanNameStop, r) || !unicode.Is(unicode.Han, r) {
			break
		}
		b.WriteRune(r)
	}
	name := b.String()
	for _, t := range hanTitles {
		// "王先生" is a surname and a title, not a full name: nothing is left once the title goes.
		name = strings.TrimSuffix(name, t)
	}
	n := utf8.RuneCountInString(name)
	if n < 2 || n > 4 {
		return "", false
	}
	return name, true
}

func isHan(s string) bool {
	r, _ := utf8.DecodeRuneInString(s)
	return unicode.Is(unicode.Han, r)
}
