package store_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"
	"github.com/stretchr/testify/require"

	"github.com/leadflow/leadflow/internal/store"
)

func TestExplainMatch(t *testing.T) {
	ctx, st := newStore(t)
	// Three people on one office line; Priya also by her e-mail, and a colleague of similar name.
	for i, req := range []store.MatchRequest{
		{Name: "Tom Baker", Phone: "+442079460018", Email: "tom.baker@northwind.example", Company: "Northwind"},
		{Name: "Priya Shah", Phone: "+442079460018", Email: "priya.shah@northwind.example", Company: "Northwind"},
		{Name: "Ana Lima", Phone: "+442079460018", Email: "ana.lima@northwind.example", Company: "Northwind"},
		{Name: "Priya Sharma", Phone: "+447700900123", Email: "priya.sharma@northwind.example", Company: "Northwind"},
	} {
		req.LeadID = "ld-" + string(rune('a'+i))
		matchPerson(t, st, req)
	}
	contacts, keys := count(t, st, `SELECT count(*) FROM contacts`), count(t, st, `SELECT count(*) FROM contact_identities`)
	require.Equal(t, 4, contacts)

	tests := []struct {
		name string
		req  store.MatchRequest
		want string
	}{
		{"the office line: its three holders", store.MatchRequest{Phone: "+442079460018"}, "-- profiles of 3 candidates\n"},
		{"a similar name at the company: the two Priyas", store.MatchRequest{Name: "Priya Shah", Email: "p.shah@northwind.example"},
			"-- profiles of 2 candidates\n"},
		{"nobody", store.MatchRequest{Phone: "+4915112345678", Name: "Max Mustermann"}, "-- profiles: not run (no candidates)\n"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			tt.req.LeadID = "ld-explain"
			plan, err := st.ExplainMatch(ctx, tt.req)
			require.NoError(t, err)
			assert.Contains(t, plan, "-- candidates\n")
			assert.Contains(t, plan, "Execution Time")
			assert.Contains(t, plan, "contact_identities")
			assert.Contains(t, plan, tt.want)
		})
	}
	assert.Equal(t, contacts, count(t, st, `SELECT count(*) FROM contacts`), "explaining writes nothing")
	assert.Equal(t, keys, count(t, st, `SELECT count(*) FROM contact_identities`))
	assert.Zero(t, count(t, st, `SELECT count(*) FROM lead_matches WHERE lead_id = 'ld-explain'`))
}

// TestCompanyBlockReadsEachNameOnce: at a company of many contacts, the candidates query reads each
// colleague's name with one probe of an index on (contact_id, kind), not by walking every stored
// name, also before the tables were ever analyzed (a new deployment; `make bench` starts empty).
func TestCompanyBlockReadsEachNameOnce(t *testing.T) {
	ctx, st := newStore(t)
	// Seven companies of 60 people, as `make bench` has them by the middle of a run.
	const companies, colleagues = 7, 60
	for c := range companies {
		for i := range colleagues {
			matchPerson(t, st, store.MatchRequest{LeadID: fmt.Sprintf("ld-%d-%d", c, i), Channel: "web",
				ExternalID: fmt.Sprintf("cookie-%d-%d", c, i), Name: fmt.Sprintf("Person %03d Example", i),
				Company: fmt.Sprintf("Company %d", c), Phone: fmt.Sprintf("+4474%02d%05d", c, i),
				Email: fmt.Sprintf("p%d@co%d.example", i, c)})
		}
	}
	plan, err := st.ExplainMatch(ctx, store.MatchRequest{LeadID: "ld-explain", Name: "Person 007 Example",
		Email: "someone.new@co3.example"})
	require.NoError(t, err)

	// The plan node that reads the names: one probe per colleague, by contact and kind.
	lines := strings.Split(plan, "\n")
	i := slices.IndexFunc(lines, func(l string) bool { return strings.Contains(l, "on contact_identities n ") })
	require.GreaterOrEqual(t, i, 0, plan)
	assert.Contains(t, lines[i], "using contact_identities_contact_kind", plan)
	assert.Contains(t, lines[i], fmt.Sprintf("loops=%d", colleagues), plan)
	assert.Contains(t, lines[i+1], "Index Cond: ((contact_id = o.contact_id) AND (kind = 'name'::text))", plan)
}
