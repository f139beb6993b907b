// Package devset reads the labelled conversations of ../shared/devset (one JSON object a line,
// each with the answer a careful human gave) and compares extracted values with the labels the way
// the set's README says. make eval and the extractor's tests share it.
package devset

import (
	"bufio"
	"encoding/json"
	"fmt"
	"math"
	"os"
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/leadflow/leadflow/internal/lead"
)

// DefaultPath is the shared set, relative to the repository root.
const DefaultPath = "../shared/devset/conversations.jsonl"

// Line is one labelled conversation.
type Line struct {
	ID      string        `json:"id"`
	Person  string        `json:"person"`
	Channel lead.Channel  `json:"channel"`
	Sender  *lead.Sender  `json:"sender"`
	Context *lead.Context `json:"context"`
	Turns   []Turn        `json:"messages"`
	Gold    Gold          `json:"gold"`
}

// Turn is one message of a line.
type Turn struct {
	Role lead.Role `json:"role"`
	Text string    `json:"text"`
}

// Gold is the label; nil is "the conversation does not contain it".
type Gold struct {
	Phone    *string     `json:"phone"`
	Email    *string     `json:"email"`
	FullName *string     `json:"full_name"`
	Company  *string     `json:"company"`
	Intent   *string     `json:"intent"`
	Language *string     `json:"language"`
	Urgency  *string     `json:"urgency"`
	Budget   *lead.Money `json:"budget"`
	Team     *string     `json:"team"`
}

// Spam reports whether the line is labelled spam: such lines are scored on intent only.
func (l Line) Spam() bool { return l.Gold.Intent != nil && *l.Gold.Intent == string(lead.IntentSpam) }

// Messages are the line's turns as the gateway would have accepted them.
func (l Line) Messages() []lead.Message {
	out := make([]lead.Message, 0, len(l.Turns))
	for i, t := range l.Turns {
		out = append(out, lead.Message{MessageID: fmt.Sprint(i), Channel: l.Channel, Role: t.Role, Text: t.Text,
			Sender: l.Sender, Context: l.Context})
	}
	return out
}

// Country is the visit's country from the context, "" when not given.
func (l Line) Country() string {
	if l.Context != nil && l.Context.Country != nil {
		return *l.Context.Country
	}
	return ""
}

// Locale is the visit's locale from the context, "" when not given.
func (l Line) Locale() string {
	if l.Context != nil && l.Context.Locale != nil {
		return *l.Context.Locale
	}
	return ""
}

// Read loads a set.
func Read(path string) ([]Line, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	var lines []Line
	sc := bufio.NewScanner(f)
	sc.Buffer(make([]byte, 1<<20), 1<<22)
	n := 0
	for sc.Scan() {
		n++
		if strings.TrimSpace(sc.Text()) == "" {
			continue
		}
		var l Line
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			return nil, fmt.Errorf("%s line %d: %w", path, n, err)
		}
		lines = append(lines, l)
	}
	return lines, sc.Err()
}

// Fields are the labelled fields, in the order reports list them.
var Fields = []string{"phone", "email", "full_name", "company", "intent", "language", "urgency", "budget"}

// Compare says whether an extracted value matches the label of field; got and want are nil when
// absent. Both absent is a match.
func Compare(field string, got, want any) bool {
	switch field {
	case "full_name", "company":
		g, w := got.(*string), want.(*string)
		if g == nil || w == nil {
			return g == nil && w == nil
		}
		return NormName(*g) == NormName(*w)
	case "budget":
		g, w := got.(*lead.Money), want.(*lead.Money)
		if g == nil || w == nil {
			return g == nil && w == nil
		}
		return g.Currency == w.Currency && math.Abs(g.Amount-w.Amount) <= 0.01*math.Abs(w.Amount)
	}
	g, w := got.(*string), want.(*string)
	if g == nil || w == nil {
		return g == nil && w == nil
	}
	return *g == *w
}

// Want returns the label of field.
func (g Gold) Want(field string) any {
	switch field {
	case "phone":
		return g.Phone
	case "email":
		return g.Email
	case "full_name":
		return g.FullName
	case "company":
		return g.Company
	case "intent":
		return g.Intent
	case "language":
		return g.Language
	case "urgency":
		return g.Urgency
	case "budget":
		return g.Budget
	}
	panic("devset: unknown field " + field)
}

// Got returns the extracted value of field (nil when unknown) and its confidence, in the form
// Compare takes.
func Got(f lead.Fields, field string) (any, float64) {
	switch field {
	case "phone":
		return f.Phone.Value, f.Phone.Confidence
	case "email":
		return f.Email.Value, f.Email.Confidence
	case "full_name":
		return f.FullName.Value, f.FullName.Confidence
	case "company":
		return f.Company.Value, f.Company.Confidence
	case "intent":
		return str(f.Intent.Value), f.Intent.Confidence
	case "language":
		return f.Language.Value, f.Language.Confidence
	case "urgency":
		return str(f.Urgency.Value), f.Urgency.Confidence
	case "budget":
		return f.Budget.Value, f.Budget.Confidence
	}
	panic("devset: unknown field " + field)
}

func str[T ~string](v *T) *string {
	if v == nil {
		return nil
	}
	s := string(*v)
	return &s
}

// IsNil reports whether a value from Got or Want is absent.
func IsNil(v any) bool {
	switch x := v.(type) {
	case *string:
		return x == nil
	case *lead.Money:
		return x == nil
	}
	return v == nil
}

// scoringDropWords are the titles and legal-form words the README drops before comparing names.
var scoringDropWords = map[string]bool{
	"mr": true, "mrs": true, "ms": true, "dr": true, "ltd": true, "llc": true, "inc": true, "gmbh": true,
	"fze": true, "ооо": true, "آقای": true, "خانم": true, "شرکت": true, "شركه": true, "有限公司": true,
}

// NormName is the README's comparison form of names and companies: NFKC, case folding, Arabic and
// Persian letter unification, no punctuation, quotes, titles or legal-form words, single spaces.
func NormName(s string) string {
	s = strings.ToLower(norm.NFKC.String(s))
	s = strings.NewReplacer("ي", "ی", "ك", "ک", "ة", "ه").Replace(s)
	s = strings.Map(func(r rune) rune {
		if unicode.IsPunct(r) || unicode.IsSymbol(r) {
			return ' '
		}
		return r
	}, s)
	var out []string
	for _, w := range strings.Fields(s) {
		if !scoringDropWords[w] {
			out = append(out, w)
		}
	}
	return strings.Join(out, " ")
}
