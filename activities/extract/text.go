package extract

import (
	"regexp"
	"sort"
	"strings"
	"unicode"
	"unicode/utf8"
)

// folded is a message rewritten so that the rules can be written once, in ASCII, for every script:
// Persian, Arabic-Indic and full-width digits become 0-9, full-width punctuation and letters become
// ASCII, typographic dashes, quotes and spaces become their plain forms. off maps every byte of s
// back to the original text, so evidence can always be cut from the customer's own words.
type folded struct {
	s   string
	off []int // len(s)+1 entries; off[i] is the original byte offset of s[i]
}

// fold builds the folded form of orig.
func fold(orig string) folded {
	var b strings.Builder
	b.Grow(len(orig))
	off := make([]int, 0, len(orig)+1)
	for i, r := range orig {
		if r == utf8.RuneError {
			r = ' ' // an invalid byte (or U+FFFD) can never be part of a match
		}
		r = foldRune(r)
		n := b.Len()
		b.WriteRune(r)
		for k := n; k < b.Len(); k++ {
			off = append(off, i)
		}
	}
	off = append(off, len(orig))
	return folded{s: b.String(), off: off}
}

// foldRune maps one rune to the form the rules are written for.
func foldRune(r rune) rune {
	switch {
	case r >= '۰' && r <= '۹': // Extended Arabic-Indic (Persian, Urdu)
		return '0' + (r - '۰')
	case r >= '٠' && r <= '٩': // Arabic-Indic
		return '0' + (r - '٠')
	case r >= '０' && r <= '９':
		return '0' + (r - '０')
	case r >= '！' && r <= '～': // full-width ASCII: ＠ ＋ （ ） Ａ…
		return r - 0xFEE0
	case r == '\u00a0', r == '\u2007', r == '\u2009', r == '\u202f', r == '\u3000', r == '\t':
		return ' '
	case r >= '\u2010' && r <= '\u2015', r == '\u2212':
		return '-'
	case r == '\u2018', r == '\u2019', r == '\u02bc':
		return '\''
	case r == '\u201c', r == '\u201d':
		return '"'
	case r == '\u066c': // Arabic thousands separator
		return ','
	case r == '\u066b': // Arabic decimal separator
		return '.'
	}
	return r
}

// orig returns the original text behind folded bytes [i, j).
func (f folded) orig(text string, i, j int) string {
	if i < 0 {
		i = 0
	}
	if j > len(f.s) {
		j = len(f.s)
	}
	if i >= j {
		return ""
	}
	return text[f.off[i]:f.off[j]]
}

// maskSpans blanks the byte ranges of s with spaces, keeping every offset valid.
func maskSpans(s string, spans [][2]int) string {
	if len(spans) == 0 {
		return s
	}
	b := []byte(s)
	for _, sp := range spans {
		for k := sp[0]; k < sp[1] && k < len(b); k++ {
			b[k] = ' '
		}
	}
	return string(b)
}

// clauseBreak reports whether r ends a clause: the context of a cue word does not cross it.
func clauseBreak(r rune) bool {
	switch r {
	case ',', ';', '.', '!', '?', '\n', '،', '؛', '؟', '。', '！', '？', '；', '，', '、':
		return true
	}
	return false
}

// sentenceBreak reports whether r ends a sentence.
func sentenceBreak(r rune) bool {
	switch r {
	case '.', '!', '?', '\n', '؟', '。', '！', '？':
		return true
	}
	return false
}

// clauseStart returns the offset just after the last clause break before i.
func clauseStart(s string, i int) int {
	for j := i; j > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:j])
		if clauseBreak(r) && !decimalPoint(s, j-n) {
			return j
		}
		j -= n
	}
	return 0
}

// clauseEnd returns the offset of the first clause break at or after i.
func clauseEnd(s string, i int) int {
	for j := i; j < len(s); {
		r, n := utf8.DecodeRuneInString(s[j:])
		if clauseBreak(r) && !decimalPoint(s, j) {
			return j
		}
		j += n
	}
	return len(s)
}

// decimalPoint reports whether the byte at i is a dot or comma between two digits (4.5, 20,000),
// which does not end a clause.
func decimalPoint(s string, i int) bool {
	if i <= 0 || i+1 >= len(s) || (s[i] != '.' && s[i] != ',') {
		return false
	}
	return isDigit(s[i-1]) && isDigit(s[i+1])
}

// sentenceAround returns the bounds of the sentence holding [i, j).
func sentenceAround(s string, i, j int) (int, int) {
	a := 0
	for k := i; k > 0; {
		r, n := utf8.DecodeLastRuneInString(s[:k])
		if sentenceBreak(r) && !decimalPoint(s, k-n) && !abbreviationDot(s, k-n) {
			a = k
			break
		}
		k -= n
	}
	b := len(s)
	for k := j; k < len(s); {
		r, n := utf8.DecodeRuneInString(s[k:])
		if sentenceBreak(r) && !decimalPoint(s, k) && !abbreviationDot(s, k) {
			b = k + n
			break
		}
		k += n
	}
	return a, b
}

// abbreviationDot reports whether the dot at i closes a short abbreviation (ext., Mr., тыс.) rather
// than a sentence: it follows one to four letters and is followed by a lower-case word or digit.
func abbreviationDot(s string, i int) bool {
	if s[i] != '.' {
		return false
	}
	k := i
	letters := 0
	for k > 0 {
		r, n := utf8.DecodeLastRuneInString(s[:k])
		if !unicode.IsLetter(r) {
			break
		}
		letters++
		k -= n
	}
	if letters == 0 || letters > 4 {
		return false
	}
	rest := strings.TrimLeft(s[i+1:], " ")
	if rest == "" {
		return false
	}
	r, _ := utf8.DecodeRuneInString(rest)
	return unicode.IsLower(r) || unicode.IsDigit(r) || r == '+' || r == '('
}

func isDigit(c byte) bool { return c >= '0' && c <= '9' }

func isASCIILetter(c byte) bool { return (c|0x20) >= 'a' && (c|0x20) <= 'z' }

// lastRunes returns the tail of s holding at most n runes.
func lastRunes(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	k := len(s)
	for c := 0; c < n && k > 0; c++ {
		_, w := utf8.DecodeLastRuneInString(s[:k])
		k -= w
	}
	return s[k:]
}

// firstRunes returns the head of s holding at most n runes.
func firstRunes(s string, n int) string {
	c := 0
	for i := range s {
		if c == n {
			return s[:i]
		}
		c++
	}
	return s
}

// maxEvidence is how many characters of the customer's words a field keeps as evidence.
const maxEvidence = 200

// clip trims s to evidence size, keeping its end (where the matched value usually sits) or its start.
func clip(s string, keepEnd bool) string {
	s = strings.TrimSpace(s)
	if utf8.RuneCountInString(s) <= maxEvidence {
		return s
	}
	if keepEnd {
		return strings.TrimSpace(lastRunes(s, maxEvidence))
	}
	return strings.TrimSpace(firstRunes(s, maxEvidence))
}

// cueSet is a list of cue words and phrases, matched case-insensitively. Most cues are plain
// words, found with strings.Index on a lower-cased copy of the text (a single regexp of hundreds of
// case-folded alternatives is far slower); the few that need a pattern share one regexp.
type cueSet struct {
	lits []literalCue
	re   *regexp.Regexp // nil when every cue is a plain word
	// gate, when set, holds words without which no pattern of re can match; re is run only on
	// texts that have one, since most texts have none and a regexp costs more than a word search.
	gate *cueSet
}

type literalCue struct {
	text      string // lower-case
	asciiWord bool   // starts with an ASCII letter: must not follow an ASCII letter, digit or _
	anyWord   bool   // written with "<": must not follow a letter of any script
	wordEnd   bool   // written with a trailing \b: must not precede an ASCII letter, digit or _
	anyEnd    bool   // written with a trailing ">": must not precede a letter of any script
}

// words builds a cueSet. An alternative that starts with an ASCII letter must start a word, so "po"
// does not match "report"; one that should also end a word says so with a trailing \b. A non-Latin
// alternative that must start a word is written with a leading "<" ("<тел" must not match "хотел"),
// one that must end a word with a trailing ">"; others match anywhere, since Persian, Arabic and
// Russian stems take prefixes and suffixes. A plain alternative may hold an escaped "\." or "\?".
// Alternatives with other regexp syntax are compiled into one case-insensitive regexp.
func words(alternatives ...string) *cueSet {
	c := &cueSet{}
	var patterns []string
	for _, a := range alternatives {
		lit := literalCue{}
		body := a
		if strings.HasPrefix(body, "<") {
			lit.anyWord, body = true, body[1:]
		}
		if strings.HasSuffix(body, `\b`) {
			lit.wordEnd, body = true, strings.TrimSuffix(body, `\b`)
		}
		if strings.HasSuffix(body, ">") {
			lit.anyEnd, body = true, strings.TrimSuffix(body, ">")
		}
		plain := escapedLiteral.Replace(body)
		if body != "" && !strings.ContainsAny(strings.NewReplacer(`\.`, "", `\?`, "").Replace(body), `\+*?()|[]{}^$`) {
			lit.text = lowerSameLength(plain)
			lit.asciiWord = isASCIILetter(lit.text[0])
			c.lits = append(c.lits, lit)
			continue
		}
		switch {
		case strings.HasPrefix(a, "<"):
			a = `(?:^|[^\p{L}])` + a[1:]
		case a != "" && isASCIILetter(a[0]):
			a = `\b` + a
		}
		patterns = append(patterns, a)
	}
	if len(patterns) > 0 {
		c.re = regexp.MustCompile(`(?i)(?:` + strings.Join(patterns, "|") + `)`)
	}
	return c
}

// gated sets the words without which none of c's patterns can match (see cueSet.gate).
func (c *cueSet) gated(words ...string) *cueSet {
	g := &cueSet{}
	for _, w := range words {
		g.lits = append(g.lits, literalCue{text: lowerSameLength(w)})
	}
	c.gate = g
	return c
}

// escapedLiteral unescapes the two characters a plain cue may carry: "tel\." and "сколько\?".
var escapedLiteral = strings.NewReplacer(`\.`, ".", `\?`, "?")

// phrases returns every "head tail" combination, for cue lists of verb phrases.
func phrases(heads, tails []string) []string {
	out := make([]string, 0, len(heads)*len(tails))
	for _, h := range heads {
		for _, t := range tails {
			out = append(out, h+" "+t)
		}
	}
	return out
}

// MatchString reports whether any cue occurs in s.
func (c *cueSet) MatchString(s string) bool { return c.Match(s, "") }

// FindStringIndex returns the leftmost cue in s, or nil.
func (c *cueSet) FindStringIndex(s string) []int { return c.First(s, "") }

// FindAllStringIndex returns the cues in s, leftmost first, without overlaps.
func (c *cueSet) FindAllStringIndex(s string, _ int) [][]int { return c.All(s, "") }

// Match, First and All are MatchString, FindStringIndex and FindAllStringIndex for a text whose
// lowerSameLength form the caller already has (or "" to have it computed).
func (c *cueSet) Match(s, lower string) bool { return len(c.find(s, lower, findAny)) > 0 }

func (c *cueSet) First(s, lower string) []int {
	all := c.find(s, lower, findFirst)
	if len(all) == 0 {
		return nil
	}
	return all[0]
}

func (c *cueSet) All(s, lower string) [][]int { return c.find(s, lower, findAll) }

type findMode int

const (
	findAny findMode = iota
	findFirst
	findAll
)

func (c *cueSet) find(s, lower string, mode findMode) [][]int {
	var out [][]int
	if len(c.lits) > 0 {
		if lower == "" || len(lower) != len(s) {
			lower = lowerSameLength(s)
		}
		limit := len(lower) // in findFirst mode, nothing right of the best hit so far matters
		for _, l := range c.lits {
			for from := 0; from < limit; {
				end := min(limit+len(l.text)-1, len(lower))
				if from >= end {
					break
				}
				i := strings.Index(lower[from:end], l.text)
				if i < 0 {
					break
				}
				i += from
				if l.boundaryOK(lower, i, i+len(l.text)) {
					out = append(out, []int{i, i + len(l.text)})
					if mode == findAny {
						return out
					}
					if mode == findFirst {
						limit = i
						break
					}
				}
				from = i + 1
			}
		}
	}
	if c.re != nil && (c.gate == nil || c.gate.Match(s, lower)) {
		switch mode {
		case findAll:
			out = append(out, c.re.FindAllStringIndex(s, -1)...)
		default:
			if loc := c.re.FindStringIndex(s); loc != nil {
				out = append(out, loc)
			}
		}
	}
	if len(out) <= 1 {
		return out
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i][0] != out[j][0] {
			return out[i][0] < out[j][0]
		}
		return out[i][1] > out[j][1]
	})
	kept := out[:1]
	for _, loc := range out[1:] {
		if loc[0] >= kept[len(kept)-1][1] {
			kept = append(kept, loc)
		}
	}
	return kept
}

func (l literalCue) boundaryOK(s string, i, end int) bool {
	if i > 0 {
		if l.asciiWord && isWordByte(s[i-1]) {
			return false
		}
		if l.anyWord {
			r, _ := utf8.DecodeLastRuneInString(s[:i])
			if unicode.IsLetter(r) {
				return false
			}
		}
	}
	if l.wordEnd && end < len(s) && isWordByte(s[end]) {
		return false
	}
	if l.anyEnd && end < len(s) {
		r, _ := utf8.DecodeRuneInString(s[end:])
		if unicode.IsLetter(r) {
			return false
		}
	}
	return true
}

// unifyLetter maps Arabic-script letter variants to one form for matching.
func unifyLetter(r rune) rune {
	switch r {
	case 'ي', 'ى':
		return 'ی'
	case 'ك':
		return 'ک'
	case 'ة':
		return 'ه'
	case 'أ', 'إ', 'ٱ':
		return 'ا'
	}
	return r
}

func isWordByte(c byte) bool { return isASCIILetter(c) || isDigit(c) || c == '_' }

// lowerSameLength is the form cue words are matched in: lower case, and the letters that Arabic
// and Persian keyboards write differently made one (ي/ی, ك/ک, ى, ة/ه, أ/إ/ا), so a Persian cue
// matches text typed on an Arabic keyboard and the other way round. Runes whose replacement has
// another UTF-8 length (İ) are left alone, so offsets in the result are offsets in s.
func lowerSameLength(s string) string {
	ascii := true
	for i := 0; i < len(s); i++ {
		if s[i] >= utf8.RuneSelf {
			ascii = false
			break
		}
	}
	if ascii {
		return strings.ToLower(s)
	}
	var b strings.Builder
	b.Grow(len(s))
	for i := 0; i < len(s); {
		r, size := utf8.DecodeRuneInString(s[i:])
		i += size
		if r == utf8.RuneError && size == 1 {
			b.WriteByte(' ') // an invalid byte: keep the length
			continue
		}
		if l := unifyLetter(unicode.ToLower(r)); utf8.RuneLen(l) == size {
			r = l
		}
		b.WriteRune(r)
	}
	return b.String()
}

// urlPattern finds links, with or without a scheme, so that their digits and words are not taken
// for phones, names or language.
var urlPattern = regexp.MustCompile(`(?i)\b(?:https?://|www\.)[^\s<>"]+|\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:com|net|org|info|biz|io|ai|app|dev|co|me|tv|ir|ru|su|by|kz|ua|uz|de|at|ch|fr|es|it|nl|uk|us|ca|au|in|cn|hk|tw|jp|kr|sg|ae|sa|eg|qa|kw|om|bh|jo|tr|az|am|ge|example|xyz|top|site|online|shop|store|ly|gl|gg|link|click|club|pro|vip)\b(?:/[^\s<>"]*)?`)

// isTitleCase reports whether w starts with an upper-case letter (any script that has case).
func isTitleCase(w string) bool {
	r, _ := utf8.DecodeRuneInString(w)
	return unicode.IsUpper(r)
}

// hasCase reports whether w is written in a script with letter case.
func hasCase(w string) bool {
	for _, r := range w {
		if unicode.IsLetter(r) {
			return unicode.IsUpper(r) || unicode.IsLower(r)
		}
	}
	return false
}

// clamp keeps a confidence in [0, 1].
func clamp(x float64) float64 {
	switch {
	case x < 0:
		return 0
	case x > 1:
		return 1
	}
	return x
}
