package extract

import (
	"regexp"
	"strconv"

	"github.com/leadflow/leadflow/internal/lead"
)

// country is where the lead is: the region of their phone number, else the country the chatbot
// reported for the visit.
func (c *conversation) country(phone lead.Field[string]) lead.Field[string] {
	if phone.Known() {
		if r := phoneRegion(*phone.Value); r != "" {
			return lead.Set(r, clamp(min(0.85, phone.Confidence)), phone.Evidence, phone.Source)
		}
	}
	if c.region != "" {
		return lead.Set(c.region, 0.5, "", lead.SourceChannel)
	}
	return lead.Field[string]{}
}

// headcount is a number of people working with the customer: "40 agents", "team of 12",
// "۱۵ نفر", "٢٥ مندوب", "20个人".
var headcount = regexp.MustCompile(`(?i)(?:team of (?:about |around |roughly |some )?(\d{1,6})|(\d{1,6})[ \t]*\+?[ \t]*-?[ \t]*(?:employees|staff|people|agents|reps|salespeople|sales reps|workers|person|-person|-agent|agent|نفر|کارمند|پرسنل|موظف|مندوب|человек|сотрудник|менеджер|个人|個人|名员工|名員工|位员工|人|çalışan|kişi|mitarbeiter))`)

// companySize buckets a stated head count; it is a hint (a team, not always the company), so its
// confidence stays low.
func (c *conversation) companySize() lead.Field[string] {
	for _, m := range c.msgs {
		text := m.trustedText()
		loc := headcount.FindStringSubmatchIndex(text)
		if loc == nil {
			continue
		}
		g := loc[2:4]
		if g[0] < 0 {
			g = loc[4:6]
		}
		n, err := strconv.Atoi(text[g[0]:g[1]])
		if err != nil || n <= 0 {
			continue
		}
		return lead.Set(sizeBucket(n), 0.45, m.sentenceEvidence(loc[0], loc[1]), lead.SourceRules)
	}
	return lead.Field[string]{}
}

func sizeBucket(n int) string {
	switch {
	case n <= 10:
		return "1-10"
	case n <= 50:
		return "11-50"
	case n <= 200:
		return "51-200"
	case n <= 500:
		return "201-500"
	case n <= 1000:
		return "501-1000"
	case n <= 5000:
		return "1001-5000"
	case n <= 10000:
		return "5001-10000"
	}
	return "10001+"
}
