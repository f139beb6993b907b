// Package synth makes the synthetic contacts and the lookup mix that the matching benchmarks share
// (bench/match at 1,000,000 contacts, BenchmarkMatchContact in internal/store at 10,000).
//
// Seeded contacts hold the keys identity.ProfileOf gives a person: every contact a mobile number
// (British, German, Iranian or American) and an e-mail address, most a name, three in five a
// company (company sizes are skewed: a few accounts have hundreds of contacts), those with company
// mail the company's domain, some a WhatsApp id, a web-chat cookie or a Telegram id, and some also
// their company's office line, a London landline the colleagues share. They are written by
// set-based SQL from generate_series, in one transaction.
//
// The lookups are drawn from a sample of the seeded contacts, read back from the database, so they
// use exactly the stored keys: hits by phone (E.164 and national format), by e-mail and by WhatsApp
// id, new people (half of them at an existing company), and calls from shared office lines.
package synth

import (
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"
	"github.com/nyaruka/phonenumbers"

	"github.com/leadflow/leadflow/internal/identity"
	"github.com/leadflow/leadflow/internal/store"
)

// MaxContacts bounds Seed: the mobile-number ranges hold 8,000,000 distinct numbers.
const MaxContacts = 8_000_000

// people are the first and last names of the seeded and the new people, by script (Latin,
// Persian, Russian; a first name goes with a last name of its script), each with the Latin
// spelling that e-mail addresses use.
var people = []struct {
	first, last [][2]string // {name, latin}
}{
	{first: pairs("james", "mary", "john", "patricia", "robert", "jennifer", "michael", "linda", "william",
		"elizabeth", "david", "barbara", "richard", "susan", "joseph", "jessica", "thomas", "sarah", "charles",
		"karen", "priya", "raj", "ahmed", "fatima", "mohammed", "aisha", "wei", "mei", "carlos", "maria",
		"lucas", "sofia", "hans", "anna", "lukas", "lena", "pierre", "camille", "kenji", "yuki"),
		last: pairs("smith", "johnson", "williams", "brown", "jones", "garcia", "miller", "davis", "rodriguez",
			"martinez", "hernandez", "lopez", "wilson", "anderson", "taylor", "thomas", "moore", "jackson",
			"martin", "lee", "thompson", "white", "harris", "clark", "lewis", "walker", "baker", "shah",
			"patel", "khan", "chen", "wang", "mueller", "schmidt", "schneider", "fischer", "dubois", "moreau",
			"tanaka", "sato")},
	{first: [][2]string{{"علی", "ali"}, {"سارا", "sara"}, {"محمد", "mohammad"}, {"زهرا", "zahra"}, {"رضا", "reza"},
		{"مریم", "maryam"}, {"حسین", "hossein"}, {"فاطمه", "fatemeh"}, {"مهدی", "mehdi"}, {"نرگس", "narges"},
		{"امیر", "amir"}, {"لیلا", "leila"}},
		last: [][2]string{{"رضایی", "rezaei"}, {"محمدی", "mohammadi"}, {"حسینی", "hosseini"}, {"احمدی", "ahmadi"},
			{"کریمی", "karimi"}, {"موسوی", "mousavi"}, {"جعفری", "jafari"}, {"صادقی", "sadeghi"},
			{"رحیمی", "rahimi"}, {"کاظمی", "kazemi"}, {"قاسمی", "ghasemi"}, {"نوری", "nouri"}}},
	{first: [][2]string{{"иван", "ivan"}, {"анна", "anna"}, {"дмитрий", "dmitry"}, {"ольга", "olga"},
		{"сергей", "sergey"}, {"елена", "elena"}, {"алексей", "alexey"}, {"наталья", "natalia"}},
		last: [][2]string{{"иванов", "ivanov"}, {"смирнов", "smirnov"}, {"кузнецов", "kuznetsov"},
			{"попов", "popov"}, {"соколов", "sokolov"}, {"лебедев", "lebedev"}, {"козлов", "kozlov"},
			{"новиков", "novikov"}}},
}

func pairs(latin ...string) [][2]string {
	out := make([][2]string, len(latin))
	for i, s := range latin {
		out[i] = [2]string{s, s}
	}
	return out
}

// Names lists every full name as identity.Name keys it ("sara kim") and its Latin e-mail form
// ("sara.kim"), in one order.
func Names() (names, latin []string) {
	for _, script := range people {
		for _, f := range script.first {
			for _, l := range script.last {
				names = append(names, identity.Name(f[0]+" "+l[0]))
				latin = append(latin, f[1]+"."+l[1])
			}
		}
	}
	return names, latin
}

// Company names are "<adjective> <noun> <sector>" (and a number once the combinations run out);
// none of the words is a legal form, so the company key is the name in lower case.
var (
	companyAdjectives = strings.Fields(`bright blue green silver golden north south east west red quick
		clear prime true bold smart swift solid open deep`)
	companyNouns = strings.Fields(`wave river stone bridge peak harbor field forest lake valley tower
		star cloud leaf rock spring ridge gate orbit signal`)
	companySectors = strings.Fields(`logistics systems foods energy health media capital labs retail
		motors textiles travel`)
)

// Shares of the seeded contacts.
const (
	shareNamed       = 0.85 // a name is known
	shareAtCompany   = 0.60 // works at a company
	shareCompanyMail = 0.70 // of those: writes from the company's domain
	shareOfficeLine  = 0.30 // of those at a company: also holds the company's office line
	shareWhatsApp    = 0.30
	shareWeb         = 0.25
	shareTelegram    = 0.05
	contactsPerOrg   = 20  // companies = contacts / 20
	orgSkew          = 1.5 // company index = companies * u^1.5: small indexes are big companies
)

// SeedStats is what Seed wrote.
type SeedStats struct {
	Contacts   int                `json:"contacts"`
	Identities int                `json:"identities"`
	Companies  int                `json:"companies"`
	Took       time.Duration      `json:"-"`
	Steps      map[string]float64 `json:"steps_seconds"` // by step: draws, people, keys, contacts, identities, commit
}

// Seed writes n synthetic contacts and their identity keys in one transaction, with set-based SQL
// (a temporary table of random draws from generate_series, then INSERT … SELECT). seed makes the
// draws repeatable. Contact i is created i steps after contact 0, over the last three years, and
// its id is "ct_" and 20 hex digits like the ids MatchContact makes. When the connection is a
// superuser's, the foreign-key checks of contact_identities are skipped for the load
// (session_replication_role = replica): every contact_id is one the same transaction inserted.
func Seed(ctx context.Context, db *sqlx.DB, n int, seed float64) (SeedStats, error) {
	if n < 1 || n > MaxContacts {
		return SeedStats{}, fmt.Errorf("synth: %d contacts: want 1 to %d", n, MaxContacts)
	}
	start := time.Now()
	names, latin := Names()
	companies := max(1, n/contactsPerOrg)
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return SeedStats{}, err
	}
	defer func() { _ = tx.Rollback() }()
	var super bool
	if err := tx.GetContext(ctx, &super, `SELECT rolsuper FROM pg_roles WHERE rolname = current_user`); err != nil {
		return SeedStats{}, err
	}
	type stmt struct {
		step string
		sql  string
		args []any
	}
	stmts := []stmt{
		{"", `SELECT setseed($1)`, []any{seed}},
		// The random draws are materialised first, so that each is made once per contact.
		{"draws", `CREATE TEMP TABLE synth_draws ON COMMIT DROP AS
			SELECT i, random() AS r_name, random() AS r_named, random() AS r_org, random() AS r_at_org,
			       random() AS r_mail, random() AS r_free, random() AS r_office, random() AS r_wa,
			       random() AS r_web, random() AS r_tg
			FROM generate_series(0, $1::int - 1) AS i`, []any{n}},
		{"people", `CREATE TEMP TABLE synth_people ON COMMIT DROP AS
			SELECT d.i, 'ct_' || substr(md5('synth-' || d.i), 1, 20) AS contact_id,
			       now() - interval '3 years' * (($1::int - d.i)::float8 / $1::int) AS created_at,
			       CASE d.i % 4 WHEN 0 THEN '+4474' || lpad(d.i::text, 8, '0')
			                    WHEN 1 THEN '+49151' || lpad(d.i::text, 8, '0')
			                    WHEN 2 THEN '+98912' || lpad(d.i::text, 7, '0')
			                    ELSE '+1650' || (2000000 + d.i)::text END AS mobile,
			       CASE WHEN d.r_named < $5 THEN ($3::text[])[n.k] END AS name,
			       ($4::text[])[n.k] || d.i AS local,
			       d.r_mail, d.r_free, d.r_office, d.r_wa, d.r_web, d.r_tg, o.j,
			       o.company, replace(o.company, ' ', '') || '.com' AS domain
			FROM synth_draws d
			CROSS JOIN LATERAL (SELECT 1 + floor(d.r_name * cardinality($3::text[]))::int AS k) n
			CROSS JOIN LATERAL (SELECT j.j, ($7::text[])[1 + j.j % a] || ' ' || ($8::text[])[1 + j.j / a % b] || ' ' ||
			        ($9::text[])[1 + j.j / (a * b) % c] || CASE WHEN j.j >= a * b * c THEN ' ' || (1 + j.j / (a * b * c)) ELSE '' END AS company
			    FROM (SELECT CASE WHEN d.r_at_org < $6 THEN floor($2::int * power(d.r_org, $10::float8))::int END AS j,
			                 cardinality($7::text[]) AS a, cardinality($8::text[]) AS b, cardinality($9::text[]) AS c) j) o`,
			[]any{n, companies, pq.Array(names), pq.Array(latin), shareNamed, shareAtCompany,
				pq.Array(companyAdjectives), pq.Array(companyNouns), pq.Array(companySectors), orgSkew}},
		{"keys", `CREATE TEMP TABLE synth_keys ON COMMIT DROP AS
			SELECT p.contact_id, p.created_at, p.mobile, p.name, p.company,
			       CASE WHEN p.company IS NOT NULL AND p.r_office < $1 THEN '+44207' || lpad(p.j::text, 7, '0') END AS office,
			       e.email,
			       CASE WHEN e.email LIKE '%@gmail.com' THEN replace(p.local, '.', '') || '@gmail.com' END AS gmail,
			       CASE WHEN e.email LIKE '%@' || p.domain THEN p.domain END AS domain,
			       CASE WHEN p.r_wa < $3 THEN ltrim(p.mobile, '+') END AS whatsapp,
			       CASE WHEN p.r_web < $4 THEN 'ck_' || substr(md5('web-' || p.i), 1, 24) END AS web,
			       CASE WHEN p.r_tg < $5 THEN (100000000 + p.i)::text END AS telegram
			FROM synth_people p
			CROSS JOIN LATERAL (SELECT p.local || '@' || CASE
			        WHEN p.company IS NOT NULL AND p.r_mail < $2 THEN p.domain
			        WHEN p.r_free < 0.50 THEN 'gmail.com' WHEN p.r_free < 0.65 THEN 'outlook.com'
			        WHEN p.r_free < 0.80 THEN 'yahoo.com' WHEN p.r_free < 0.90 THEN 'hotmail.com'
			        WHEN p.r_free < 0.95 THEN 'icloud.com' ELSE 'proton.me' END AS email) e`,
			[]any{shareOfficeLine, shareCompanyMail, shareWhatsApp, shareWeb, shareTelegram}},
		{"contacts", `INSERT INTO contacts (contact_id, full_name, phone, email, company, created_at, updated_at)
			SELECT contact_id, initcap(name), mobile, email, initcap(company) || ' Ltd', created_at, created_at
			FROM synth_keys`, nil},
	}
	if super {
		stmts = append(stmts, stmt{"", `SET LOCAL session_replication_role = replica`, nil})
	}
	// Last: its row count is the number of keys.
	stmts = append(stmts, stmt{"identities", `INSERT INTO contact_identities (kind, value, contact_id, created_at)
			SELECT k.kind, k.value, s.contact_id, s.created_at FROM synth_keys s
			CROSS JOIN LATERAL (VALUES ('phone', s.mobile), ('phone', s.office), ('email', s.email), ('gmail', s.gmail),
			    ('domain', s.domain), ('name', s.name), ('company', s.company), ('whatsapp', s.whatsapp),
			    ('web', s.web), ('telegram', s.telegram)) AS k (kind, value)
			WHERE k.value IS NOT NULL`, nil})
	stats := SeedStats{Contacts: n, Steps: map[string]float64{}}
	for _, st := range stmts {
		began := time.Now()
		res, err := tx.ExecContext(ctx, st.sql, st.args...)
		if err != nil {
			return SeedStats{}, fmt.Errorf("synth: seed: %w\n%s", err, st.sql)
		}
		rows, err := res.RowsAffected()
		if err != nil {
			return SeedStats{}, err
		}
		stats.Identities = int(rows)
		if st.step != "" {
			stats.Steps[st.step] = seconds(time.Since(began))
		}
	}
	if err := tx.GetContext(ctx, &stats.Companies, `SELECT count(DISTINCT company) FROM synth_keys`); err != nil {
		return SeedStats{}, err
	}
	began := time.Now()
	if err := tx.Commit(); err != nil {
		return SeedStats{}, err
	}
	stats.Steps["commit"] = seconds(time.Since(began))
	stats.Took = time.Since(start)
	return stats, nil
}

func seconds(d time.Duration) float64 {
	return float64(d.Round(100*time.Millisecond)) / float64(time.Second)
}

// Biggest is the seeded company with the most contacts, and its office line.
type Biggest struct {
	Company       string `json:"company"`
	Domain        string `json:"domain"`
	Contacts      int    `json:"contacts"`
	OfficeLine    string `json:"office_line"`
	OfficeHolders int    `json:"office_line_holders"`
}

// BiggestCompany finds the seeded company with the most contacts.
func BiggestCompany(ctx context.Context, db *sqlx.DB) (Biggest, error) {
	var b Biggest
	if err := db.QueryRowxContext(ctx, `SELECT value, count(*) FROM contact_identities WHERE kind = 'company'
		GROUP BY value ORDER BY count(*) DESC, value LIMIT 1`).Scan(&b.Company, &b.Contacts); err != nil {
		return b, fmt.Errorf("synth: biggest company: %w", err)
	}
	b.Domain = strings.ReplaceAll(b.Company, " ", "") + ".com"
	if err := db.QueryRowxContext(ctx, `SELECT p.value, count(*) FROM contact_identities c
		JOIN contact_identities p ON p.contact_id = c.contact_id AND p.kind = 'phone' AND p.value LIKE '+44207%'
		WHERE c.kind = 'company' AND c.value = $1 GROUP BY p.value ORDER BY count(*) DESC LIMIT 1`, b.Company).
		Scan(&b.OfficeLine, &b.OfficeHolders); err != nil {
		return b, fmt.Errorf("synth: biggest company's office line: %w", err)
	}
	return b, nil
}

// Kinds of lookup and their share of the mix, in percent.
const (
	KindPhone           = "phone"            // an existing contact by mobile (E.164), from the web chat
	KindNational        = "national"         // the same, the number in national format with the country
	KindEmail           = "email"            // an existing contact by e-mail, from an e-mail conversation
	KindWhatsApp        = "whatsapp"         // an existing contact writing on WhatsApp (wa_id and number)
	KindNew             = "new"              // a new person; half at an existing company
	KindOfficeColleague = "office_colleague" // a new person on a shared office line, name and company mail given
	KindOfficeKnown     = "office_known"     // a known holder of an office line calls from it, with their name
	KindOfficeOnly      = "office_only"      // an office line and nothing else: a review for a human
)

// Mix is the kinds of lookup and their share of the mix, in percent (they add up to 100).
var Mix = []struct {
	Kind  string
	Share int
}{
	{KindPhone, 25}, {KindNational, 5}, {KindEmail, 20}, {KindWhatsApp, 10}, {KindNew, 25},
	{KindOfficeColleague, 8}, {KindOfficeKnown, 5}, {KindOfficeOnly, 2},
}

// Lookup is one match request of the mix and what it should come to.
type Lookup struct {
	Kind string
	Req  store.MatchRequest
	// Want is what the lookup should come to: "merged" onto Contact; "new", a new contact (with
	// decision new, or review when a contact already there could be the same person: a colleague
	// on the office line with no name on file or a name in another script, or the same name);
	// "review", a new contact and reviews for a human.
	Want    string
	Contact string
}

// seeded is a sampled contact as stored.
type seeded struct {
	id      string
	profile identity.Profile
	mobile  string // the personal number
	office  string // the company's office line, when held
}

// Lookups draws match requests from a sample of the seeded contacts.
type Lookups struct {
	rng      *rand.Rand
	prefix   string
	all      []seeded
	whatsapp []int // indexes into all
	office   []int // holders of an office line
	named    []int // holders of an office line with a name
	withOrg  []int
	names    []string
	latin    []string
	n        int
}

// NewLookups reads a random sample of up to sample seeded contacts ("ct_" ids not yet matched)
// with their keys. seed makes the sample and the draws repeatable; leadPrefix starts every LeadID
// and keeps the new people's numbers and addresses apart from another Lookups' on the same database.
func NewLookups(ctx context.Context, db *sqlx.DB, sample int, seed uint64, leadPrefix string) (*Lookups, error) {
	var rows []struct {
		ContactID string `db:"contact_id"`
		Kind      string `db:"kind"`
		Value     string `db:"value"`
	}
	if err := db.SelectContext(ctx, &rows, `SELECT c.contact_id, ci.kind, ci.value FROM (
		    SELECT contact_id FROM contacts WHERE contact_id LIKE 'ct\_%' AND merged_into IS NULL AND erased_at IS NULL
		    ORDER BY md5(contact_id || $2) LIMIT $1) c
		JOIN contact_identities ci USING (contact_id) ORDER BY c.contact_id, ci.kind, ci.value`,
		sample, fmt.Sprint(seed)); err != nil {
		return nil, fmt.Errorf("synth: sample: %w", err)
	}
	l := &Lookups{rng: rand.New(rand.NewPCG(seed, 0x5eed)), prefix: leadPrefix}
	l.names, l.latin = Names()
	for _, r := range rows {
		if len(l.all) == 0 || l.all[len(l.all)-1].id != r.ContactID {
			l.all = append(l.all, seeded{id: r.ContactID, profile: identity.Profile{}})
		}
		c := &l.all[len(l.all)-1]
		c.profile.Add(r.Kind, r.Value)
		if r.Kind == identity.KindPhone {
			if identity.SharedLine(r.Value) {
				c.office = r.Value
			} else {
				c.mobile = r.Value
			}
		}
	}
	l.all = slices.DeleteFunc(l.all, func(c seeded) bool { return c.mobile == "" || len(c.profile[identity.KindEmail]) == 0 })
	if len(l.all) == 0 {
		return nil, fmt.Errorf("synth: no seeded contacts to draw lookups from")
	}
	for i, c := range l.all {
		if len(c.profile[identity.KindWhatsApp]) > 0 {
			l.whatsapp = append(l.whatsapp, i)
		}
		if c.office != "" {
			l.office = append(l.office, i)
			if len(c.profile[identity.KindName]) > 0 {
				l.named = append(l.named, i)
			}
		}
		if len(c.profile[identity.KindCompany]) > 0 {
			l.withOrg = append(l.withOrg, i)
		}
	}
	// A new person's numbers start at a random offset so that two Lookups rarely share one.
	l.n = l.rng.IntN(1_000_000)
	return l, nil
}

// Sampled is how many seeded contacts the lookups are drawn from.
func (l *Lookups) Sampled() int { return len(l.all) }

// Next draws a lookup of a kind chosen by the mix's shares.
func (l *Lookups) Next() Lookup {
	roll, kind := l.rng.IntN(100), KindPhone
	for _, m := range Mix {
		if roll < m.Share {
			kind = m.Kind
			break
		}
		roll -= m.Share
	}
	return l.Of(kind)
}

// Of draws a lookup of the given kind (a phone hit when the sample has no contact for it).
func (l *Lookups) Of(kind string) Lookup {
	l.n++
	pick := func(from []int) (seeded, bool) {
		if len(from) == 0 {
			return seeded{}, false
		}
		return l.all[from[l.rng.IntN(len(from))]], true
	}
	c := l.all[l.rng.IntN(len(l.all))]
	first := func(kind string) string {
		if v := c.profile[kind]; len(v) > 0 {
			return v[0]
		}
		return ""
	}
	lk := Lookup{Kind: kind, Want: "merged", Req: store.MatchRequest{LeadID: fmt.Sprintf("%s-%d", l.prefix, l.n),
		Channel: "web", ExternalID: fmt.Sprintf("ck_%s_%d", l.prefix, l.n)}}
	switch kind {
	case KindNational:
		num, err := phonenumbers.Parse(c.mobile, "")
		if err == nil {
			lk.Req.Phone = phonenumbers.Format(num, phonenumbers.NATIONAL)
			lk.Req.Country = phonenumbers.GetRegionCodeForNumber(num)
			lk.Req.Name, lk.Contact = first(identity.KindName), c.id
			return lk
		}
	case KindEmail:
		lk.Req.Channel, lk.Req.Email = "email", first(identity.KindEmail)
		lk.Req.ExternalID = lk.Req.Email
		lk.Req.Name, lk.Contact = first(identity.KindName), c.id
		return lk
	case KindWhatsApp:
		if w, ok := pick(l.whatsapp); ok {
			c = w
			lk.Req.Channel, lk.Req.ExternalID = "whatsapp", first(identity.KindWhatsApp)
			lk.Req.Phone = "+" + lk.Req.ExternalID
			lk.Req.Name, lk.Contact = first(identity.KindName), c.id
			return lk
		}
	case KindNew:
		lk.Want = "new"
		l.newPerson(&lk.Req, c, l.rng.IntN(2) == 0)
		return lk
	case KindOfficeColleague, KindOfficeKnown, KindOfficeOnly:
		from := l.office
		if kind == KindOfficeKnown {
			from = l.named
		}
		if o, ok := pick(from); ok {
			c = o
			switch kind {
			case KindOfficeColleague:
				lk.Want = "new"
				l.newPerson(&lk.Req, c, true)
			case KindOfficeKnown:
				lk.Req.Name, lk.Req.Company, lk.Contact = first(identity.KindName), first(identity.KindCompany), c.id
			case KindOfficeOnly:
				lk.Want = "review"
			}
			lk.Req.Phone = c.office
			return lk
		}
	}
	lk.Kind = KindPhone
	lk.Req.Phone, lk.Req.Name, lk.Contact = c.mobile, first(identity.KindName), c.id
	return lk
}

// newPerson fills req with someone not seeded: a new mobile and address, most often a name (one
// the seeded people may share), and, atOrg, the company of c with an address at its domain.
func (l *Lookups) newPerson(req *store.MatchRequest, c seeded, atOrg bool) {
	k := l.rng.IntN(len(l.names))
	if l.rng.Float64() < shareNamed {
		req.Name = l.names[k]
	}
	req.Phone = fmt.Sprintf("+447%d", 500_000_000+l.n%8_000_000) // 07500 000000 onwards: never seeded
	domain := "gmail.com"
	if atOrg {
		if len(c.profile[identity.KindCompany]) == 0 && len(l.withOrg) > 0 {
			c = l.all[l.withOrg[l.rng.IntN(len(l.withOrg))]]
		}
		if v := c.profile[identity.KindCompany]; len(v) > 0 {
			req.Company = v[0]
		}
		if v := c.profile[identity.KindDomain]; len(v) > 0 {
			domain = v[0]
		}
	}
	req.Email = fmt.Sprintf("%s.%s%d@%s", l.latin[k], l.prefix, l.n, domain)
}
