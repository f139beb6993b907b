package identity

import (
	"testing"
	"unicode/utf8"
)

func TestName(t *testing.T) {
	tests := []struct{ a, b string }{
		{"Dr. Sara  KIM", "sara kim"},
		{"علي رضائي", "علی رضایی"},             // Arabic keyboard, Persian name
		{"آقای علی‌رضا رضایی", "علیرضا رضایی"}, // title dropped; ZWNJ joins the two parts
		{"مُحَمَّد", "محمد"},                   // harakat
		{"محـــمد", "محمد"},                    // tatweel
		{"José Müller", "jose muller"},
		{"Ｓａｒａ Ｋｉｍ", "sara kim"},
		{"Госпожа Анна Иванова", "анна иванова"},
		{"王伟先生", "王伟先生"}, // no spaces in Chinese: the title stays glued, and that is the same on both sides
		{"Frau Dr. Lena Schmidt", "lena schmidt"},
	}
	for _, tt := range tests {
		if Name(tt.a) != Name(tt.b) {
			t.Errorf("Name(%q) = %q, Name(%q) = %q: want equal", tt.a, Name(tt.a), tt.b, Name(tt.b))
		}
	}
	for _, pair := range [][2]string{{"Sara Kim", "Sara Lim"}, {"علی رضایی", "علی رضوی"}, {"Анна", "Инна"}} {
		if Name(pair[0]) == Name(pair[1]) {
			t.Errorf("%q and %q are different names", pair[0], pair[1])
		}
	}
}

func TestCompany(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"Brightwave Ltd.", "brightwave"},
		{"ООО «Ромашка»", "ромашка"},
		{"شرکت راهکار", "راهکار"},
		{"شركة النخبة", "النخبه"},
		{"华为技术有限公司", "华为技术"},
		{"Acme GmbH & Co. KG", "acme"},
		{"Sahara Trading FZE", "sahara trading"},
	} {
		if got := Company(tt.in); got != tt.want {
			t.Errorf("Company(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEmail(t *testing.T) {
	tests := []struct {
		in, key, alias string
		ok             bool
	}{
		{"Sara.Kim+crm@GoogleMail.com", "sara.kim+crm@googlemail.com", "sarakim@gmail.com", true},
		{"sarakim@gmail.com", "sarakim@gmail.com", "sarakim@gmail.com", true},
		{"sara.kim@brightwave.example", "sara.kim@brightwave.example", "", true},
		{"s.kim+x@outlook.com", "s.kim+x@outlook.com", "", true}, // dots mean something elsewhere
		{"not an email", "", "", false},
		{"@gmail.com", "", "", false},
		{"sara@", "", "", false},
	}
	for _, tt := range tests {
		key, alias, ok := Email(tt.in)
		if key != tt.key || alias != tt.alias || ok != tt.ok {
			t.Errorf("Email(%q) = %q, %q, %v; want %q, %q, %v", tt.in, key, alias, ok, tt.key, tt.alias, tt.ok)
		}
	}
}

func FuzzKeys(f *testing.F) {
	for _, s := range []string{"Dr. Sara Kim", "علي‌رضا", "ООО «Ромашка»", "华为技术有限公司", "a.b+c@gmail.com", "\xff\xfe", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		for _, k := range []string{Fold(s), Name(s), Company(s)} {
			if !utf8.ValidString(k) || k != Fold(k) && k != Name(k) && k != Company(k) {
				t.Fatalf("key %q of %q is not stable", k, s)
			}
		}
		if Fold(Fold(s)) != Fold(s) {
			t.Fatalf("Fold is not idempotent on %q: %q then %q", s, Fold(s), Fold(Fold(s)))
		}
		if key, alias, ok := Email(s); ok {
			if k2, a2, _ := Email(key); k2 != key || a2 != alias {
				t.Fatalf("Email(%q) not stable: %q/%q then %q/%q", s, key, alias, k2, a2)
			}
		}
	})
}

func TestPhone(t *testing.T) {
	tests := []struct {
		raw, region, key, alias string
		ok                      bool
	}{
		{"07400 123456", "GB", "+447400123456", "", true},
		{"+44 7400 123456", "", "+447400123456", "", true},
		{"0912 000 4567", "IR", "+989120004567", "", true},
		{"(11) 98765-4321", "BR", "+5511987654321", "+551187654321", true},
		{"+55 11 8765-4321", "", "+5511987654321", "+551187654321", true}, // the old eight-digit mobile form
		{"+55 11 3456-7890", "", "+551134567890", "", true},               // a landline keeps eight digits
		{"12345", "GB", "", "", false},
		{"call me", "GB", "", "", false},
	}
	for _, tt := range tests {
		key, alias, ok := Phone(tt.raw, tt.region)
		if key != tt.key || alias != tt.alias || ok != tt.ok {
			t.Errorf("Phone(%q, %q) = %q, %q, %v; want %q, %q, %v", tt.raw, tt.region, key, alias, ok, tt.key, tt.alias, tt.ok)
		}
	}
}
