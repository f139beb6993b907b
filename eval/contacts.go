package main

import (
	"cmp"
	"context"
	"fmt"
	"io"
	"strings"

	"github.com/leadflow/leadflow/activities"
	"github.com/leadflow/leadflow/internal/devset"
	"github.com/leadflow/leadflow/internal/lead"
	"github.com/leadflow/leadflow/internal/localstack"
	"github.com/leadflow/leadflow/internal/store"
)

// contactsReport scores identity resolution on the set's person labels: every reachable lead is
// matched in arrival order, and each pair of matched lines is right when "same contact" agrees
// with "same person". Only line ids, decisions and key kinds are reported: no personal data.
type contactsReport struct {
	LinesMatched      int            `json:"lines_matched"`
	SkippedSpam       int            `json:"skipped_spam"`
	SkippedUnreach    int            `json:"skipped_unreachable"` // no phone or e-mail in the reading
	Persons           int            `json:"persons"`             // distinct gold persons among matched lines
	ContactsCreated   int            `json:"contacts_created"`
	Decisions         map[string]int `json:"decisions"`
	PairwisePrecision float64        `json:"pairwise_precision"` // 1 when no pair was put together
	PairwiseRecall    float64        `json:"pairwise_recall"`    // 1 when no pair was to be found
	PairsTrue         int            `json:"pairs_true"`
	TP                int            `json:"tp"`
	FP                int            `json:"fp"`
	FN                int            `json:"fn"`
	FalseMerges       []contactPair  `json:"false_merges"`
	Missed            []contactPair  `json:"missed"`
}

// contactPair is two lines in arrival order and what matching decided for the later one: that is
// the decision that joined them or kept them apart.
type contactPair struct {
	A         string   `json:"a"`
	B         string   `json:"b"`
	Decision  string   `json:"decision"`
	MatchedBy []string `json:"matched_by"` // key kinds (phone, email, name…), never values
	Score     float64  `json:"score"`
}

// matchContacts runs the product's matching over the set on a throw-away Postgres. reads are the
// product's readings of the lines (what evaluate scored), so the matching sees what production
// would see, mistakes included.
func matchContacts(ctx context.Context, lines []devset.Line, reads []lead.Fields) (_ *contactsReport, err error) {
	pg, err := localstack.StartPostgres(ctx, localstack.PostgresOptions{})
	if err != nil {
		return nil, fmt.Errorf("contacts (-contacts=false skips them): %w", err)
	}
	defer func() {
		if serr := pg.Stop(); err == nil && serr != nil {
			err = serr
		}
	}()
	if err := pg.CreateDatabase(ctx, "eval"); err != nil {
		return nil, err
	}
	st, err := store.OpenMigrated(ctx, pg.URL("eval"))
	if err != nil {
		return nil, err
	}
	defer st.Close()

	rep := &contactsReport{Decisions: map[string]int{}, FalseMerges: []contactPair{}, Missed: []contactPair{}}
	for _, d := range []lead.MatchDecision{lead.MatchNew, lead.MatchMerged, lead.MatchReview} {
		rep.Decisions[string(d)] = 0
	}
	var matched []devset.Line
	var results []store.MatchResult
	for i, l := range lines {
		f := reads[i]
		switch {
		case f.IsSpam(): // the workflow makes no lead of spam, so nothing is matched
			rep.SkippedSpam++
			continue
		case !f.Reachable():
			rep.SkippedUnreach++
			continue
		}
		res, err := st.MatchContact(ctx, matchRequest(l, f))
		if err != nil {
			return nil, fmt.Errorf("%s: %w", l.ID, err)
		}
		matched, results = append(matched, l), append(results, res)
		rep.Decisions[string(res.Match.Decision)]++
		if res.IsNewContact {
			rep.ContactsCreated++
		}
	}

	gold, got := make([]string, len(matched)), make([]string, len(matched))
	persons := map[string]bool{}
	for i := range matched {
		gold[i], got[i] = matched[i].Person, results[i].ContactID
		persons[gold[i]] = true
	}
	ps := pairwise(gold, got)
	rep.LinesMatched, rep.Persons = len(matched), len(persons)
	rep.PairwisePrecision, rep.PairwiseRecall = ps.Precision, ps.Recall
	rep.PairsTrue, rep.TP, rep.FP, rep.FN = ps.PairsTrue, ps.TP, ps.FP, ps.FN
	pair := func(p [2]int) contactPair {
		m := results[p[1]].Match
		return contactPair{A: matched[p[0]].ID, B: matched[p[1]].ID, Decision: string(m.Decision), MatchedBy: m.MatchedBy, Score: m.Score}
	}
	for _, p := range ps.FalseMerges {
		rep.FalseMerges = append(rep.FalseMerges, pair(p))
	}
	for _, p := range ps.Missed {
		rep.Missed = append(rep.Missed, pair(p))
	}
	return rep, nil
}

// matchRequest is what the workflow's matchInput sends for the conversation (workflows/
// conversation.go): the read fields, the channel's account id and the visit's country, upper-cased,
// or the read country when the chatbot gave none.
func matchRequest(l devset.Line, f lead.Fields) store.MatchRequest {
	return activities.NewMatchInput(l.ID, f, l.Channel, cmp.Or(strings.ToUpper(l.Country()), f.Country.Or("")), l.Sender).Request()
}

// pairScore compares a predicted clustering with the true one pair by pair.
type pairScore struct {
	PairsTrue, TP, FP, FN int
	Precision, Recall     float64  // 1 for an empty denominator, as ratio does
	FalseMerges, Missed   [][2]int // index pairs (i < j) put together wrongly / kept apart wrongly
}

// pairwise scores got against gold, two labels per item (gold person, predicted contact): a pair
// of items is predicted same when their got labels are equal and truly same when their gold labels
// are. Pairs are counted, not clusters, so one wrong merge of two big clusters costs as much as
// all the people it confuses.
func pairwise(gold, got []string) pairScore {
	var s pairScore
	for i := range gold {
		for j := i + 1; j < len(gold); j++ {
			same, predicted := gold[i] == gold[j], got[i] == got[j]
			if same {
				s.PairsTrue++
			}
			switch {
			case same && predicted:
				s.TP++
			case predicted:
				s.FP++
				s.FalseMerges = append(s.FalseMerges, [2]int{i, j})
			case same:
				s.FN++
				s.Missed = append(s.Missed, [2]int{i, j})
			}
		}
	}
	s.Precision, s.Recall = ratio(s.TP, s.TP+s.FP), ratio(s.TP, s.TP+s.FN)
	return s
}

func (r *contactsReport) print(w io.Writer) {
	fmt.Fprintf(w, "\ncontacts: identity resolution against the set's persons (pairwise, throw-away Postgres)\n")
	fmt.Fprintf(w, "lines matched %d (skipped: spam %d, no phone or e-mail read %d), persons %d, contacts created %d\n",
		r.LinesMatched, r.SkippedSpam, r.SkippedUnreach, r.Persons, r.ContactsCreated)
	fmt.Fprintf(w, "decisions: new %d, merged %d, review %d\n", r.Decisions[string(lead.MatchNew)],
		r.Decisions[string(lead.MatchMerged)], r.Decisions[string(lead.MatchReview)])
	fmt.Fprintf(w, "%10s %4s %4s %4s %9s %7s\n", "true pairs", "tp", "fp", "fn", "precision", "recall")
	fmt.Fprintf(w, "%10d %4d %4d %4d %9.3f %7.3f\n", r.PairsTrue, r.TP, r.FP, r.FN, r.PairwisePrecision, r.PairwiseRecall)
	fmt.Fprintln(w, "(precision is 1 when no pair was put together, recall 1 when there was no pair to find)")
	list := func(title string, pairs []contactPair) {
		fmt.Fprintf(w, "%s: %d\n", title, len(pairs))
		for _, p := range pairs {
			fmt.Fprintf(w, "  %s ~ %s: %s %.2f by [%s]\n", p.A, p.B, p.Decision, p.Score, strings.Join(p.MatchedBy, " "))
		}
	}
	list("wrong merges (different persons, one contact)", r.FalseMerges)
	list("missed pairs (one person, two contacts; decision on the later line)", r.Missed)
}
