package synth

import (
	"fmt"
	"strings"
	"testing"

	"github.com/leadflow/leadflow/internal/identity"
)

// The seeding SQL writes keys as identity would make them; these check the pieces it builds from.
func TestSeedKeysAreProfileKeys(t *testing.T) {
	names, latin := Names()
	for i, n := range names {
		if got := identity.Name(n); got != n || len(strings.Fields(n)) != 2 {
			t.Errorf("name %q is keyed %q", n, got)
		}
		addr := latin[i] + "42@gmail.com"
		if key, _, ok := identity.Email(addr); !ok || key != addr {
			t.Errorf("address %q is keyed %q (ok %v)", addr, key, ok)
		}
	}
	for _, a := range companyAdjectives {
		for _, n := range companyNouns {
			for _, s := range companySectors {
				key := a + " " + n + " " + s
				display := strings.ToUpper(key[:1]) + key[1:] + " Ltd"
				if got := identity.Company(display); got != key {
					t.Errorf("company %q is keyed %q", display, got)
				}
			}
		}
	}
	// The number ranges of the SQL, at both ends: valid, already E.164, mobile or (office) fixed line.
	for _, c := range []struct {
		e164   string
		shared bool
	}{
		{"+447400000000", false}, {fmt.Sprintf("+4474%08d", MaxContacts-1), false},
		{"+4915100000000", false}, {fmt.Sprintf("+49151%08d", MaxContacts-1), false},
		{"+989120000000", false}, {fmt.Sprintf("+98912%07d", MaxContacts-1), false},
		{"+16502000000", false}, {fmt.Sprintf("+1650%d", 2000000+MaxContacts-1), false},
		{"+442070000000", true}, {fmt.Sprintf("+44207%07d", MaxContacts/contactsPerOrg), true},
		{"+447500000000", false}, {"+447507999999", false}, // new people
	} {
		key, _, ok := identity.Phone(c.e164, "")
		if !ok || key != c.e164 || identity.SharedLine(c.e164) != c.shared {
			t.Errorf("%s: key %q ok %v shared line %v", c.e164, key, ok, identity.SharedLine(c.e164))
		}
	}
	total := 0
	for _, m := range Mix {
		total += m.Share
	}
	if total != 100 {
		t.Errorf("the mix adds up to %d%%", total)
	}
}
