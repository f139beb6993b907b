package main

import (
	"fmt"
	"math/rand/v2"
	"strings"
)

// conversation is one generated chat, as the chatbot gateway would post it.
type conversation struct {
	ID       string
	Channel  string
	Country  string
	Locale   string
	Events   []string
	Sender   map[string]any // what the channel vouches for (a WhatsApp number, an email sender)
	Messages []chatMessage
	Person   person
	Repeat   bool // the person wrote before, in an earlier conversation
}

type chatMessage struct {
	Role string // customer or bot
	Text string
}

// person is a prospect; a returning customer keeps their phone and email.
type person struct {
	Name, Company, Email string
	Phone                string // as the customer types it, in the country's national format
	E164                 string
	Lang                 string
}

// locale is one market: how its customers write, and how their numbers look.
type locale struct {
	lang, country, locale string
	first, last           []string
	companies             []string
	phone                 func(r *rand.Rand) (typed, e164 string)
	script                [][2]string // {role, text} with {name} {company} {phone} {email}
}

var locales = []locale{
	{lang: "en", country: "GB", locale: "en-GB",
		first: []string{"Sara", "James", "Olivia", "Tom", "Priya", "Daniel"}, last: []string{"Kim", "Walker", "Patel", "Hughes", "Murray", "Bennett"},
		companies: []string{"Brightwave", "Northfield Logistics", "Kestrel Labs", "Harbour Dental"},
		phone: func(r *rand.Rand) (string, string) {
			x, d := []string{"4", "5", "7", "8", "9"}[r.IntN(5)], digits(r, 8) // 076 is pagers
			return "07" + x + d[:2] + " " + d[2:], "+447" + x + d
		},
		script: [][2]string{
			{"bot", "Hi there 👋 What brings you to Chatlio today?"},
			{"customer", "Hi, I'm {name} from {company}. We need a chatbot that pushes leads into our CRM, for about 30 agents."},
			{"bot", "That sounds like our Team plan. Would you like a live demo?"},
			{"customer", "Yes please, a demo next week. You can reach me on {phone} or at {email}"},
		}},
	{lang: "fa", country: "IR", locale: "fa-IR",
		first: []string{"علی", "مریم", "رضا", "سارا", "محمد", "نرگس"}, last: []string{"رضایی", "احمدی", "حسینی", "کریمی", "محمدی", "نوری"},
		companies: []string{"راهکار", "پارس‌تجارت", "آرین‌سافت", "نوآوران"},
		phone: func(r *rand.Rand) (string, string) {
			prefix := []string{"912", "935", "919", "901"}[r.IntN(4)]
			d := digits(r, 7)
			typed := fmt.Sprintf("0%s %s %s", prefix, d[:3], d[3:])
			if r.IntN(2) == 0 {
				typed = toScript(typed, '۰')
			}
			return typed, "+98" + prefix + d
		},
		script: [][2]string{
			{"bot", "سلام! چطور می‌تونم کمکتون کنم؟"},
			{"customer", "سلام، {name} هستم از شرکت {company}. برای تیم فروشمون دنبال یک چت‌بات هستیم."},
			{"bot", "عالیه. شماره تماستون رو می‌فرمایید تا کارشناس ما تماس بگیره؟"},
			{"customer", "بله، شماره من {phone} هست. ایمیل: {email}"},
		}},
	{lang: "ar", country: "SA", locale: "ar-SA",
		first: []string{"أحمد", "فاطمة", "خالد", "نورة", "عمر", "ليلى"}, last: []string{"العتيبي", "الحربي", "القحطاني", "الشمري", "الدوسري", "الزهراني"},
		companies: []string{"الأفق للتقنية", "مجموعة النخبة", "حلول الغد", "الريادة"},
		phone: func(r *rand.Rand) (string, string) {
			prefix := []string{"50", "53", "54", "55"}[r.IntN(4)]
			d := digits(r, 7)
			typed := fmt.Sprintf("0%s %s %s", prefix, d[:3], d[3:])
			if r.IntN(2) == 0 {
				typed = toScript(typed, '٠')
			}
			return typed, "+966" + prefix + d
		},
		script: [][2]string{
			{"bot", "مرحباً! كيف يمكنني مساعدتك اليوم؟"},
			{"customer", "أهلاً، أنا {name} من شركة {company}. نحتاج نظام محادثة لفريق المبيعات."},
			{"bot", "ممتاز، هل تود ترتيب عرض تجريبي؟"},
			{"customer", "نعم، رقمي {phone} والبريد {email}"},
		}},
	{lang: "ru", country: "RU", locale: "ru-RU",
		first: []string{"Анна", "Дмитрий", "Ольга", "Сергей", "Мария", "Алексей"}, last: []string{"Иванова", "Петров", "Смирнова", "Кузнецов", "Попова", "Соколов"},
		companies: []string{"Вектор", "СеверСтрой", "Альфа Логистик", "ТехноПарк"},
		phone: func(r *rand.Rand) (string, string) {
			op := fmt.Sprintf("9%02d", 10+r.IntN(80))
			d := digits(r, 7)
			return fmt.Sprintf("8 (%s) %s-%s-%s", op, d[:3], d[3:5], d[5:]), "+7" + op + d
		},
		script: [][2]string{
			{"bot", "Здравствуйте! Чем могу помочь?"},
			{"customer", "Добрый день, меня зовут {name}, компания «{company}». Нужен чат-бот для отдела продаж."},
			{"bot", "Отлично! Оставите контакты, чтобы менеджер связался с вами?"},
			{"customer", "Конечно: {phone}, почта {email}"},
		}},
	{lang: "zh", country: "CN", locale: "zh-CN",
		first: []string{"伟", "芳", "娜", "强", "敏", "磊"}, last: []string{"王", "李", "张", "刘", "陈", "杨"},
		companies: []string{"华信科技", "东方贸易", "云启软件", "远航物流"},
		phone: func(r *rand.Rand) (string, string) {
			prefix := []string{"138", "139", "186", "158"}[r.IntN(4)]
			d := digits(r, 8)
			return prefix + d, "+86" + prefix + d
		},
		script: [][2]string{
			{"bot", "您好！请问有什么可以帮您？"},
			{"customer", "你好，我是{company}的{name}，我们想了解你们的智能客服系统。"},
			{"bot", "好的，方便留下联系方式吗？我们的顾问会联系您。"},
			{"customer", "我的手机是{phone}，邮箱{email}"},
		}},
	{lang: "tr", country: "TR", locale: "tr-TR",
		first: []string{"Ayşe", "Mehmet", "Elif", "Can", "Zeynep", "Emre"}, last: []string{"Yılmaz", "Kaya", "Demir", "Şahin", "Çelik", "Aydın"},
		companies: []string{"Deniz Yazılım", "Anadolu Lojistik", "Mavi Medya", "Kuzey Enerji"},
		phone: func(r *rand.Rand) (string, string) {
			prefix := []string{"532", "533", "542", "555"}[r.IntN(4)]
			d := digits(r, 7)
			return fmt.Sprintf("0%s %s %s %s", prefix, d[:3], d[3:5], d[5:]), "+90" + prefix + d
		},
		script: [][2]string{
			{"bot", "Merhaba! Size nasıl yardımcı olabilirim?"},
			{"customer", "Merhaba, ben {name}, {company} şirketinden. Satış ekibimiz için bir sohbet botu arıyoruz."},
			{"bot", "Harika! İletişim bilgilerinizi alabilir miyim?"},
			{"customer", "Numaram {phone}, e-posta adresim {email}"},
		}},
	{lang: "de", country: "DE", locale: "de-DE",
		first: []string{"Lena", "Jonas", "Anna", "Felix", "Laura", "Paul"}, last: []string{"Müller", "Schmidt", "Weber", "Fischer", "Wagner", "Becker"},
		companies: []string{"Nordlicht", "Bergmann Technik", "Rheinwerk Digital", "Alpen Medien"},
		phone: func(r *rand.Rand) (string, string) {
			prefix := []string{"151", "160", "170", "176"}[r.IntN(4)]
			d := digits(r, 8)
			return fmt.Sprintf("0%s %s", prefix, d), "+49" + prefix + d
		},
		script: [][2]string{
			{"bot", "Hallo! Wie kann ich Ihnen helfen?"},
			{"customer", "Hallo, ich bin {name} von der {company} GmbH. Wir suchen einen Chatbot für unseren Vertrieb."},
			{"bot", "Sehr gern! Wie erreichen wir Sie am besten?"},
			{"customer", "Sie erreichen mich unter {phone} oder {email}."},
		}},
}

// generator makes conversations: deterministic for a seed, with a share of returning customers.
type generator struct {
	r           *rand.Rand
	repeatShare float64
	people      []person
	phones      map[string]bool
	n           int
}

func newGenerator(seed int64, repeatShare float64) *generator {
	return &generator{r: rand.New(rand.NewPCG(uint64(seed), 0x1eadf10)), repeatShare: repeatShare, phones: map[string]bool{}}
}

// take returns the next n conversations.
func (g *generator) take(n int) []conversation {
	out := make([]conversation, n)
	for i := range out {
		out[i] = g.next()
	}
	return out
}

func (g *generator) next() conversation {
	g.n++
	var p person
	repeat := len(g.people) > 0 && g.r.Float64() < g.repeatShare
	if repeat {
		p = g.people[g.r.IntN(len(g.people))]
	} else {
		p = g.newPerson()
		g.people = append(g.people, p)
	}
	loc := localeOf(p.Lang)
	c := conversation{ID: fmt.Sprintf("bench-%06d", g.n), Country: loc.country, Locale: loc.locale, Person: p, Repeat: repeat,
		Events: []string{"viewed_pricing"}}
	switch k := g.r.IntN(10); {
	case k < 6:
		c.Channel, c.Sender = "web", map[string]any{"external_id": "cookie-" + randomHexFrom(g.r, 6)}
	case k < 8:
		c.Channel, c.Sender = "whatsapp", map[string]any{"phone": p.E164, "external_id": "wa-" + strings.TrimPrefix(p.E164, "+")}
	case k < 9:
		c.Channel, c.Sender = "telegram", map[string]any{"external_id": fmt.Sprintf("tg-%d", 100000+g.r.IntN(900000))}
	default:
		c.Channel, c.Sender = "email", map[string]any{"email": p.Email}
	}
	if g.r.IntN(3) == 0 {
		c.Events = append(c.Events, "clicked_demo_cta")
	}
	fill := strings.NewReplacer("{name}", p.Name, "{company}", p.Company, "{phone}", p.Phone, "{email}", p.Email)
	for _, line := range loc.script {
		c.Messages = append(c.Messages, chatMessage{Role: line[0], Text: fill.Replace(line[1])})
	}
	return c
}

func (g *generator) newPerson() person {
	loc := locales[g.r.IntN(len(locales))]
	first, last := loc.first[g.r.IntN(len(loc.first))], loc.last[g.r.IntN(len(loc.last))]
	name := first + " " + last
	if loc.lang == "zh" {
		name = last + first
	}
	var typed, e164 string
	for {
		typed, e164 = loc.phone(g.r)
		if !g.phones[e164] {
			g.phones[e164] = true
			break
		}
	}
	// People write from their company's own mail domain, as at most businesses: the matcher's
	// company block then holds the company's people, not everyone of the country
	// (docs/performance.md, "A lead's own cost").
	c := g.r.IntN(len(loc.companies))
	company := loc.companies[c]
	email := fmt.Sprintf("lead%d.%s@%s-%d.example", len(g.people)+1, randomHexFrom(g.r, 3), strings.ToLower(loc.country), c+1)
	return person{Name: name, Company: company, Email: email, Phone: typed, E164: e164, Lang: loc.lang}
}

func localeOf(lang string) locale {
	for _, l := range locales {
		if l.lang == lang {
			return l
		}
	}
	panic("bench: no locale " + lang)
}

func digits(r *rand.Rand, n int) string {
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('0' + r.IntN(10))
	}
	return string(b)
}

// toScript writes ASCII digits in another script whose zero is zero (Persian ۰, Arabic-Indic ٠).
func toScript(s string, zero rune) string {
	return strings.Map(func(r rune) rune {
		if r >= '0' && r <= '9' {
			return zero + (r - '0')
		}
		return r
	}, s)
}

func randomHexFrom(r *rand.Rand, n int) string {
	const hexdigits = "0123456789abcdef"
	b := make([]byte, n*2)
	for i := range b {
		b[i] = hexdigits[r.IntN(16)]
	}
	return string(b)
}
