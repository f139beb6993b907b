package identity

import (
	"slices"
	"testing"
)

func TestSkeleton(t *testing.T) {
	same := [][2]string{
		{"Иван Петров", "Ivan Petrov"},
		{"محمد حسن", "Mohamed Hassan"},
		{"أحمد الشمري", "Ahmed Al Shammari"},
		{"علی رضایی", "Ali Rezaei"},
		{"Дмитрий Козлов", "Dmitry Kozlov"},
		{"Ольга Смирнова", "Olga Smirnova"},
		{"فاطمه", "Fatemeh"},
	}
	for _, p := range same {
		a, oka := Skeleton(p[0])
		b, okb := Skeleton(p[1])
		if !oka || !okb || a != b {
			t.Errorf("Skeleton(%q) = %q, %v; Skeleton(%q) = %q, %v: want one skeleton", p[0], a, oka, p[1], b, okb)
		}
	}
	for _, p := range [][2]string{{"Иван Петров", "Ivan Sidorov"}, {"محمد حسن", "Ahmed Hassan"}} {
		a, _ := Skeleton(p[0])
		b, _ := Skeleton(p[1])
		if a == b {
			t.Errorf("%q and %q share the skeleton %q", p[0], p[1], a)
		}
	}
	if s, ok := Skeleton("陳嘉欣"); ok {
		t.Errorf("Skeleton of a Han name = %q: want none (no table for it)", s)
	}
}

// profile is a test shorthand for ProfileOf.
func profile(channel, externalID, country, name, phone, email, company string) Profile {
	return ProfileOf(Person{Channel: channel, ExternalID: externalID, Country: country, Name: name, Phone: phone,
		Email: email, Company: company})
}

func TestCompareDecisions(t *testing.T) {
	tests := []struct {
		name string
		a, b Profile
		want string
	}{
		// The same people on other channels, in other scripts and formats.
		{"whatsapp after web, name in two scripts",
			profile("web", "cookie-1", "IR", "علی رضایی", "09120004567", "", "راهکار"),
			profile("whatsapp", "wa:989120004567", "IR", "Ali Rezaei", "989120004567", "", "Rahkar"), "merged"},
		{"email with another phone",
			profile("telegram", "tg:1", "RU", "Иван Петров", "+79160001234", "i.petrov@vektor.example", "Вектор"),
			profile("email", "email:i.petrov@vektor.example", "RU", "Ivan Petrov", "+79260005678", "i.petrov@vektor.example", "Vektor"), "merged"},
		{"gmail dots, a first name only",
			profile("web", "cookie-2", "IR", "سارا محمدی", "", "sara.mohammadi@gmail.com", ""),
			profile("whatsapp", "wa:989190001122", "IR", "Sara", "989190001122", "saramohammadi@gmail.com", ""), "merged"},
		{"Han name against its Cantonese romanisation",
			profile("web", "cookie-3", "HK", "陳嘉欣", "9123 4567", "", ""),
			profile("whatsapp", "wa:85291234567", "HK", "Chan Ka Yan", "85291234567", "", ""), "merged"},
		{"traditional and simplified Han",
			profile("web", "cookie-4", "CN", "陳嘉欣", "13800138001", "", ""),
			profile("web", "cookie-5", "CN", "陈嘉欣", "+86 138 0013 8001", "", ""), "merged"},
		{"Brazil's ninth digit",
			profile("web", "cookie-6", "BR", "João Silva", "+55 11 8765-4321", "", ""),
			profile("whatsapp", "wa:5511987654321", "BR", "Joao Silva", "5511987654321", "", ""), "merged"},
		{"same telegram account, no name",
			profile("telegram", "tg:77", "", "", "+447700900123", "", ""),
			profile("telegram", "tg:77", "", "", "", "someone@acme.example", ""), "merged"},

		{"an e-mail sender compares with the address given on the web",
			profile("web", "cookie-20", "GB", "Oliver Grant", "", "o.grant@harlow.example", "Harlow"),
			profile("email", "email:o.grant@harlow.example", "GB", "Oliver Grant", "07400 512001", "accounts@harlow.example", "Harlow"), "merged"},
		{"a WhatsApp id compares with a number typed on the web",
			profile("web", "cookie-21", "BR", "Fernanda Lima", "(21) 8765-0033", "", ""),
			profile("whatsapp", "wa:5521987650033", "BR", "", "", "fernanda@exemplo.example", ""), "merged"},
		{"a surname alone, completed by the account's display name",
			profile("web", "cookie-22", "IR", "احمد رحیمی", "021 4400 1234", "", ""),
			ProfileOf(Person{Channel: "telegram", ExternalID: "tg:5", Country: "IR", Name: "رحیمی", SenderName: "احمد رحیمی", Phone: "021 4400 1234"}), "merged"},

		// Different people.
		{"father and son on one mobile",
			profile("web", "cookie-23", "IR", "احمد رحیمی", "09121112233", "", ""),
			profile("web", "cookie-24", "IR", "رضا رحیمی", "09121112233", "", ""), "new"},
		{"a shared office line, different names and e-mails",
			profile("web", "cookie-7", "GB", "Tom Baker", "020 7946 0018", "tom.baker@northwind.example", "Northwind Logistics"),
			profile("email", "email:priya.shah@northwind.example", "GB", "Priya Shah", "+44 20 7946 0018", "priya.shah@northwind.example", "Northwind Logistics"), "new"},
		{"a Moscow switchboard with an extension",
			profile("web", "cookie-8", "RU", "Ольга Смирнова", "+7 (495) 000-45-67", "o.smirnova@tekhnostil.example", "Техностиль"),
			profile("telegram", "tg:@dkozlov", "RU", "Дмитрий Козлов", "8 (495) 000-45-67", "d.kozlov@tekhnostil.example", "Техностиль"), "new"},
		{"a common name, different phones and e-mails",
			profile("web", "cookie-9", "IR", "علی رضایی", "09120004567", "ali.rezaei@rahkar.example", ""),
			profile("web", "cookie-10", "IR", "علی رضایی", "09370001122", "alirezaei75@example.com", ""), "new"},
		{"the same name and company, nothing else",
			profile("web", "cookie-11", "CN", "王伟", "", "", "云帆"),
			profile("web", "cookie-12", "CN", "王伟", "", "", "云帆"), "review"},
		{"one mobile, two surnames",
			profile("web", "cookie-13", "IR", "Mohammad Rezaei", "09121111111", "", ""),
			profile("web", "cookie-14", "IR", "Mohammad Ahmadi", "09121111111", "", ""), "new"},
		{"one office mailbox, two people",
			profile("email", "email:info@reddoor.example", "", "Anna Field", "", "info@reddoor.example", ""),
			profile("email", "email:info@reddoor.example", "", "Mark Stone", "", "info@reddoor.example", ""), "new"},
		{"same landline, one side nameless, different e-mails",
			profile("web", "cookie-15", "GB", "", "020 7946 0018", "a@northwind.example", "Northwind"),
			profile("web", "cookie-16", "GB", "Priya Shah", "020 7946 0018", "b@northwind.example", "Northwind"), "review"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v := Compare(tt.a, tt.b)
			if got := v.Decision(); got != tt.want {
				t.Errorf("decision %s (weight %.1f, by %v): want %s", got, v.Weight, v.MatchedBy, tt.want)
			}
			if w := Compare(tt.b, tt.a); w.Weight != v.Weight {
				t.Errorf("Compare is not symmetric: %.1f and %.1f", v.Weight, w.Weight)
			}
		})
	}
}

func TestCompareMatchedBy(t *testing.T) {
	v := Compare(
		profile("web", "cookie-1", "IR", "علی رضایی", "09120004567", "", ""),
		profile("whatsapp", "wa:989120004567", "IR", "Ali Rezaei", "989120004567", "", ""))
	if !slices.Equal(v.MatchedBy, []string{KindPhone, KindSkeleton}) {
		t.Errorf("matched by %v: want the phone and the names across scripts", v.MatchedBy)
	}
	if v.Score < 0.9 || v.Score > 1 {
		t.Errorf("score %.3f: want a confident probability", v.Score)
	}
	if v := Compare(Profile{}, Profile{}); v.Decision() != "new" || v.Score >= 0.1 || v.MatchedBy == nil {
		t.Errorf("two empty profiles: %+v", v)
	}
}

func TestDisplayNameOnlyCompletes(t *testing.T) {
	p := ProfileOf(Person{Channel: "whatsapp", Name: "Sara Kim", SenderName: "Best Deals"})
	if len(p[KindName]) != 1 {
		t.Errorf("a display name that is not a fuller form of the stated name was kept: %v", p[KindName])
	}
	p = ProfileOf(Person{Channel: "whatsapp", SenderName: "Sara"})
	if len(p[KindName]) != 1 || p[KindName][0] != "sara" {
		t.Errorf("with no stated name the display name is the name: %v", p[KindName])
	}
}

func TestNameNeverMergesAlone(t *testing.T) {
	a := profile("web", "c1", "", "Sara Kim", "", "", "Acme")
	a.Add(KindDomain, "acme.example")
	b := profile("web", "c2", "", "Sara Kim", "", "", "Acme")
	b.Add(KindDomain, "acme.example")
	if v := Compare(a, b); v.Decision() == "merged" {
		t.Errorf("a name and a company merged two records: %+v", v)
	}
}

func FuzzCompare(f *testing.F) {
	f.Add("Sara Kim", "+447700900123", "sara@acme.io", "Сара Ким", "07700 900123", "SARA@acme.io")
	f.Add("علی رضایی", "09120004567", "", "Ali", "", "a.l.i@gmail.com")
	f.Fuzz(func(t *testing.T, n1, p1, e1, n2, p2, e2 string) {
		a := profile("web", "x", "GB", n1, p1, e1, "")
		b := profile("whatsapp", "y", "GB", n2, p2, e2, "")
		v, w := Compare(a, b), Compare(b, a)
		if v.Weight != w.Weight || v.Decision() != w.Decision() {
			t.Fatalf("not symmetric: %+v vs %+v", v, w)
		}
		if v.Score < 0 || v.Score > 1 {
			t.Fatalf("score %v out of [0,1]", v.Score)
		}
		if v.Decision() == "merged" && !v.Identify {
			t.Fatalf("merged without an identifying key: %+v", v)
		}
		if s := Compare(a, a); len(a[KindPhone])+len(a[KindEmail]) > 0 && s.Decision() != "merged" {
			t.Fatalf("a profile is not itself: %+v", s)
		}
	})
}
