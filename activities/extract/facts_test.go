package extract

import (
	"testing"

	"github.com/leadflow/leadflow/internal/lead"
)

func TestFacts(t *testing.T) {
	for _, tc := range []struct {
		name string
		msgs []lead.Message
		want lead.TextFacts
	}{
		{"seats and branches in English", chat("We need 25 users now, maybe 60 seats next year, for our 12 branches."),
			lead.TextFacts{Users: 60, Branches: 12, Words: 14}},
		{"Persian digits and words", chat("برای ۳۰ کاربر و ۵ شعبه"), lead.TextFacts{Users: 30, Branches: 5, Words: 6}},
		{"Arabic", chat("نحتاج 50 مستخدم في 8 فروع"), lead.TextFacts{Users: 50, Branches: 8, Words: 6}},
		{"Russian", chat("Нужно 100 пользователей и 10 филиалов"), lead.TextFacts{Users: 100, Branches: 10, Words: 6}},
		{"Chinese counts two characters a word", chat("我们有20个用户和15家门店"), lead.TextFacts{Users: 20, Branches: 15, Words: 5}},
		{"head count is not seats", chat("a support team of about 40 agents"), lead.TextFacts{Words: 7}},
		{"only the customer's words count", chat("bot: Plans start at 10 users, see https://x.example and https://y.example", "ok"), lead.TextFacts{Words: 1}},
		{"links", chat("see http://a.example and http://b.example"), lead.TextFacts{Words: 4, Links: 2}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := Facts(Input{Messages: tc.msgs}); got != tc.want {
				t.Fatalf("Facts = %+v, want %+v", got, tc.want)
			}
		})
	}
}
