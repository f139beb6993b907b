package extract

import (
	"math"
	"testing"
)

// FuzzParseNumber: whatever the text and region, a phone read is E.164 and reads back as itself.
func FuzzParseNumber(f *testing.F) {
	for _, s := range []string{"07400 123456", "+44 7400 123456", "۰۹۱۲ ۰۰۰ ۴۵۶۷", "٠٥٠ ٠٠٠ ١٢٣٤", "8 (916) 000-12-34",
		"00971 50 000 1234", "１３８００１３８０００", "+1 (415) 555-0100 ext. 12", "9123 4567", "0100 000 1234", "+", "00", ""} {
		for _, r := range []string{"GB", "IR", "SA", "RU", "CN", "HK", "EG", "TR", "DE", "", "ZZ"} {
			f.Add(s, r)
		}
	}
	f.Fuzz(func(t *testing.T, raw, region string) {
		n, ok := parseNumber(fold(raw).s, []string{region})
		if !ok {
			return
		}
		if !e164.MatchString(n.e164) {
			t.Fatalf("parseNumber(%q, %q) = %q, not E.164", raw, region, n.e164)
		}
		again, ok := parseNumber(n.e164, nil)
		if !ok || again.e164 != n.e164 {
			t.Fatalf("%q does not read back as itself: %q, %v", n.e164, again.e164, ok)
		}
	})
}

// FuzzFindAmounts: amounts are finite, non-negative, inside the text, with an ISO 4217 code, a
// placeholder that regionCurrency settles ("DIRHAM"), or none.
func FuzzFindAmounts(f *testing.F) {
	for _, s := range []string{"budget ~$5k", "AED 20,000", "۵۰۰ میلیون تومان", "1,5 млн руб", "预算20万元", "3亿", "€15k",
		"1.500.000 TL", "EGP 250 000", "12.5M USD", "99999999999999999999999 dollars", "1e308 k", "$", ""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		text := fold(s).s
		for _, a := range findAmounts(text) {
			if math.IsNaN(a.value) || math.IsInf(a.value, 0) || a.value < 0 {
				t.Fatalf("findAmounts(%q): value %v", s, a.value)
			}
			if a.start < 0 || a.end > len(text) || a.start >= a.end {
				t.Fatalf("findAmounts(%q): span [%d, %d) of %d bytes", s, a.start, a.end, len(text))
			}
			for i := 0; i < len(a.currency); i++ {
				if a.currency[i] < 'A' || a.currency[i] > 'Z' {
					t.Fatalf("findAmounts(%q): currency %q", s, a.currency)
				}
			}
		}
	})
}
