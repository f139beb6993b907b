package extract

import (
	"regexp"
	"strconv"
	"strings"
	"unicode"

	"github.com/leadflow/leadflow/internal/lead"
)

// Facts counts what scoring weighs beside the fields: seats and branches the customer said they
// need, the words they wrote and the links they sent.
func Facts(in Input) lead.TextFacts { return newConversation(in).facts() }

// seatCount is a number of users, seats or licences: "25 users", "۳۰ کاربر", "50 مستخدم",
// "100 пользователей", "20个用户". Agents and staff are head count (company_size), not seats.
var seatCount = regexp.MustCompile(`(?i)(\d{1,6})[ \t]*\+?[ \t]*(?:users?|seats?|licen[cs]es?|accounts|operators|کاربر|لایسنس|اکانت|مستخدم|حساب|пользовател|лицензи|операторов|аккаунт|个用户|個用戶|用户|用戶|坐席|账号|帳號)`)

// branchCount is a number of branches, stores or offices: "12 branches", "۵ شعبه", "8 فروع",
// "10 филиалов", "15家门店".
var branchCount = regexp.MustCompile(`(?i)(\d{1,6})[ \t]*\+?[ \t]*(?:branch(?:es)?|stores|shops|outlets|locations|offices|شعبه|فرع|فروع|فروشگاه|филиал|магазин|офис|家门店|家門店|家分店|门店|門店|分店|家店)`)

func (c *conversation) facts() lead.TextFacts {
	var f lead.TextFacts
	for _, m := range c.msgs {
		text := m.trustedText()
		f.Users = max(f.Users, largestCount(seatCount, text))
		f.Branches = max(f.Branches, largestCount(branchCount, text))
		f.Words += wordCount(m.orig)
		f.Links += m.links
	}
	return f
}

func largestCount(re *regexp.Regexp, text string) int {
	n := 0
	for _, g := range re.FindAllStringSubmatch(text, 8) {
		if v, err := strconv.Atoi(g[1]); err == nil {
			n = max(n, v)
		}
	}
	return n
}

// wordCount counts words; Chinese and Japanese are written without spaces, so there every two
// characters count as a word.
func wordCount(s string) int {
	n := 0
	for _, w := range strings.Fields(s) {
		han := 0
		for _, r := range w {
			if unicode.Is(unicode.Han, r) || unicode.In(r, unicode.Hiragana, unicode.Katakana) {
				han++
			}
		}
		if han > 0 {
			n += (han + 1) / 2
		} else {
			n++
		}
	}
	return n
}
