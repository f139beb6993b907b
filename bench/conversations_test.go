package main

import (
	"testing"

	"github.com/leadflow/leadflow/activities/extract"
	"github.com/leadflow/leadflow/internal/lead"
)

// Every generated conversation must become a reachable lead in its own language with the
// person's own phone and email, or the benchmark would measure conversations that stop at
// needs_contact instead of the whole pipeline.
func TestGeneratedConversationsAreLeadsTheRulesRead(t *testing.T) {
	g := newGenerator(7, 0.2)
	convs := g.take(600)
	repeats, langs := 0, map[string]int{}
	for _, c := range convs {
		if c.Repeat {
			repeats++
		}
		langs[c.Person.Lang]++
		var msgs []lead.Message
		for i, m := range c.Messages {
			msgs = append(msgs, lead.Message{MessageID: string(rune('a' + i)), Channel: lead.Channel(c.Channel), Role: lead.Role(m.Role), Text: m.Text})
		}
		f := extract.Rules(extract.Input{Messages: msgs, Channel: lead.Channel(c.Channel), Country: c.Country, Locale: c.Locale})
		if got := value(f.Phone); got != c.Person.E164 {
			t.Errorf("%s (%s): phone %q, want %q from %q", c.ID, c.Person.Lang, got, c.Person.E164, c.Person.Phone)
		}
		if got := value(f.Email); got != c.Person.Email {
			t.Errorf("%s (%s): email %q, want %q", c.ID, c.Person.Lang, got, c.Person.Email)
		}
		if got := value(f.Language); got != c.Person.Lang {
			t.Errorf("%s: language %q, want %q", c.ID, got, c.Person.Lang)
		}
		if f.IsSpam() || !f.Reachable() {
			t.Errorf("%s: spam or unreachable", c.ID)
		}
	}
	if repeats < 80 || repeats > 160 {
		t.Errorf("%d of 600 conversations from returning customers, want about 20%%", repeats)
	}
	if len(langs) != len(locales) {
		t.Errorf("languages %v, want all %d", langs, len(locales))
	}
}

func TestGeneratorIsDeterministic(t *testing.T) {
	a, b := newGenerator(3, 0.3).take(50), newGenerator(3, 0.3).take(50)
	for i := range a {
		if a[i].ID != b[i].ID || a[i].Person != b[i].Person || a[i].Messages[3] != b[i].Messages[3] || a[i].Channel != b[i].Channel {
			t.Fatalf("conversation %d differs between two generators of one seed", i)
		}
	}
}

func value[T ~string](f lead.Field[T]) string {
	if f.Value == nil {
		return ""
	}
	return string(*f.Value)
}
