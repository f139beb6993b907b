package extract

import (
	"regexp"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/leadflow/leadflow/internal/lead"
)

// Intent cues. Each cue list carries a weight: strong cues name the action ("send the contract",
// "سفارش بدم", "выставьте счёт"), weak ones only point at it ("buy", "problem"). A price question
// outweighs a vague plan to buy ("maybe next year"), a firm purchase outweighs a price question, a
// fault outweighs both, and partnership and job applications are rarely ambiguous.
type intentCue struct {
	intent lead.Intent
	weight float64
	re     *cueSet
}

var intentCues = []intentCue{
	{lead.IntentDemoRequest, 3, words(`demo`, `demonstration`, `trial\b`, `walkthrough`, `walk-through`,
		`walk me through`, `see it in action`, `live tour`, `دمو`, `نسخه آزمایشی`, `نسخه نمایشی`, `جلسه معرفی`,
		`عرض تجريبي`, `عرض توضيحي`, `ديمو`, `تجربة مجانية`, `التجربة المجانية`, `نسخة تجريبية`,
		`فترة تجريبية`, `الفترة التجريبية`, `دوره آزمایشی`, `نسخه رایگان`, `free trial`, `демо`, `демонстрац`, `презентац`,
		`пробн`, `тестовый доступ`, `演示`, `試用`, `试用`, `示範`, `示范`, `deneme sürümü`, `tanıtım`,
		`vorführung`, `testversion`, `probeversion`, `präsentation`,
		// Trying the product for free is a trial request, not a price question ("kostenlos testen").
		`test drive`, `try it for free`, `try it out`, `free demo`, `نسخه دمو`, `تست رایگان`, `تجربة النظام`,
		`попробовать`, `протестировать`, `тест-драйв`, `тестовый период`, `免费体验`, `免費體驗`, `体验一下`, `體驗一下`,
		`试一下`, `試一下`, `ücretsiz deneme`, `deneme süresi`, `deneme hesabı`, `denemek istiyoruz`,
		`kostenlos testen`, `kostenlos ausprobieren`, `ausprobieren`, `testzugang`, `testphase`)},
	{lead.IntentPriceInquiry, 2.5, words(`price`, `pricing`, `cost`, `how much`, `quote\b`, `quotation`,
		`rates\b`, `tariff`, `cheaper`, `discount`, `proposal`, `fee\b`, `fees\b`,
		`gheymat`, `ghimat`, `qeymat`, `chande\b`, `chanda\b`, `hazine`, `chand mishe`, `chand dar miad`,
		`chand darmiad`, `chand mishavad`,
		`قیمت`, `چنده`, `چقدره`, `چقدر`, `هزینه`, `تعرفه`, `تخفیف`, `شهریه`, `سعر`, `أسعار`, `اسعار`, `بكم`,
		`كام>`, `تكلفة`, `التكلفة`, `خصم`, `رسوم`, `كم يكلف`, `كم تكلف`, `<цен`, `стоимост`,
		`сколько сто`, `прайс`, `<кп>`, `коммерческое предложение`, `расценк`,
		`тариф`, `скидк`, `多少钱`, `多少錢`, `价格`, `價格`, `價錢`, `价钱`, `报价`, `報價`, `收费`, `收費`, `费用`,
		`費用`, `幾錢`, `几钱`, `幾多錢`, `几多钱`, `平啲`, `便宜`, `优惠`, `優惠`, `折扣`, `价目`, `價目`,
		`what do you charge`, `how much do you charge`, `do you charge`, `charge for`, `price list`,
		`почём`, `почем`, `چند درمیاد`, `چند در میاد`, `چند میشه`, `چند می‌شه`, `چند هست`, `چند است`,
		`сколько\?`, `сколько \?`, `сколько？`, `كم؟`, `كم ؟`, `كم\?`, `多少？`, `多少\?`, `wie viel\b`, `wieviel\b`,
		`as3ar`, `se3r`, `b kam\b`,
		`bkam\b`, `kaç para`, `kaç lira`, `fiyat`, `ne kadar`, `ücret\b`, `ücreti`, `ücretler`, `ücretlendirme`, `teklif`,
		`indirim`, `kaça`, `preis`, `kostet`, `kosten\b`, `angebot`,
		`rabatt`)},
	{lead.IntentPurchase, 3, words(append(phrases(
		[]string{`want to`, `wants to`, `wanted to`, `like to`, `ready to`, `decided to`, `plan to`},
		[]string{`buy`, `order`, `purchase`, `subscribe`, `enrol`, `sign up`, `register`, `go ahead`, `sign`}),
		`place an order`, `go ahead with`, `sign the contract`, `contract`, `invoice`, `purchase order`,
		`subscribe`, `enrol`, `sign up for`, `payment link`, `how can i pay`, `how do i pay`,
		`how can we pay`, `how do we pay`, `more licenses`, `more licences`, `sefaresh`, `sabtenam`, `sabte nam`,
		`sabt-e nam`, `gharardad`, `pardakht`, `adfa3`,
		`نهایی کن`, `قرارداد`, `پیش‌فاکتور`, `پیش فاکتور`, `پیشفاکتور`, `سفارش بد`, `سفارش ثبت`, `ثبت سفارش`,
		`ثبت‌نام`, `ثبت نام`, `ثبتنام`, `بخرم`, `بخریم`, `پرداخت`,
		`أشتري`, `اشتري`, `نشتري`, `نشترك`, `أشترك`, `اشترك`, `أحجز`, `احجز`, `نحجز`,
		`فاتورة`, `الفاتورة`, `<العقد`, `<عقد`, `تفعيل`, `الدفع`, `أدفع`, `ادفع`, `طلب شراء`, `أمر شراء`,
		`заказать`, `оформить`, `записаться`, `запишите`, `выставьте`, `счёт на`, `счет на`, `оплатить`, `оплату`,
		`договор`, `подключаемся`, `подключаться`, `лиценз`, `采购`, `採購`, `购买`, `購買`, `下单`, `下單`,
		`订购`, `訂購`, `合同`, `合約`, `签约`, `簽約`, `报名`, `報名`, `付款`, `开通`, `開通`, `订阅`, `訂閱`,
		`satın al`, `sipariş ver`, `abone ol`, `kayıt ol`, `sözleşme`, `fatura`, `kaufen`, `bestellen`,
		`bestellung`, `abonnieren`, `vertrag`, `rechnung`, `buchen`,
		// Renewing or extending is buying again.
		`renew`, `extend our subscription`, `extend my subscription`, `verlängern`, `تمدید`, `تجديد`, `продлить`,
		`продление`, `yenilemek`, `yenileme`, `续费`, `續費`, `续订`, `續訂`)...)},
	{lead.IntentPurchase, 2, words(`buy`, `purchase`, `order\b`, `subscription`, `اشتراک`, `kharid`, `خرید`, `بخر`, `شراء`, `للشراء`,
		`купить`, `покупа`, `покупк`, `приобрести`, `подключить`, `买`, `買`, `alma\b`, `almak`)},
	{lead.IntentSupport, 3.5, words(`not working`, `doesn't work`, `does not work`, `isn't working`, `stopped`,
		`broken`, `error`, `bug\b`, `leak`, `crash`, `outage`, `fault`, `defect`, `damaged`, `repair`,
		`can't log`, `cannot log`, `unable to`, `escalate`, `refund`, `complaint`, `where is my`,
		`hasn't arrived`, `has not arrived`, `never arrived`, `delayed`, `reset my password`, `troubleshoot`,
		`charged twice`, `double charged`, `overcharged`, `wrong invoice`, `kar nemikone`, `kar nemikonad`,
		`dorost kar nemikone`, `دوبار کسر`, `اتخصم`, `انخصم`, `خصم مني`, `списали дважды`, `двойное списание`,
		`扣了两次`, `重复扣款`, `重複扣款`, `iki kez çekildi`, `doppelt abgebucht`,
		`کار نمی`, `ارسال نمی`, `وصل نمی`, `باز نمی`, `خراب`, `خطا`, `ارور`, `قطع شده`, `مرجوع`, `شکایت`,
		`لا يعمل`, `ما يشتغل`, `مش شغال`, `مش بيشتغل`, `متأخر`, `تأخير`, `فين الشحنة`, `وين الطلب`, `عطل`,
		`خطأ`, `شكوى`, `استرجاع`, `استرداد`, `محدش بيرد`, `لم يصل`, `موصلش`, `الدعم الفني`, `не работает`,
		`перестал`, `<ошибк`, `сломал`, `поломк`, `неисправ`, `не приходит`, `не пришл`, `возврат`, `жалоб`,
		`техподдерж`, `不能用`, `用不了`, `无法`, `無法`, `故障`, `坏了`, `壞咗`, `错误`, `錯誤`, `报错`, `退款`,
		`投诉`, `投訴`, `漏`, `售后`, `售後`, `维修`, `維修`, `çalışmıyor`, `hata`, `arıza`, `bozuk`, `iade`,
		`şikayet`, `funktioniert nicht`, `geht nicht`, `fehler`, `störung`, `defekt`, `kaputt`,
		`reklamation`, `rückerstattung`,
		// A fault said in other words: "doesn't load", "can't access", "funktioniert seit heute
		// nicht mehr" (German puts the negation after the rest of the clause).
		`doesn't load`, `does not load`, `won't load`, `not loading`, `won't open`, `doesn't open`,
		`can't access`, `cannot access`, `can't open`, `stopped working`,
		`(?:widget|site|website|app|system|server|service|bot|chatbot|dashboard|portal|platform|panel|integration|api|account)\s+(?:is|was|went|has been|keeps going)\s+(?:down|offline)\b`,
		`funktioniert\b[^.!?\n]{0,40}\bnicht\b`, `geht\b[^.!?\n]{0,30}\bnicht mehr`, `lädt nicht`,
		`lässt sich nicht`, `kann mich nicht`, `не открывается`, `не загружается`, `не могу войти`,
		`не могу зайти`, `打不开`, `打不開`, `登录不了`, `登錄不了`, `登不上`, `出问题`, `出問題`, `açılmıyor`,
		`giriş yapamıyorum`, `giriş yapamıyoruz`, `لود نمی`, `وارد نمی`, `ما يفتح`, `مش بيفتح`, `لا يفتح`,
		`ما يشتغل`, `لا أستطيع الدخول`, `ما اقدر ادخل`).gated(`down`, `offline`, `funktioniert`, `geht`)},
	{lead.IntentSupport, 2, words(`technical support`, `tech support`, `customer support team`, `need support`,
		`support ticket`, `contact support`, `help with my`, `didn't receive`, `haven't received`, `not received`,
		`cancel my`, `my account`, `نرسیده`, `لغو اشتراک`, `ما وصل`, `إلغاء الاشتراك`, `поддержк`, `не получ`,
		`отменить подписку`, `收不到`, `收唔到`, `没收到`, `沒收到`, `取消订阅`, `teknik destek`, `iptal`,
		`kündigen`)},
	// A problem may be a customer's fault report or a prospect's pain ("our problem is too many
	// chats"): it counts for little.
	{lead.IntentSupport, 1.25, words(`issue`, `problem`, `moshkel`, `مشکل`, `مشكلة`, `مشكله`, `проблем`, `问题`,
		`問題`, `sorun`)},
	// Interest without a named action: a prospect, most likely buying.
	{lead.IntentPurchase, 1.5, words(`interested in`, `looking for`, `we need`, `i need`, `need a\b`,
		`دنبال`, `نیاز داریم`, `لازم داریم`, `علاقه‌مند`, `أبحث عن`, `ابحث عن`, `محتاج`, `نحتاج`, `مهتم`,
		`<нужен`, `<нужна`, `<нужно`, `<ищем`, `интересует`, `想要`, `需要`, `想了解`, `想搵`, `arıyoruz`,
		`ihtiyacımız`, `ilgileniyoruz`, `suchen`, `brauchen`, `interessiert`)},
	{lead.IntentPartnership, 3.5, words(`partner`, `reseller`, `resell`, `distributor`, `white label`,
		`white-label`, `whitelabel`,
		`affiliate`, `referral program`, `joint venture`, `co-marketing`, `become your`, `hamkari`,
		`همکاری`, `نماینده`, `نمایندگی`, `شریک`, `شراکت`, `پارتنر`, `عاملیت`, `شراكة`, `شريك`, `موزع`,
		`وكيل`, `وكالة`, `بارتنر`, `партнёр`, `партнер`, `реселлер`, `дилер`, `дистрибь`, `сотруднич`, `合作`, `代理`,
		`加盟`, `经销`, `經銷`, `分销`, `分銷`, `渠道`, `iş ortağı`, `iş ortaklığı`, `bayi`, `distribütör`,
		`ortaklık`, `işbirliği`, `partnerschaft`, `wiederverkäufer`, `vertriebspartner`, `kooperation`,
		`zusammenarbeit`)},
	{lead.IntentOther, 3.5, words(`job\b`, `jobs\b`, `vacanc`, `career`, `resume\b`, `cv\b`, `apply for`,
		`applied for`, `application status`, `internship`, `hiring`, `employment`, `رزومه`, `استخدام`, `شغل`,
		`فرصت شغلی`, `وظيفة`, `توظيف`, `السيرة الذاتية`, `قدمت على`, `ваканси`, `резюме`, `трудоустр`,
		`стажировк`, `应聘`, `應徵`, `简历`, `簡歷`, `招聘`, `求职`, `求職`, `岗位`, `崗位`, `iş başvurusu`,
		`özgeçmiş`, `bewerbung`, `lebenslauf`, `praktikum`)},
}

// supportCues are all the support cue lists together.
var supportCues = func() *cueSet {
	all := &cueSet{}
	for _, c := range intentCues {
		if c.intent == lead.IntentSupport {
			all.lits = append(all.lits, c.re.lits...)
		}
	}
	return all
}()

// demoPast marks a sentence that talks about a demo already held ("thanks for the demo on
// Tuesday"): it is context for a purchase, not a request.
var demoPast = words(`last week`, `last month`, `yesterday`, `earlier`, `thanks for the demo`,
	`thank you for the demo`, `after the demo`, `the demo was`, `had a demo`, `we saw`, `we had`, `loved it`,
	`hafteye pish`, `mahe pish`, `kardim`, `didim`, `هفته پیش`, `هفته قبل`, `ماه پیش`, `دیروز`, `دیدیم`,
	`عالی بود`, `الأسبوع الماضي`, `اللي فات`, `الماضي`, `شفنا`, `حضرنا`, `прошлой`, `вчера`, `смотрели`,
	`посмотрели`, `上周`, `上週`, `上个`, `上個`, `参加过`, `參加過`, `看过`, `看過`, `昨天`, `geçen hafta`,
	`letzte woche`, `gestern`)

// Spam cues, by kind: one kind alone can be an honest business talking about its trade, two kinds
// or one plus links and hype is an advertisement.
var spamCues = []struct {
	kind string
	re   *cueSet
}{
	{"seo", words(`backlink`, `back link`, `guest post`, `rank #1`, `rank 1\b`, `first page of google`, `top of google`,
		`seo services`, `high da\b`, `domain authority`, `aged domain`, `traffic to your`,
		`سئو`, `بک‌لینک`, `بک لینک`, `بکلینک`, `رپورتاژ`, `صفحه اول گوگل`, `باك لينك`, `تحسين محركات البحث`,
		`продвижение сайт`, `в топ`, `прогон`, `крауд`, `накрутк`, `百度`, `快速排名`, `上首页`, `外链`, `快排`)},
	{"money", words(`bitcoin`, `btc\b`, `crypto`, `forex`, `trading bot`, `earn \$?\d`, `make money`,
		`passive income`, `investment opportunity`, `withdraw`, `\d+% (?:profit|return|in \d+ days)`,
		`بیت‌کوین`, `بیت کوین`, `ارز دیجیتال`, `کسب درآمد`, `درآمد دلاری`, `بيتكوين`, `تداول`, `اربح`,
		`فرصة استثمارية`, `أرباح`, `биткоин`, `<крипт`, `заработ`, `пассивный доход`, `日赚`, `日賺`, `兼职`,
		`兼職`, `刷单`, `刷單`, `赚钱`, `賺錢`, `比特币`, `比特幣`)},
	{"promotion", words(`followers`, `likes and views`, `advertising services`, `ad placement`, `تبلیغات در`,
		`فالوور`, `ممبر`, `متابعين`, `подписчиков`, `реклама в`, `粉丝`, `涨粉`, `takipçi`)},
	{"gambling", words(`casino`, `betting`, `poker`, `slots\b`, `کازینو`, `شرط‌بندی`, `شرط بندی`, `كازينو`,
		`مراهنات`, `казино`, `博彩`, `赌场`, `賭場`, `bahis`)},
	{"hype", words(`guaranteed`, `100% `, `!!!`, `spots left`, `places left`, `limited offer`, `% off`,
		`offer ends`, `act now`, `click here`, `dm @`, `join t\.me`, `no risk`, `bulk discount`,
		`garantiert`, `top-platzierung`, `erste seite bei google`, `seo-dienst`, `seo dienst`, `seo hizmet`,
		`تضمینی`, `تخفیف ویژه`, `فقط امروز`, `ضمان`, `سجل الآن`, `العرض لأول`, `بدون خسارة`, `гарантия`,
		`<всего за`, `名额有限`, `名額有限`, `不收费`, `不收費`, `加微信`, `详情`, `詳情`, `garantili`)},
}

// injectionCue finds attempts to instruct the bot or the pipeline behind it.
var injectionCue = words(`previous instructions`, `prior instructions`, `above instructions`,
	`earlier instructions`, `preceding instructions`, `previous prompt`, `ignore all instructions`,
	`ignore your instructions`, `ignore the above`, `disregard the above`, `disregard all previous`,
	`disregard previous`, `disregard your`, `system note:`, `system prompt`, `system message:`, `developer mode`,
	`jailbreak`, `mark me as`, `mark this lead as`, `mark this conversation as`, `mark this chat as`,
	`mark this as`, `lead score`, `you are now`,
	`دستورات قبلی`, `دستورالعمل‌های قبلی`, `دستور[^.!?؟\n]{0,40}نادیده`, `پرامپت`, `تجاهل جميع`, `تجاهل كل`, `تجاهل التعليمات`,
	`تجاهل تعليمات`, `تجاهل الأوامر`, `التعليمات السابقة`, `تعليماتك`,
	`игнорируй`, `предыдущие инструкции`, `системный промпт`, `режим разработчика`, `режиме разработчика`,
	`отметь этот`, `отметь меня`, `忽略之前`, `忽略以上`, `忽略所有`, `之前的所有指令`, `系统提示`, `系統提示`,
	`把我标记为`, `把我標記為`, `开发者模式`, `開發者模式`, `önceki talimat`, `talimatları yok say`,
	`vorherigen anweisungen`, `bisherigen anweisungen`, `ignoriere alle`,
	// Other ways of telling the pipeline what to record: "forget your instructions", a fake
	// "SYSTEM:" header, "set my budget to …". A customer states a budget ("our budget is …"); only
	// someone addressing the machine says "set my budget to …". "Forget" and "ignore" alone are not
	// cues: "forget the first number, it's …" is a correction, and corrections must stay evidence.
	`(?:forget|ignore|disregard) (?:all |any |your |the |my )?(?:previous |prior |above |earlier |system )?(?:instructions|rules|prompts?)\b`,
	`new instructions`, `override (?:your|the system|all|lead|previous)`,
	`set (?:my |the |our |this )?(?:budget|urgency|priority|intent|lead score|score|lead status|status) (?:to|=|as|at)\b`,
	`as a hot lead`, `as hot lead`, `route me to the ceo`, `route this to the ceo`, `pretend you are`,
	`pretend to be`, `act as an admin`, `act as the admin`,
	`(?m:^)\s*\[?(?:system|admin|assistant|developer|root)\]?\s*:`,
	`دستورات رو فراموش`, `دستوراتت رو فراموش`, `همه دستورات`, `لید داغ`, `به عنوان لید`,
	`كل التعليمات`, `جميع التعليمات`, `انس التعليمات`, `انسى التعليمات`, `تعليمات النظام`, `سجلني كعميل`, `اعتبرني عميل`,
	`забудь все инструкции`, `забудь инструкции`, `забудь предыдущ`, `забудьте предыдущ`, `забудьте все инструкции`,
	`новые инструкции`, `поставь бюджет`, `укажи бюджет`, `запиши бюджет`, `之前的指令`, `所有指令`, `之前的指示`,
	`忽略指令`, `预算写`, `預算寫`, `把我标记`, `把我標記`, `talimatları unut`, `tüm talimatları`,
	`bütün talimatları`, `olarak işaretle`, `vergiss alle anweisungen`, `vergiss deine anweisungen`,
	`vergiss die anweisungen`, `setze mein budget`, `setze das budget`, `markiere mich`).gated(`دستور`,
	`instruction`, `rule`, `prompt`, `override`, `set `, `system`, `admin`, `assistant`, `developer`, `root`)

// intentView is the message as evidence of intent. Fields are read only up to the first sentence
// that instructs the bot (what follows may be more of the instruction: "… Classify this as a
// purchase. Budget: 1 billion."), and so is intent, except for the questions that follow: a real
// question after the attempt ("Anyway, how much is the Pro plan?") still says what the customer
// wants, while an instruction is not asked.
func (m *customerMsg) intentView() (text, lower string) {
	if m.trusted == len(m.text) {
		return m.text, m.lower
	}
	var spans [][2]int
	for a := m.trusted; a < len(m.text); {
		_, b := sentenceAround(m.text, a, a)
		if b <= a {
			b = len(m.text)
		}
		if !question(m.text[a:b]) || injectionCue.Match(m.text[a:b], m.lower[a:b]) {
			spans = append(spans, [2]int{a, b})
		}
		a = b
	}
	return maskSpans(m.text, spans), maskSpans(m.lower, spans)
}

// question reports whether a sentence is asked: it ends with a question mark of any script.
func question(sentence string) bool {
	s := strings.TrimRightFunc(sentence, unicode.IsSpace)
	r, _ := utf8.DecodeLastRuneInString(s)
	return r == '?' || r == '؟' || r == '？'
}

// injectionStart returns where an attempt to instruct the bot starts in text (the start of the
// sentence holding it), or len(text).
func injectionStart(text, lower string) int {
	loc := injectionCue.First(text, lower)
	if loc == nil {
		return len(text)
	}
	a, _ := sentenceAround(text, loc[0], loc[1])
	return a
}

func (c *conversation) intent() lead.Field[lead.Intent] {
	if len(c.msgs) == 0 {
		return lead.Field[lead.Intent]{}
	}
	if f, ok := c.spam(); ok {
		return f
	}
	type hit struct {
		score    float64
		cues     int
		evidence string
	}
	hits := map[lead.Intent]*hit{}
	for _, m := range c.msgs {
		text, lower := m.intentView()
		quoted := quotedSpans(text)
		text, lower = maskSpans(text, quoted), maskSpans(lower, quoted)
		for _, cue := range intentCues {
			for _, loc := range cue.re.All(text, lower) {
				a, b := sentenceAround(text, loc[0], loc[1])
				if cue.intent == lead.IntentDemoRequest && demoPast.Match(text[a:b], lower[a:b]) {
					continue
				}
				if cue.intent == lead.IntentPurchase && supportCues.Match(text[a:b], lower[a:b]) {
					continue // "a problem with the last invoice": the invoice is the subject of a complaint
				}
				h := hits[cue.intent]
				if h == nil {
					h = &hit{}
					hits[cue.intent] = h
				}
				h.cues++
				if cue.weight > h.score {
					h.score = cue.weight
					h.evidence = m.sentenceEvidence(loc[0], loc[1])
				}
			}
		}
	}
	// Ties go to the rarer, more specific intent.
	order := []lead.Intent{lead.IntentPartnership, lead.IntentOther, lead.IntentSupport,
		lead.IntentDemoRequest, lead.IntentPurchase, lead.IntentPriceInquiry}
	var best lead.Intent
	var bestScore, second float64
	for _, in := range order {
		h := hits[in]
		if h == nil {
			continue
		}
		s := h.score + 0.1*float64(min(h.cues-1, 3)) // more cues, a little more sure
		switch {
		case s > bestScore:
			best, second, bestScore = in, bestScore, s
		case s > second:
			second = s
		}
	}
	if best == "" {
		if c.injected() {
			// Nothing but instructions to the bot: not a customer.
			return lead.Set(lead.IntentSpam, 0.75, c.injectionEvidence(), lead.SourceRules)
		}
		return lead.Set(lead.IntentOther, 0.3, "", lead.SourceRules)
	}
	conf := 0.35 + 0.13*bestScore + 0.05*min(bestScore-second, 2)
	return lead.Set(best, clamp(min(conf, 0.92)), hits[best].evidence, lead.SourceRules)
}

// spam decides whether the conversation is an advertisement or a scam.
func (c *conversation) spam() (lead.Field[lead.Intent], bool) {
	kinds := map[string]bool{}
	var evidence string
	links, linkOnly := 0, 0
	for _, m := range c.msgs {
		lower := lowerSameLength(m.f.s)
		for _, cue := range spamCues {
			if loc := cue.re.First(m.f.s, lower); loc != nil {
				if !kinds[cue.kind] && evidence == "" && cue.kind != "hype" {
					evidence = m.sentenceEvidence(loc[0], loc[1])
				}
				kinds[cue.kind] = true
			}
		}
		links += m.links + len(handlePattern.FindAllStringIndex(m.text, 3))
		if m.links > 0 && letterCount(m.text) < 4 {
			linkOnly++
		}
	}
	score := 0.0
	for k := range kinds {
		if k == "hype" {
			score += 0.75
		} else {
			score += 1.25
		}
	}
	if links > 0 {
		score += 0.5
	}
	if links > 1 {
		score += 0.25
	}
	if linkOnly > 0 && linkOnly == len(c.msgs) {
		score += 2 // nothing but links
		if evidence == "" {
			evidence = c.msgs[0].evidence(0, len(c.msgs[0].text), false)
		}
	}
	if score < 2 {
		return lead.Field[lead.Intent]{}, false
	}
	if evidence == "" {
		evidence = c.msgs[0].evidence(0, len(c.msgs[0].text), false)
	}
	return lead.Set(lead.IntentSpam, clamp(min(0.6+0.1*score, 0.95)), evidence, lead.SourceRules), true
}

// handlePattern finds a messenger handle ("DM @crypto_vip"); addresses are already blanked out.
var handlePattern = regexp.MustCompile(`(?:^|\s)@[A-Za-z0-9_]{4,}`)

// injected reports whether some customer message tries to instruct the bot.
func (c *conversation) injected() bool {
	for _, m := range c.msgs {
		if m.trusted < len(m.text) {
			return true
		}
	}
	return false
}

func (c *conversation) injectionEvidence() string {
	for _, m := range c.msgs {
		if m.trusted < len(m.text) {
			_, b := sentenceAround(m.text, m.trusted, m.trusted)
			return m.evidence(m.trusted, b, false)
		}
	}
	return ""
}

// quotedPattern finds quoted words: what the customer's own customers ask ("'where is my parcel'
// questions"), product names, titles. They are not the customer's intent.
var quotedPattern = regexp.MustCompile(`(?:^|[\s(])'[^'\n]{3,80}'(?:[\s.,;:!?)]|$)|"[^"\n]{3,80}"|«[^»\n]{1,80}»|“[^”\n]{3,80}”|「[^」\n]{1,80}」`)

func quotedSpans(s string) [][2]int {
	var out [][2]int
	for _, loc := range quotedPattern.FindAllStringIndex(s, -1) {
		out = append(out, [2]int{loc[0], loc[1]})
	}
	return out
}

func letterCount(s string) int {
	n := 0
	for _, r := range s {
		if unicode.IsLetter(r) {
			n++
		}
	}
	return n
}

// hasLetters reports whether s holds any letter.
func hasLetters(s string) bool { return strings.IndexFunc(s, unicode.IsLetter) >= 0 }
