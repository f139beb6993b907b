package identity

import (
	"strings"
	"unicode"
)

// Skeleton is the Latin consonant skeleton of a name, for comparing one person's name written in
// two scripts: "Иван Петров" and "Ivan Petrov" are both "vnptrv", "محمد حسن" and "Mohamed Hassan"
// both "mhmdhsn", "علی رضایی" and "Ali Rezaei" both "lrz". Vowels go because Arabic script leaves
// most of them unwritten and Latin spellings of one name disagree on them; doubled letters and
// spelling variants (q/k, ph/f, c/k) are made one. ok is false when the name has letters no
// table here covers (Han, Hangul, Devanagari…): a skeleton of half a name would mislead.
func Skeleton(name string) (skeleton string, ok bool) {
	var latin strings.Builder
	for _, r := range Name(name) {
		switch {
		case r == ' ':
			continue // "الشمری" and "Al Shammari": the article is written joined or apart
		case r < 0x80:
			latin.WriteRune(r)
		default:
			t, known := translit[r]
			if !known {
				return "", false
			}
			latin.WriteString(t)
		}
	}
	s := latin.String()
	if s == "" {
		return "", false
	}
	for _, rw := range [][2]string{{"ph", "f"}, {"ck", "k"}, {"q", "k"}, {"x", "ks"}, {"dj", "j"}} {
		s = strings.ReplaceAll(s, rw[0], rw[1])
	}
	var b strings.Builder
	var last rune
	for _, r := range s {
		if r == 'c' {
			r = 'k' // "ch" was written as "č" or kept as "ch" below; a lone c is a k sound
		}
		if strings.ContainsRune("aeiouyw", r) || !unicode.IsLetter(r) {
			last = 0
			continue
		}
		if r == last {
			continue // "Hassan" and "حسن": Arabic writes a doubled consonant once
		}
		b.WriteRune(r)
		last = r
	}
	return b.String(), true
}

// translit spells the letters of the scripts Leadflow's customers write most (Cyrillic, Arabic and
// Persian) the way their names are usually written in Latin. Letters are the Fold forms (lower
// case, Arabic and Persian variants unified).
var translit = map[rune]string{
	// Cyrillic (Russian, Ukrainian, Kazakh…)
	'а': "a", 'б': "b", 'в': "v", 'г': "g", 'д': "d", 'е': "e", 'ё': "yo", 'ж': "zh", 'з': "z",
	'и': "i", 'й': "y", 'к': "k", 'л': "l", 'м': "m", 'н': "n", 'о': "o", 'п': "p", 'р': "r",
	'с': "s", 'т': "t", 'у': "u", 'ф': "f", 'х': "kh", 'ц': "ts", 'ч': "ch", 'ш': "sh", 'щ': "shch",
	'ъ': "", 'ы': "y", 'ь': "", 'э': "e", 'ю': "yu", 'я': "ya", 'і': "i", 'ї': "yi", 'є': "ye",
	'ґ': "g", 'ә': "a", 'ғ': "gh", 'қ': "k", 'ң': "n", 'ө': "o", 'ұ': "u", 'ү': "u", 'һ': "h",
	// Arabic and Persian (after Fold: ی, ک, ه, ا are the unified letters)
	'ا': "a", 'ب': "b", 'پ': "p", 'ت': "t", 'ث': "s", 'ج': "j", 'چ': "ch", 'ح': "h", 'خ': "kh",
	'د': "d", 'ذ': "z", 'ر': "r", 'ز': "z", 'ژ': "zh", 'س': "s", 'ش': "sh", 'ص': "s", 'ض': "z",
	'ط': "t", 'ظ': "z", 'ع': "", 'غ': "gh", 'ف': "f", 'ق': "q", 'ک': "k", 'گ': "g", 'ل': "l",
	'م': "m", 'ن': "n", 'و': "w", 'ه': "h", 'ی': "y", 'ء': "",
}
