package extract

import (
	"strings"
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
)

// BenchmarkRules runs the rules over every devset conversation.
func BenchmarkRules(b *testing.B) {
	lines := loadDevset(b)
	inputs := make([]Input, len(lines))
	for i, d := range lines {
		inputs[i] = inputOf(d)
	}
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		for _, in := range inputs {
			Rules(in)
		}
	}
}

// BenchmarkRulesLongMessage runs the rules over 16 KiB messages (the API's limit) of shapes that
// could make them slow: long runs of digits, many cue words, many candidate names.
func BenchmarkRulesLongMessage(b *testing.B) {
	shapes := map[string]string{
		"numbers":  strings.Repeat("0912 345 6789 ", 1170),
		"digits":   strings.Repeat("1 ", 8190),
		"mixed":    strings.Repeat("سلام علی رضایی هستم از شرکت راهکار ۰۹۱۲۳۴۵۶۷۸۹ budget $5k ", 190),
		"names":    strings.Repeat("I'm John Smith From Acme Ltd ", 560),
		"emails":   strings.Repeat("x [at] y [dot] ", 1090),
		"han":      strings.Repeat("我是王伟的王伟", 780),
		"amounts":  strings.Repeat("budget 5 000 000 руб ", 650),
		"spelling": strings.Repeat("a at b dot ", 1480),
	}
	for name, text := range shapes {
		in := Input{Country: "IR", Messages: []lead.Message{{Role: lead.RoleCustomer, Text: text}}}
		b.Run(name, func(b *testing.B) {
			for i := 0; i < b.N; i++ {
				Rules(in)
			}
		})
	}
}

// BenchmarkPhoneNormalisation reads typed numbers into E.164 as the rules do (digits of every
// script folded to ASCII, then parsed for the region): national formats, international prefixes
// and extensions, as customers write them.
func BenchmarkPhoneNormalisation(b *testing.B) {
	typed := []struct{ raw, region string }{
		{"0912 345 6789", "IR"}, {"۰۹۱۲ ۳۴۵ ۶۷۸۹", "IR"}, {"8 (912) 345-67-89", "RU"}, {"+7 912 345 67 89", "RU"},
		{"٠٥٥ ١٢٣ ٤٥٦٧", "SA"}, {"050 123 4567", "AE"}, {"010 1234 5678", "EG"}, {"138 1234 5678", "CN"},
		{"9123 4567", "HK"}, {"0044 7912 345678", "GB"}, {"+49 151 23456789", "DE"}, {"0532 123 45 67 ext. 12", "TR"},
	}
	for b.Loop() {
		for _, t := range typed {
			if n, _ := parseRun(fold(t.raw).s, []string{t.region}); len(n) == 0 {
				b.Fatalf("%q (%s) not read", t.raw, t.region)
			}
		}
	}
}
